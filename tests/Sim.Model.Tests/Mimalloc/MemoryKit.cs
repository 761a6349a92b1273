using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Tests.Mimalloc;

/// <summary>Shared helpers of the memory tests: an interpreter, small object types, and Python threads.</summary>
internal static class MemoryKit
{
    /// <summary>An object type of <paramref name="size"/> bytes in the OBJECT heap.</summary>
    public static PyTypeObject Type(int size = 32, string name = "object") => new(name, size);

    /// <summary>A new interpreter on <paramref name="rt"/> with <paramref name="config"/>.</summary>
    public static PyInterpreterState Interp(SimRuntime rt, ModelConfig? config = null) => new(rt, config ?? ModelConfig.Cpython313);

    /// <summary>Starts a thread with its own attached thread state; the state is cleared and deleted when the body returns.</summary>
    public static SimThread Start(SimRuntime rt, PyInterpreterState interp, string name, Action<PyThreadState> body) =>
        rt.StartThread(name, () =>
        {
            var tstate = interp.NewThreadState(rt.CurrentThread);
            tstate.Attach();
            body(tstate);
            tstate.Clear();
            tstate.Detach();
            tstate.Delete();
        });

    /// <summary>Joins from the main thread with its thread state detached, then re-attaches and passes a periodic check.</summary>
    public static void Join(PyInterpreterState interp, params SimThread[] threads)
    {
        interp.MainThreadState.Detach();
        foreach (var t in threads)
        {
            t.Join();
        }

        interp.MainThreadState.Attach();
        interp.MainThreadState.CheckPeriodic();
    }

    /// <summary>The object's header fields, read without scheduling points.</summary>
    public static (long Tid, uint Local, long Shared) HeaderOf(PyObjectPtr op) =>
        (op.Block.ObTid.Peek(), unchecked((uint)op.Block.ObRefLocal.Peek()), op.Block.ObRefShared.Peek());
}
