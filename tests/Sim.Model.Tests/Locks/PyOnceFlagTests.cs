using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

public class PyOnceFlagTests
{
    [Fact]
    public void CallOnce_RunsTheInitializerOnce_UnderExploration() =>
        Exploring.StaysClean(rt => InitializeConcurrently(rt, useOnceFlag: true));

    [Fact]
    public void CallOnce_RunsTheInitializerOnce_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => InitializeConcurrently(rt, useOnceFlag: true), runs: 200);

    [Fact]
    public void CheckThenInitialize_WithoutTheOnceFlag_RunsTwice() =>
        Exploring.FindsBug(rt => InitializeConcurrently(rt, useOnceFlag: false), "the initializer ran");

    [Fact]
    public void AFailedInitializer_LetsTheNextCallerRetry()
    {
        var rt = SimRuntime.CreateProduction();
        var flag = new PyOnceFlag(rt, "once");
        var calls = 0;

        Assert.Equal(-1, flag.CallOnce(() => { calls++; return -1; }));
        Assert.False(flag.IsInitializedForCheck);
        Assert.Equal(0, flag.CallOnce(() => { calls++; return 0; }));
        Assert.Equal(0, flag.CallOnce(() => { calls++; return 0; }));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void AFailureRecordedAsInitialized_IsFound() =>
        Exploring.FindsBug(rt =>
        {
            var flag = new PyOnceFlag(rt, "once", LockDesign.Cpython313 with { OnceFailure = OnceFailureProtocol.MarkInitialized });
            flag.CallOnce(() => -1);
            rt.Check(flag.CallOnce(() => 0) == 0 && !flag.IsInitializedForCheck, "a second caller was not allowed to retry");
        }, "a second caller was not allowed to retry");

    private static void InitializeConcurrently(SimRuntime rt, bool useOnceFlag)
    {
        var flag = new PyOnceFlag(rt, "once");
        var done = new AtomicInt(rt, "done");
        var runs = new AtomicInt(rt, "runs");
        int Initialize()
        {
            runs.FetchAdd(1);
            done.Store(1);
            return 0;
        }

        var callers = Enumerable.Range(0, 3).Select(i => rt.StartThread($"caller{i}", () =>
        {
            if (useOnceFlag)
            {
                flag.CallOnce(Initialize);
            }
            else if (done.Load() == 0)
            {
                Initialize();
            }

            rt.Check(done.Load() == 1, "returned before initialization finished");
        })).ToList();
        callers.ForEach(c => c.Join());
        rt.Check(runs.Peek() == 1, $"the initializer ran {runs.Peek()} times, not once");
    }
}
