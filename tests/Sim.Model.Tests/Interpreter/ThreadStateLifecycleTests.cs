using Sim.Model.Ceval;
using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Qsbr;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Interpreter;

/// <summary>
/// The thread-state lifecycle runs its mechanisms' steps in the order CPython 3.13 does. Each test lists the steps of one
/// lifecycle function as <c>Python/pystate.c</c> (or <c>Python/ceval_gil.c</c>) calls them, each with what an onlooker
/// can see once the step has happened. The main thread runs the function while an onlooker thread records which steps
/// it sees done; over every explored schedule the onlooker must see exactly the prefixes of the list: every step on its
/// own (each is separated from the next by a scheduling point), and never a later step before an earlier one.
/// </summary>
public class ThreadStateLifecycleTests
{
    /// <summary><c>_PyThreadState_Attach</c>.</summary>
    [Fact]
    public void Attach_MarksTheStateAttached_ThenPutsQsbrOnline() =>
        AssertStepsInPystateOrder(rt =>
        {
            var main = MemoryKit.Interp(rt).MainThreadState;
            main.Detach();
            return (main.Attach,
            [
                new("tstate_try_attach", () => main.State.Peek() == ThreadStateStatus.Attached),
                new("_Py_qsbr_attach", () => main.Qsbr!.Seq.Peek() != QsbrSeq.Offline),
            ]);
        });

    /// <summary><c>_PyThreadState_Detach</c> (<c>detach_thread</c>).</summary>
    [Fact]
    public void Detach_TakesQsbrOffline_ThenMarksTheStateDetached() =>
        AssertStepsInPystateOrder(rt =>
        {
            var main = MemoryKit.Interp(rt).MainThreadState;
            return (main.Detach,
            [
                new("_Py_qsbr_detach", () => main.Qsbr!.Seq.Peek() == QsbrSeq.Offline),
                new("tstate_set_detached", () => main.State.Peek() == ThreadStateStatus.Detached),
            ]);
        });

    /// <summary>
    /// <c>_PyThreadState_Attach</c> with <c>PYTHON_GIL=1</c> and a critical section that the detach suspended: the GIL
    /// first, the critical section last.
    /// </summary>
    [Fact]
    public void Attach_TakesTheGil_ThenAttaches_ThenPutsQsbrOnline_ThenResumesTheTopCriticalSection() =>
        AssertStepsInPystateOrder(rt =>
        {
            var main = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gil = GilDesign.Enabled }).MainThreadState;
            var m = new PyMutex(rt, "m");
            _ = CriticalSection.BeginMutex(main, m);
            main.Detach();
            return (main.Attach,
            [
                new("take_gil", () => main.HoldsGil),
                new("tstate_try_attach", () => main.State.Peek() == ThreadStateStatus.Attached),
                new("_Py_qsbr_attach", () => main.Qsbr!.Seq.Peek() != QsbrSeq.Offline),
                new("_PyCriticalSection_Resume", () => m.IsLockedForCheck),
            ]);
        });

    /// <summary><c>_PyThreadState_Detach</c> with <c>PYTHON_GIL=1</c> inside a critical section: the section first, the GIL last.</summary>
    [Fact]
    public void Detach_SuspendsTheCriticalSections_ThenTakesQsbrOffline_ThenDetaches_ThenDropsTheGil() =>
        AssertStepsInPystateOrder(rt =>
        {
            var main = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Gil = GilDesign.Enabled }).MainThreadState;
            var m = new PyMutex(rt, "m");
            _ = CriticalSection.BeginMutex(main, m);
            return (main.Detach,
            [
                new("_PyCriticalSection_SuspendAll", () => !m.IsLockedForCheck),
                new("_Py_qsbr_detach", () => main.Qsbr!.Seq.Peek() == QsbrSeq.Offline),
                new("tstate_set_detached", () => main.State.Peek() == ThreadStateStatus.Detached),
                new("drop_gil", () => !main.HoldsGil),
            ]);
        });

    /// <summary>
    /// The periodic check: <c>QSBR_QUIESCENT_STATE</c> in <c>CHECK_EVAL_BREAKER</c>, then <c>_Py_HandlePending</c>'s
    /// explicit merge. Another thread has queued an object to the main thread, and the write sequence has advanced.
    /// </summary>
    [Fact]
    public void PeriodicCheck_ReportsAQuiescentState_ThenClearsTheMergeBit_ThenMerges() =>
        AssertStepsInPystateOrder(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var main = interp.MainThreadState;
            var o = interp.Objects.New(MemoryKit.Type(), "o");
            MemoryKit.Start(rt, interp, "t", _ => interp.Refcount.DecRef(o)).Join();
            var goal = interp.Qsbr.Advance();
            return (main.CheckPeriodic,
            [
                new("QSBR_QUIESCENT_STATE", () => main.Qsbr!.Seq.Peek() == goal),
                new("_Py_unset_eval_breaker_bit(_PY_EVAL_EXPLICIT_MERGE_BIT)", () => (main.EvalBreaker.Peek() & EvalBreakerBits.ExplicitMerge) == 0),
                new("_Py_brc_merge_refcounts", () => main.Brc.QueuedForCheck.Count == 0),
            ]);
        });

    /// <summary>
    /// <c>PyThreadState_Clear</c>, with a pending delayed free, heaps in use, and (3.12's <c>_thread._set_sentinel</c>) an
    /// <c>on_delete</c> callback that releases a held lock.
    /// </summary>
    [Fact]
    public void Clear_LeavesBrc_ThenAbandonsTheDelayedFrees_ThenTheHeaps_ThenCallsOnDelete() =>
        AssertStepsInPystateOrder(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var main = interp.MainThreadState;
            interp.DelayedFree.FreeDelayed(interp.Mem.Malloc(24, "b"));
            var sentinel = new ThreadLock(rt, "sentinel");
            sentinel.Acquire();
            main.SetOnDeleteSentinel(sentinel);
            return (main.Clear,
            [
                new("_Py_brc_remove_thread", () => !main.Brc.IsInTable),
                new("_PyMem_AbandonDelayed", () => main.MemFreeQueue.Count == 0),
                new("_PyThreadState_ClearMimallocHeaps", () => main.Mimalloc.IsAbandoned),
                new("tstate->on_delete (3.12)", () => !sentinel.Mutex.IsLockedForCheck),
            ]);
        });

    /// <summary><c>tstate_delete_common</c>, on a detached state.</summary>
    [Fact]
    public void Delete_UnlinksUnderHeadLock_ThenUnlocks_ThenUnregistersFromQsbr() =>
        AssertStepsInPystateOrder(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var main = interp.MainThreadState;
            main.Detach();
            return (main.Delete,
            [
                new("HEAD_LOCK; unlink", () => !interp.ThreadStatesForCheck.Contains(main)),
                new("HEAD_UNLOCK", () => !interp.ThreadStatesForCheck.Contains(main) && !interp.HeadLock.IsLockedForCheck),
                new("_Py_qsbr_unregister", () => main.Qsbr is null),
            ]);
        });

    /// <summary>
    /// Sets up an interpreter, then runs the lifecycle function on the main thread while an onlooker records which steps
    /// it sees done, and asserts that the onlooker saw exactly every prefix of the steps.
    /// </summary>
    private static void AssertStepsInPystateOrder(Func<SimRuntime, (Action Run, Step[] Steps)> setup)
    {
        string[] calls = [];
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var (run, steps) = setup(rt);
            calls = [.. steps.Select(s => s.Call)];
            var finished = new AtomicInt(rt, "finished");
            rt.StartThread("onlooker", () =>
            {
                for (;;)
                {
                    var last = finished.Load() == 1;
                    observe(Describe(steps.Where(s => s.Done()).Select(s => s.Call)));
                    if (last)
                    {
                        return;
                    }

                    rt.Yield("the onlooker watches");
                }
            });
            run();
            finished.Store(1);

            // Not joined: a join would detach the main thread's state while the onlooker takes its last look.
        }, iterations: 200);

        var prefixes = Enumerable.Range(0, calls.Length + 1).Select(n => Describe(calls.Take(n)));
        Assert.Equal(string.Join('\n', prefixes.Order()), string.Join('\n', seen.Order()));
    }

    private static string Describe(IEnumerable<string> calls) => $"[{string.Join(", ", calls)}]";

    /// <summary>One step: the CPython call it models, and whether an onlooker can see that it has happened.</summary>
    private sealed record Step(string Call, Func<bool> Done);
}
