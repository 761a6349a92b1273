using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Objects;
using Sim.Model.Qsbr;
using Sim.Model.Tests.Mimalloc;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Testing;

namespace Sim.Model.Tests.Objects;

public class ListTests
{
    [Fact]
    public void AppendExtendAndResize_KeepItemsAndGrowLikeCpython()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var lists = new PyListObject(interp);
        var a = lists.New("a");
        var b = lists.New("b", interp.Objects.New(MemoryKit.Type(), "x"), interp.Objects.New(MemoryKit.Type(), "y"));

        lists.Extend(a, b); // empty: list_preallocate_exact
        lists.Append(a, interp.Objects.New(MemoryKit.Type(), "z")); // full: list_resize(3) allocates (3 + 0 + 6) & ~3 = 8
        Assert.Equal(3, lists.Size(a));
        Assert.Equal(8, a.Block.Word(1).Ptr.Peek()!.Block.Word(0).Int.Peek());
        Assert.Equal(["x", "y", "z"], Enumerable.Range(0, 3).Select(i => Name(interp, lists, a, i)));
        Assert.Null(lists.GetItemRef(a, 3));

        using (CriticalSection.Begin(interp.MainThreadState, a))
        {
            lists.Resize(a, 1); // below half of the capacity: a new array of 4
        }

        Assert.Equal(1, lists.Size(a));
        Assert.Equal(4, a.Block.Word(1).Ptr.Peek()!.Block.Word(0).Int.Peek());
        interp.Refcount.DecRef(a);
        interp.Refcount.DecRef(b);
    }

    [Fact]
    public void Resize_OutsideTheListsCriticalSection_IsReported() =>
        Exploring.FindsBug(rt =>
        {
            var interp = MemoryKit.Interp(rt);
            var lists = new PyListObject(interp);
            lists.Resize(lists.New("a"), 4);
        }, "without the critical section of");

    [Fact]
    public void NonOwnerExtend_UnderOwnersLockFreeRead_StaysClean_UnderExploration() =>
        Exploring.StaysClean(rt => OwnerReadsWhileOtherExtends(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim }, reads: 3), iterations: 500);

    [Fact]
    public void NonOwnerExtend_UnderOwnersLockFreeRead_StaysClean_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => OwnerReadsWhileOtherExtends(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.EagerReclaim }, reads: 50), runs: 20);

    [Fact]
    public void WithoutEnsureSharedOnResize_NonOwnerExtend_FreesTheArrayUnderTheOwner() =>
        Exploring.FindsBug(rt => OwnerReadsWhileOtherExtends(rt, ModelConfig.Cpython313 with { List = ListDesign.Cpython3130 }, reads: 3), "reuse under a reader");

    [Fact]
    public void Reverse_SwapsTheItems_InPlace()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var lists = new PyListObject(interp);
        var l = lists.New("L", [.. "xyz".Select(c => interp.Objects.New(MemoryKit.Type(), c.ToString()))]);
        lists.Reverse(l);
        Assert.Equal(["z", "y", "x"], Enumerable.Range(0, 3).Select(i => Name(interp, lists, l, i)));
        interp.Refcount.DecRef(l);
        interp.CheckNoLeaks();
    }

    [Fact]
    public void ConcurrentReverses_UnderOwnersLockFreeRead_KeepEveryItemOnce_UnderExploration() =>
        Exploring.StaysClean(rt => OwnerReadsWhileTwoReverse(rt, ModelConfig.Cpython313, reads: 2), iterations: 500);

    [Fact]
    public void ConcurrentReverses_UnderOwnersLockFreeRead_KeepEveryItemOnce_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => OwnerReadsWhileTwoReverse(rt, ModelConfig.Cpython313, reads: 50), runs: 20);

    [Fact]
    public void ReverseWithoutTheCriticalSection_PutsOneItemInTwoSlots() =>
        Exploring.FindsBug(
            rt => OwnerReadsWhileTwoReverse(rt, ModelConfig.Cpython313 with { List = ListDesign.Cpython313 with { ReverseInCriticalSection = false } }, reads: 2),
            "twice");

    /// <summary>
    /// The main thread owns L = [a, b] and reads both items lock-free, using each; two other threads reverse L. L must end
    /// holding a and b once each.
    /// </summary>
    private static void OwnerReadsWhileTwoReverse(SimRuntime rt, ModelConfig config, int reads)
    {
        var interp = MemoryKit.Interp(rt, config);
        var lists = new PyListObject(interp);
        var l = lists.New("L", interp.Objects.New(MemoryKit.Type(), "a"), interp.Objects.New(MemoryKit.Type(), "b"));
        var reversers = Enumerable.Range(1, 2)
            .Select(n => PythonThread.Start(rt, interp, $"reverse{n}", t =>
            {
                lists.Reverse(l);
                t.CheckPeriodic();
            }))
            .ToArray();
        for (var k = 0; k < reads; k++)
        {
            for (var i = 0; i < 2; i++)
            {
                var item = lists.GetItemRef(l, i);
                rt.Check(item?.Name is "a" or "b", $"L[{i}] read lock-free as {item?.Name ?? "NULL"}");
                interp.Objects.Header(item!).LoadGcBits();
                interp.Refcount.DecRef(item!);
            }

            interp.MainThreadState.CheckPeriodic();
        }

        PythonThread.JoinAll(interp, reversers);
        var names = Enumerable.Range(0, 2).Select(i => Name(interp, lists, l, i)).Order().ToArray();
        rt.Check(names is ["a", "b"], $"L holds {names[0]} and {names[1]}: an item is there twice");
        interp.Refcount.DecRef(l);
        interp.CheckNoLeaks();
    }

    /// <summary>The main thread owns L and reads L[0] lock-free; another thread extends L (a resize by a non-owner).</summary>
    private static void OwnerReadsWhileOtherExtends(SimRuntime rt, ModelConfig config, int reads)
    {
        var interp = MemoryKit.Interp(rt, config);
        var lists = new PyListObject(interp);
        var l = lists.New("L", interp.Objects.New(MemoryKit.Type(), "item0"));
        var m = lists.New("M", interp.Objects.New(MemoryKit.Type(), "item1"));
        var writer = PythonThread.Start(rt, interp, "writer", t =>
        {
            lists.Extend(l, m);
            t.CheckPeriodic();
        });
        for (var k = 0; k < reads; k++)
        {
            if (lists.GetItemRef(l, 0) is { } item)
            {
                interp.Objects.Header(item).LoadGcBits();
                interp.Refcount.DecRef(item);
            }

            interp.MainThreadState.CheckPeriodic();
        }

        PythonThread.JoinAll(interp, writer);
        rt.Check(lists.Size(l) == 2, $"L has {lists.Size(l)} items after the extend, not 2");
        interp.Refcount.DecRef(l);
        interp.Refcount.DecRef(m);
        interp.CheckNoLeaks();
    }

    private static string Name(PyInterpreterState interp, PyListObject lists, PyObjectPtr list, int i)
    {
        var item = lists.GetItemRef(list, i)!;
        interp.Refcount.DecRef(item);
        return item.Name;
    }
}
