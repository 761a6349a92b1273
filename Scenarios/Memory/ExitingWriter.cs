using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Scenarios.Memory;

/// <summary>
/// The writer of the exit scenarios: replaces <c>L[0]</c> with an <c>int</c>, passes a few periodic checks, then replaces it
/// with a GC object (a tuple), which frees the <c>int</c>: its OBJECT page empties and waits for its QSBR goal. Then the
/// thread exits, abandoning that page.
/// </summary>
internal static class ExitingWriter
{
    public static SimThread Start(SimRuntime runtime, PyInterpreterState interp, PyListObject lists, PyObjectPtr list)
    {
        var intType = new PyTypeObject("int", 32);
        var tupleType = new PyTypeObject("tuple", 48, isGc: true);
        return PythonThread.Start(runtime, interp, "writer", tstate =>
        {
            lists.SetItem(list, 0, interp.Objects.New(intType, "item1"));
            for (var k = 0; k < 3; k++)
            {
                tstate.CheckPeriodic();
            }

            lists.SetItem(list, 0, interp.Objects.New(tupleType, "item2")); // frees item1: its page waits for a goal
        });
    }
}
