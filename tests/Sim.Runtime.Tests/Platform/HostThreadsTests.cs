using System.Reflection;
using Sim.Runtime.Platform;

namespace Sim.Runtime.Tests.Platform;

/// <summary>
/// The OS threads of controlled mode (<see cref="HostThreads"/>), on real threads: bodies run on kept threads, an
/// interrupt of one body never reaches the next, and a thread whose body did not end, or ended unclean, is not reused.
/// (Under exploration: <c>Exploration/ThreadReuseTests</c>.)
/// </summary>
public class HostThreadsTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    [Fact]
    public void CoyotesPrivateThreadState_IsThatOfThePinnedVersion() =>
        Assert.True(CoyoteThreadState.IsAvailable,
            $"OS thread reuse relies on private members of Microsoft.Coyote {CoyoteThreadState.PinnedVersion}, and this build " +
            $"does not have them: {CoyoteThreadState.Problem}. Every simulated thread now runs on an OS thread of its own (slower, " +
            "same results). Check Runtime/Platform/CoyoteThreadState.cs against the new Coyote's CoyoteRuntime.cs and " +
            "SynchronizedSection.cs, or drop the reuse (docs/exploration-steps.md).");

    [Fact]
    public void Bodies_RunOnKeptThreads_WhenReused_AndEachOnANewOne_Otherwise()
    {
        Assert.Equal(1, DistinctThreads(reuse: true, bodies: 20, out var pooled));
        Assert.Equal(1, pooled);
        Assert.Equal(20, DistinctThreads(reuse: false, bodies: 20, out var fresh));
        Assert.Equal(20, fresh);
    }

    [Fact]
    public void ABody_RunsInItsStartersExecutionContext_AndLeavesNothingOfItOnTheThread()
    {
        var local = new AsyncLocal<string?>();
        using var hosts = new HostThreads(reuse: true);
        local.Value = "first";
        var seen = new List<string?>();
        RunAndJoin(hosts, () => seen.Add(local.Value));
        local.Value = "second";
        RunAndJoin(hosts, () =>
        {
            seen.Add(local.Value);
            local.Value = "changed by the body";
            SynchronizationContext.SetSynchronizationContext(new SynchronizationContext());
        });
        local.Value = null;
        RunAndJoin(hosts, () => seen.Add(local.Value + "|" + (SynchronizationContext.Current is null ? "no context" : "a context")));

        Assert.Equal(["first", "second", "|no context"], seen);
        Assert.Equal(1, hosts.Created);
    }

    [Fact]
    public void AnInterruptThatFoundTheBodyRunning_IsTakenOffTheThreadWhenTheBodyEnds()
    {
        // The body spins (is not blocked) when it is interrupted, so the interrupt stays pending on its OS thread; what
        // that thread does after the body (the next body, on a kept thread) must not receive it.
        using var spinning = new ManualResetEventSlim();
        using var interrupted = new ManualResetEventSlim();
        var run = new HostedRun(() =>
        {
            spinning.Set();
            while (!interrupted.IsSet)
            {
                Thread.SpinWait(100);
            }
        }, "spinner");
        Exception? thrown = null;
        var os = new Thread(() =>
        {
            run.AssignTo(Thread.CurrentThread);
            run.Execute();
            try
            {
                Thread.Sleep(20);
            }
            catch (ThreadInterruptedException ex)
            {
                thrown = ex;
            }
        });
        os.Start();
        spinning.Wait();
        run.Interrupt();
        interrupted.Set();
        Assert.True(run.Join(Grace));
        os.Join();

        Assert.Null(thrown);
    }

    [Fact]
    public void ABodyBlockedWhenInterrupted_Unwinds_AndItsThreadRunsTheNextBody()
    {
        using var hosts = new HostThreads(reuse: true);
        using var blocked = new ManualResetEventSlim();
        using var never = new ManualResetEventSlim();
        var unwound = false;
        var first = new HostedRun(() =>
        {
            try
            {
                blocked.Set();
                never.Wait();
            }
            catch (ThreadInterruptedException)
            {
                unwound = true;
            }
        }, "blocked");
        hosts.Start(first);
        blocked.Wait();
        Thread.Sleep(50);
        first.Interrupt();
        Assert.True(first.Join(Grace));
        Assert.True(unwound);
        AwaitIdle(hosts);

        var ran = false;
        RunAndJoin(hosts, () => ran = true);
        Assert.True(ran);
        Assert.Equal(1, hosts.Created);
    }

    [Fact]
    public void ABodyThatHasNotEnded_KeepsItsThread_AndTheNextBodyGetsAnother()
    {
        using var hosts = new HostThreads(reuse: true);
        using var release = new ManualResetEventSlim();
        var first = new HostedRun(release.Wait, "stuck");
        hosts.Start(first);
        Assert.False(first.Join(TimeSpan.FromMilliseconds(50)));
        Assert.True(first.IsRunning);

        RunAndJoin(hosts, () => { });
        Assert.Equal(2, hosts.Created);
        release.Set();
        Assert.True(first.Join(Grace));
    }

    [Fact]
    public void AThreadLeftHoldingASimulatedThread_IsNotReused()
    {
        using var hosts = new HostThreads(reuse: true);
        Thread? dirty = null;
        RunAndJoin(hosts, () =>
        {
            dirty = Thread.CurrentThread;
            SimRuntime.CreateProduction(); // makes its main thread the OS thread's simulated thread, and leaves it there
        });
        Thread? next = null;
        RunAndJoin(hosts, () => next = Thread.CurrentThread);

        Assert.NotSame(dirty, next);
        Assert.Equal(1, hosts.Discarded);
        Assert.True(dirty!.Join(Grace), "the unclean thread did not end");
    }

    [Fact]
    public void AThreadLeftInsideCoyotesRuntimeLock_IsNotReused()
    {
        using var hosts = new HostThreads(reuse: true);
        Assert.True(CoyoteThreadState.IsAvailable, CoyoteThreadState.Problem);
        var entered = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "Microsoft.Coyote")
            .GetType("Microsoft.Coyote.Runtime.SynchronizedSection")!
            .GetField("IsEntered", BindingFlags.Static | BindingFlags.NonPublic)!;
        Thread? dirty = null;
        RunAndJoin(hosts, () =>
        {
            dirty = Thread.CurrentThread;
            entered.SetValue(null, true); // as if an exception had left the thread inside Coyote's lock
        });
        Thread? next = null;
        RunAndJoin(hosts, () => next = Thread.CurrentThread);

        Assert.NotSame(dirty, next);
        Assert.Equal(1, hosts.Discarded);
    }

    [Fact]
    public void Dispose_EndsTheIdleThreads()
    {
        var hosts = new HostThreads(reuse: true);
        Thread? os = null;
        RunAndJoin(hosts, () => os = Thread.CurrentThread);
        hosts.Dispose();
        Assert.True(os!.Join(Grace), "an idle thread outlived its pool");
    }

    private static int DistinctThreads(bool reuse, int bodies, out int created)
    {
        using var hosts = new HostThreads(reuse);
        var seen = new HashSet<Thread>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < bodies; i++)
        {
            RunAndJoin(hosts, () => seen.Add(Thread.CurrentThread));
        }

        created = hosts.Created;
        return seen.Count;
    }

    private static void RunAndJoin(HostThreads hosts, Action body)
    {
        var run = new HostedRun(body, "test body");
        hosts.Start(run);
        Assert.True(run.Join(Grace), "a body did not end");
        AwaitIdle(hosts);
    }

    /// <summary>A thread goes back to the pool just after its run is done: waits for it, so that the next body can take it.</summary>
    private static void AwaitIdle(HostThreads hosts) =>
        SpinWait.SpinUntil(() => hosts.Idle > 0 || !hosts.Reuses || hosts.Discarded > 0, Grace);
}
