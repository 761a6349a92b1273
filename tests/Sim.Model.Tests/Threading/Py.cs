using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Model.Tests.Threading;

/// <summary>Builds an interpreter with the threading module in a given design.</summary>
internal static class Py
{
    public static ThreadingModule Import(SimRuntime rt, ThreadingDesign? design = null) =>
        ThreadingModule.Import(new PyInterpreterState(rt, ModelConfig.Cpython313 with { Threading = design ?? ThreadingDesign.Cpython313 }));

    /// <summary>True if <paramref name="thread"/> still has a thread state linked into the interpreter.</summary>
    public static bool HasLinkedThreadState(this ThreadingModule threading, SimThread? thread) =>
        threading.Interp.ThreadStatesForCheck.Any(ts => ReferenceEquals(ts.Thread, thread));
}
