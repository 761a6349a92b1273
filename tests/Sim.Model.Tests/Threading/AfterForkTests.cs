using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Threading;

/// <summary><c>_PyThread_AfterFork</c> in the fork child (exploration only: on real threads a vanished thread keeps running).</summary>
public class AfterForkTests
{
    /// <summary>
    /// T waits forever; J locks T's handle mutex and then waits forever too (a holder that vanishes in the fork). The
    /// main thread forks once J holds the mutex. In the child, every inherited handle but the main thread's must be
    /// marked, and joining T must return at once: without the mutex reset it would wait for a vanished holder.
    /// </summary>
    private static void ForkWithAHeldHandleMutex(SimRuntime rt)
    {
        var threading = Py.Import(rt);
        var never = new PyEvent(rt, "never");
        var t = (ThreadingThread313)threading.NewThread("T", never.Wait, daemon: true);
        t.Start();
        var handle = t.Handle.Handle;
        var j = threading.NewThread("J", () =>
        {
            handle.Mutex.Lock();
            never.Wait();
        }, daemon: true);
        j.Start();
        while (!handle.Mutex.IsLockedForCheck)
        {
            rt.Yield("J to take T's handle mutex");
        }

        threading.ForkAndContinueAsChild();

        var mainHandle = ((ThreadingThread313)threading.MainThread).Handle.Handle;
        rt.Check(mainHandle.State.Peek() == ThreadHandleState.Running && threading.Interp.ThreadHandles.ContainsForCheck(mainHandle),
            $"the forking thread's own handle was marked: {mainHandle}");
        foreach (var h in new[] { handle, ((ThreadingThread313)j).Handle.Handle })
        {
            rt.Check(h.State.Peek() == ThreadHandleState.Done && h.Once.IsInitializedForCheck && h.ThreadIsExiting.IsSetForCheck && !h.Mutex.IsLockedForCheck,
                $"inherited {h} is not marked");
            rt.Check(!threading.Interp.ThreadHandles.ContainsForCheck(h), $"inherited {h} is still in _PyRuntime.threads.handles");
        }

        t.Join();
        rt.Check(!t.IsAlive(), "T is alive in the child");
        rt.Check(handle.OsJoinsForCheck == 0, "the child joined a vanished thread");
    }

    [Fact]
    public void AfterFork_MarksInheritedHandles_AndResetsAMutexHeldByAVanishedThread() =>
        Exploring.StaysClean(ForkWithAHeldHandleMutex, iterations: 300);
}
