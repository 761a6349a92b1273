using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Tests;

namespace Sim.Model.Tests.Locks;

public class PyMutexSmokeTests
{
    [Fact]
    public void PyMutex_KeepsMutualExclusion_UnderExploration() => Exploring.StaysClean(rt =>
    {
        var m = new PyMutex(rt, "m");
        var c = new PlainCell<int>(rt, "c");
        var ts = Enumerable.Range(0, 2).Select(i => rt.StartThread($"t{i}", () => { m.Lock(); c.Write(c.Read() + 1); m.Unlock(); })).ToList();
        ts.ForEach(t => t.Join());
        rt.Check(c.Peek() == 2, "lost update");
    }, iterations: 200);
}
