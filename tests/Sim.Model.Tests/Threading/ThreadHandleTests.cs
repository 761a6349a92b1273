using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Threading;

public class ThreadHandleTests
{
    private static void JoinAfterWork(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var work = new PlainCell<int>(rt, "work");
        var hobj = threading.CThreadModule.StartJoinableThread(() => work.Write(1), "t", daemon: false);
        rt.Check(hobj.Join(), "an untimed join returned without joining");
        rt.Check(work.Read() == 1, "join returned before the target ran");
        rt.Check(hobj.IsDone(), "join returned but is_done() is False");
        rt.Check(!threading.HasLinkedThreadState(hobj.Handle.OsHandle.Peek()), "join returned while the thread state is still linked");
        rt.Check(hobj.Handle.State.Peek() == ThreadHandleState.Done, $"after join the handle is {hobj.Handle}");
        rt.Check(hobj.Handle.OsJoinsForCheck == 1, $"the OS thread was joined {hobj.Handle.OsJoinsForCheck} times");
    }

    private static void SequentialJoins(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var hobj = threading.CThreadModule.StartJoinableThread(() => { }, "t");
        for (var i = 0; i < 3; i++)
        {
            rt.Check(hobj.Join(), $"join #{i + 1} returned without joining");
        }

        rt.Check(hobj.Handle.OsJoinsForCheck == 1, $"three joins joined the OS thread {hobj.Handle.OsJoinsForCheck} times");
    }

    private static void TimedJoinOfABlockedThread(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var release = new PyEvent(rt, "release");
        var hobj = threading.CThreadModule.StartJoinableThread(release.Wait, "t");
        rt.Check(!hobj.Join(1_000_000), "a 1 ms join returned as joined while the thread waits for release");
        rt.Check(!hobj.IsDone(), "is_done() is True while the thread waits for release");
        release.Notify();
        rt.Check(hobj.Join(), "an untimed join returned without joining");
        rt.Check(hobj.Handle.OsJoinsForCheck == 1, $"the OS thread was joined {hobj.Handle.OsJoinsForCheck} times");
    }

    private static void SelfJoin(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var hobj = threading.CThreadModule.NewThreadHandle("t");
        var message = new PlainCell<string?>(rt, "message");
        threading.CThreadModule.StartJoinableThread(() =>
        {
            try
            {
                hobj.Join();
            }
            catch (ThreadError e)
            {
                message.Write(e.Message);
            }
        }, "t", hobj);
        hobj.Join();
        rt.Check(message.Read() == "Cannot join current thread", $"a self-join gave {message.Peek() ?? "no error"}");
    }

    private static void DroppedWhileRunning(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var hobj = threading.CThreadModule.StartJoinableThread(() => { }, "t");
        var handle = hobj.Handle;

        // The last Python reference goes while the thread may still run: thread_run's own reference keeps the handle
        // alive, and whoever drops the last reference detaches the never-joined thread.
        hobj.Dealloc();
        while (!handle.IsFreed)
        {
            rt.Yield("the thread to drop its reference");
        }

        rt.Check(handle.State.Peek() == ThreadHandleState.Done, $"a handle freed while RUNNING ends {handle}");
        rt.Check(handle.OsJoinsForCheck == 0, "a dropped handle joined its thread");
        rt.Check(!threading.Interp.ThreadHandles.ContainsForCheck(handle), "a freed handle is still in _PyRuntime.threads.handles");
    }

    private static void ShutdownWaitsForNonDaemonOnly(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var exit = new PyEvent(rt, "process_exit");
        var worker = threading.CThreadModule.StartJoinableThread(() => { }, "worker", daemon: false);
        var daemon = threading.CThreadModule.StartJoinableThread(exit.Wait, "daemon", daemon: true);
        rt.Check(!threading.CThreadModule.ShutdownHandles.ContainsForCheck(daemon.Handle), "a daemon thread's handle is in shutdown_handles");

        threading.CThreadModule.Shutdown();
        rt.Check(!threading.HasLinkedThreadState(worker.Handle.OsHandle.Peek()), "_thread._shutdown returned while the non-daemon thread has its thread state");
        rt.Check(threading.CThreadModule.ShutdownHandles.ForCheck.Count == 0, $"_thread._shutdown returned with {threading.CThreadModule.ShutdownHandles}");
        rt.Check(!daemon.IsDone(), "the daemon thread ended before it was released");
        exit.Notify();
    }

    [Fact]
    public void Join_ReturnsAfterTheThreadStateIsDeleted_AndJoinsTheOsThreadOnce_UnderExploration() =>
        Exploring.StaysClean(JoinAfterWork, iterations: 300);

    [Fact]
    public void Join_ReturnsAfterTheThreadStateIsDeleted_AndJoinsTheOsThreadOnce_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(JoinAfterWork, runs: 50);

    [Fact]
    public void Join_IsIdempotent_UnderExploration() => Exploring.StaysClean(SequentialJoins, iterations: 200);

    [Fact]
    public void Join_IsIdempotent_OnRealThreads() => Exploring.RunsCleanOnRealThreads(SequentialJoins, runs: 50);

    [Fact]
    public void TimedJoin_OfABlockedThread_TimesOut_UnderExploration() =>
        Exploring.StaysClean(TimedJoinOfABlockedThread, iterations: 200);

    [Fact]
    public void TimedJoin_OfABlockedThread_TimesOut_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(TimedJoinOfABlockedThread, runs: 20);

    [Fact]
    public void Join_FromTheThreadItself_RaisesCannotJoinCurrentThread_UnderExploration() =>
        Exploring.StaysClean(SelfJoin, iterations: 200);

    [Fact]
    public void Join_FromTheThreadItself_RaisesCannotJoinCurrentThread_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(SelfJoin, runs: 20);

    [Fact]
    public void LastReference_DroppedWhileRunning_DetachesTheThread_UnderExploration() =>
        Exploring.StaysClean(DroppedWhileRunning, iterations: 300);

    [Fact]
    public void LastReference_DroppedWhileRunning_DetachesTheThread_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(DroppedWhileRunning, runs: 50);

    [Fact]
    public void Shutdown_WaitsForNonDaemonThreads_NotForDaemonThreads_UnderExploration() =>
        Exploring.StaysClean(ShutdownWaitsForNonDaemonOnly, iterations: 300);

    [Fact]
    public void Shutdown_WaitsForNonDaemonThreads_NotForDaemonThreads_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(ShutdownWaitsForNonDaemonOnly, runs: 50);

    [Fact]
    public void Join_BeforeStart_RaisesThreadNotStarted()
    {
        var rt = SimRuntime.CreateProduction();
        var hobj = Py.Import(rt).CThreadModule.NewThreadHandle("t");
        var e = Assert.Throws<ThreadError>(() => hobj.Join());
        Assert.Equal("thread not started", e.Message);
    }

    [Fact]
    public void Start_OfAStartedHandle_RaisesThreadAlreadyStarted()
    {
        var rt = SimRuntime.CreateProduction();
        var threading = Py.Import(rt);
        var hobj = threading.CThreadModule.StartJoinableThread(() => { }, "t");
        var e = Assert.Throws<ThreadError>(() => threading.CThreadModule.StartJoinableThread(() => { }, "t", hobj));
        Assert.Equal("thread already started", e.Message);
        hobj.Join();
    }

    [Fact]
    public void MakeThreadHandle_IsRunningWithoutAnOsThread_AndSetDoneMarksItDone()
    {
        var rt = SimRuntime.CreateProduction();
        var threading = Py.Import(rt);
        var hobj = threading.CThreadModule.MakeThreadHandle(rt.CurrentThread.Id, "main");
        Assert.Equal(ThreadHandleState.Running, hobj.Handle.State.Peek());
        Assert.Null(hobj.Handle.OsHandle.Peek());
        Assert.False(hobj.IsDone());
        hobj.SetDone();
        Assert.True(hobj.IsDone());
        Assert.Equal(ThreadHandleState.Done, hobj.Handle.State.Peek());
        Assert.True(hobj.Join());
        Assert.Equal(0, hobj.Handle.OsJoinsForCheck);
    }
}
