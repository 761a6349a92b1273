using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Runtime.Tests.Exploration;

public class OperationNameTests
{
    [Fact]
    public void AnInterpolatedOperationName_IsNotFormatted_OnRealThreads()
    {
        var rt = SimRuntime.CreateProduction();
        var counted = new CountsFormatting();

        using (rt.Enter($"Py_INCREF({counted})"))
        {
        }

        Assert.Equal(0, counted.Formatted);
    }

    [Fact]
    public void AnInterpolatedOperationName_NamesTheStepsInsideIt_UnderExploration()
    {
        var result = Exploring.FindsBug(rt =>
        {
            var cell = new AtomicInt(rt, "ob_ref_shared");
            using (rt.Enter($"_Py_DecRefShared({new CountsFormatting()})"))
            {
                cell.FetchAdd(-4);
            }

            cell.Load();
            rt.Fail("stop");
        }, "stop");

        Assert.Equal("_Py_DecRefShared(op#1)", result.Steps.Single(s => s.Action.StartsWith("fetch_add", StringComparison.Ordinal)).Operation);
        Assert.Null(result.Steps.Single(s => s.Action.StartsWith("load", StringComparison.Ordinal)).Operation);
    }

    private sealed class CountsFormatting
    {
        public int Formatted { get; private set; }

        public override string ToString()
        {
            Formatted++;
            return "op#1";
        }
    }
}
