using Sim.Model.Interpreter;
using Sim.Model.Mimalloc;
using Sim.Model.Objects;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Mimalloc;

/// <summary>
/// The two abandoned-segment paths of 3.13 (<c>mi_segment_check_free</c>, <c>mi_segment_reclaim</c>) and
/// <c>_mi_abandoned_collect</c> at thread exit, on a page that another thread emptied while it was abandoned (the
/// project's finding, docs/qsbr-mimalloc.md). Each program is deterministic: the bug, where there is one, is in every
/// schedule.
/// </summary>
public class AbandonedPageTests
{
    [Fact]
    public void EmptiedAbandonedPage_IsFreedWithoutAQsbrWait_ByAnotherThreadsExit() =>
        Exploring.FindsBug(rt => EmptiedThenAnotherThreadExits(rt, ModelConfig.Cpython313), "in mi_segment_check_free from _mi_abandoned_collect at");

    [Fact]
    public void EmptiedAbandonedPage_IsFreedWithoutAQsbrWait_ByAReclaim() =>
        Exploring.FindsBug(rt => EmptiedThenReclaimed(rt, ModelConfig.Cpython313), "in mi_segment_check_free from mi_segment_try_reclaim");

    [Fact]
    public void TheCandidateFix_KeepsTheEmptiedPage_AtAnotherThreadsExit() =>
        Exploring.StaysClean(rt => EmptiedThenAnotherThreadExits(rt, Fixed(EmptiedAbandonedPage.GiveNewGoal)), iterations: 100);

    [Fact]
    public void TheCandidateFix_KeepsTheEmptiedPage_AtAReclaim() =>
        Exploring.StaysClean(rt => EmptiedThenReclaimed(rt, Fixed(EmptiedAbandonedPage.GiveNewGoal)), iterations: 100);

    [Fact]
    public void TheFixInReclaimAlone_LeavesTheExitPathOpen() =>
        Exploring.FindsBug(rt => EmptiedThenAnotherThreadExits(rt, Fixed(EmptiedAbandonedPage.GoalInReclaim)), "_mi_abandoned_collect");

    [Fact]
    public void TheFixInCheckFreeAlone_LeavesTheReclaimPathOpen() =>
        Exploring.FindsBug(rt => LastReferenceDroppedDuringAReclaim(rt, Fixed(EmptiedAbandonedPage.GoalInCheckFree)), "in mi_segment_reclaim,");

    [Fact]
    public void TheCandidateFix_KeepsAPageEmptiedDuringAReclaim() =>
        Exploring.StaysClean(rt => LastReferenceDroppedDuringAReclaim(rt, Fixed(EmptiedAbandonedPage.GiveNewGoal)));

    [Fact]
    public void CollectingCrossThreadFrees_ClearsTheGoal_OfAnEmptyPage()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var objects = Enumerable.Range(0, MimallocDesign.Cpython313.PageCapacity).Select(i => interp.Objects.New(MemoryKit.Type(), $"o{i}")).ToList();
        var page = objects[0].Block.Page;
        page.QsbrGoal = 41; // as if it had waited once
        MemoryKit.Start(rt, interp, "freer", _ => interp.Mimalloc.Free(objects[0].Allocation)).Join(); // mi_free by another thread: xthread_free

        var again = interp.Objects.New(MemoryKit.Type(), "again"); // the page is full: the generic path collects the free
        Assert.Same(page, again.Block.Page);
        Assert.Equal(0, page.QsbrGoal);
    }

    private static ModelConfig Fixed(EmptiedAbandonedPage fix) =>
        ModelConfig.Cpython313 with { Mimalloc = MimallocDesign.Cpython313 with { EmptiedAbandonedPage = fix } };

    /// <summary>
    /// A thread leaves a live object in a shared cell and exits (its page is abandoned, no goal); the main thread, which
    /// holds a pointer to it as a lock-free reader would, drops it (a cross-thread free into the abandoned page).
    /// </summary>
    private static (PyInterpreterState Interp, PyObjectPtr Object, PointerHold Hold) Emptied(SimRuntime rt, ModelConfig config)
    {
        var interp = MemoryKit.Interp(rt, config);
        var cell = new AtomicRef<PyObjectPtr>(rt, "cell");
        var writer = MemoryKit.Start(rt, interp, "writer", _ => cell.Store(interp.Objects.New(MemoryKit.Type(), "o")));
        MemoryKit.Join(interp, writer);
        var o = cell.Load()!;
        var hold = interp.Mimalloc.Checker.Hold(o, "a lock-free read of cell");
        interp.Refcount.DecRef(o); // the owner has exited: merged and deallocated here, into xthread_free
        return (interp, o, hold);
    }

    private static void EmptiedThenAnotherThreadExits(SimRuntime rt, ModelConfig config)
    {
        var (interp, _, hold) = Emptied(rt, config);
        MemoryKit.Join(interp, MemoryKit.Start(rt, interp, "bystander", _ => { }));
        hold.Dispose();
        interp.CheckNoLeaks();
    }

    /// <summary>
    /// A thread leaves a live object and exits; a dropper thread drops the last reference while the main thread, holding a
    /// pointer to the object as a lock-free reader, allocates a new size class and so reclaims the abandoned page: the
    /// free may land after <c>mi_segment_check_free</c> looked and before <c>mi_segment_reclaim</c> collects.
    /// </summary>
    private static void LastReferenceDroppedDuringAReclaim(SimRuntime rt, ModelConfig config)
    {
        var interp = MemoryKit.Interp(rt, config);
        var cell = new AtomicRef<PyObjectPtr>(rt, "cell");
        var writer = MemoryKit.Start(rt, interp, "writer", _ => cell.Store(interp.Objects.New(MemoryKit.Type(), "o")));
        MemoryKit.Join(interp, writer);
        var o = cell.Load()!;
        var dropper = MemoryKit.Start(rt, interp, "dropper", _ => interp.Refcount.DecRef(o));
        PyObjectPtr b;
        using (interp.Mimalloc.Checker.Hold(o, "a lock-free read of cell"))
        {
            b = interp.Objects.New(MemoryKit.Type(64, "bytes"), "b");
        }

        MemoryKit.Join(interp, dropper);
        interp.Refcount.DecRef(b);
        interp.CheckNoLeaks();
    }

    private static void EmptiedThenReclaimed(SimRuntime rt, ModelConfig config)
    {
        var (interp, _, hold) = Emptied(rt, config);
        var b = interp.Objects.New(MemoryKit.Type(64, "bytes"), "b"); // needs a fresh OBJECT page: tries to reclaim
        hold.Dispose();
        interp.Refcount.DecRef(b);
        interp.CheckNoLeaks();
    }
}
