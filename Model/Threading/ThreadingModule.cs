using Sim.Model.Interpreter;
using Sim.Runtime;

namespace Sim.Model.Threading;

/// <summary>
/// The Python <c>threading</c> module (<c>Lib/threading.py</c>) over the C <c>_thread</c> module (<see cref="CThreadModule"/>): <c>Thread</c> objects in the
/// configured design, the main thread's <c>Thread</c>, <c>_shutdown</c>, and the fork child's clean-up
/// (<see cref="ForkAndContinueAsChild"/>). Created once per interpreter by <see cref="Import"/>, on the main thread.
/// </summary>
public sealed partial class ThreadingModule
{
    private ThreadingModule(PyInterpreterState interp)
    {
        Interp = interp;
        Runtime = interp.Runtime;
        Design = interp.Config.Threading;
        CThreadModule = new CThreadModule(interp);
        if (Design.Join == JoinProtocol.ThreadHandle)
        {
            // _MainThread: self._handle = _make_thread_handle(self._ident)
            var main = new ThreadingThread313(this, "MainThread", null, daemon: false,
                CThreadModule.MakeThreadHandle(Runtime.CurrentThread.Id, "MainThread"));
            main.MarkStartedOnCurrentThread();
            MainThread = main;
        }
        else
        {
            var main = new ThreadingThread312(this, "MainThread", null, daemon: false);
            main.InitMainThread();
            MainThread = main;
        }
    }

    /// <summary>The interpreter.</summary>
    public PyInterpreterState Interp { get; }

    /// <summary>The design the module follows (<c>ModelConfig.Threading</c>).</summary>
    public ThreadingDesign Design { get; }

    /// <summary>The C <c>_thread</c> module underneath (<c>import _thread</c>).</summary>
    public CThreadModule CThreadModule { get; }

    /// <summary><c>_main_thread</c>.</summary>
    public ThreadingThread MainThread { get; }

    /// <summary>The runtime.</summary>
    private SimRuntime Runtime { get; }

    /// <summary><c>import threading</c>: creates the module on first import (call it on the main thread), then returns it.</summary>
    public static ThreadingModule Import(PyInterpreterState interp)
    {
        ArgumentNullException.ThrowIfNull(interp);
        if (interp.ThreadingOrNull is { } module)
        {
            return module;
        }

        module = new ThreadingModule(interp);
        interp.ThreadingOrNull = module;
        return module;
    }

    /// <summary><c>threading.Thread(target=target, name=name, daemon=daemon)</c> in the configured design.</summary>
    public ThreadingThread NewThread(string name, Action target, bool daemon = false) => Design.Join switch
    {
        JoinProtocol.ThreadHandle => new ThreadingThread313(this, name, target, daemon),
        _ => new ThreadingThread312(this, name, target, daemon),
    };

    /// <summary>
    /// <c>threading._shutdown()</c>, called by the main thread at interpreter exit. 3.13: returns if it already ran, marks
    /// the main thread's handle done (<c>_set_done</c>) and waits for every non-daemon thread (<c>_thread._shutdown</c>).
    /// 3.12 (<see cref="JoinProtocol.TstateLock"/>): waits on the <c>_tstate_lock</c> of every non-daemon thread.
    /// </summary>
    /// <remarks>The <c>_threading_atexits</c> callbacks are not modelled.</remarks>
    public void Shutdown()
    {
        if (MainThread is ThreadingThread312 main312)
        {
            Shutdown312(main312);
            return;
        }

        var main = (ThreadingThread313)MainThread;
        using var _ = Runtime.Enter("threading._shutdown");
        if (main.Handle.IsDone())
        {
            // _shutdown() was already called
            return;
        }

        if (main.Ident == Runtime.CurrentThread.Id)
        {
            main.Handle.SetDone();
        }

        CThreadModule.Shutdown();
    }
}
