using Sim.Model.Interpreter;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Threading;

/// <summary>
/// A Python thread as the memory scenarios need it: <c>thread_run</c> (<c>Modules/_threadmodule.c</c>, 3.13) reduced to
/// creating and attaching a thread state, running the body, then <c>PyThreadState_Clear</c> and
/// <c>_PyThreadState_DeleteCurrent</c> (detach, then delete). The <c>ThreadHandle</c> protocol is not involved: the creator
/// joins the OS thread.
/// </summary>
public static class PythonThread
{
    /// <summary>Starts a simulated thread that runs <paramref name="body"/> with its own attached thread state.</summary>
    public static SimThread Start(SimRuntime runtime, PyInterpreterState interp, string name, Action<PyThreadState> body)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(interp);
        ArgumentNullException.ThrowIfNull(body);
        return runtime.StartThread(name, () =>
        {
            var tstate = interp.NewThreadState(runtime.CurrentThread);
            tstate.Attach();
            body(tstate);
            tstate.Clear();
            tstate.DeleteCurrent();
        });
    }

    /// <summary>
    /// Joins <paramref name="threads"/> from the main thread; see <see cref="WhileDetached"/>.
    /// </summary>
    public static void JoinAll(PyInterpreterState interp, params SimThread[] threads) =>
        WhileDetached(interp, () =>
        {
            foreach (var t in threads)
            {
                t.Join();
            }
        });

    /// <summary>
    /// Runs <paramref name="joins"/> on the main thread with its thread state detached, as a blocking join does
    /// (<c>Py_BEGIN_ALLOW_THREADS</c>), so that it holds up no QSBR goal; then re-attaches and passes a periodic check,
    /// which merges the objects other threads queued to the main thread.
    /// </summary>
    public static void WhileDetached(PyInterpreterState interp, Action joins)
    {
        ArgumentNullException.ThrowIfNull(interp);
        ArgumentNullException.ThrowIfNull(joins);
        var main = interp.MainThreadState;
        main.Detach();
        joins();
        main.Attach();
        main.CheckPeriodic();
    }
}
