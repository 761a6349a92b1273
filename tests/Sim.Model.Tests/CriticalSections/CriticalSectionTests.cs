using Sim.Model.CriticalSections;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.CriticalSections;

public class CriticalSectionTests
{
    [Fact]
    public void NestedSections_HoldBothLocks_UntilTheThreadDetaches_ThenAttachResumesOnlyTheTop_AndEndResumesTheOuter()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt).MainThreadState;
        var a = new PyMutex(rt, "a");
        var b = new PyMutex(rt, "b");

        var outer = CriticalSection.BeginMutex(main, a);
        var inner = CriticalSection.BeginMutex(main, b);
        Assert.True(a.IsLockedForCheck && b.IsLockedForCheck);
        Assert.True(main.CriticalSection.IsActive);

        main.Detach(); // _PyCriticalSection_SuspendAll
        Assert.False(a.IsLockedForCheck || b.IsLockedForCheck);
        Assert.False(main.CriticalSection.IsActive);
        Assert.False(main.CriticalSection.Section!.Prev.IsActive);

        main.Attach(); // _PyCriticalSection_Resume: the top only
        Assert.True(b.IsLockedForCheck);
        Assert.False(a.IsLockedForCheck);
        Assert.True(main.CriticalSection.IsActive);

        inner.Dispose(); // the pop finds the outer section inactive and resumes it
        Assert.False(b.IsLockedForCheck);
        Assert.True(a.IsLockedForCheck);
        Assert.True(main.CriticalSection.IsActive);

        outer.Dispose();
        Assert.False(a.IsLockedForCheck);
        Assert.True(main.CriticalSection.IsNull);
    }

    [Fact]
    public void ABeginThatBlocks_WasPushedFirst_SoTheOuterSectionStaysSuspendedOnceItHasItsMutex()
    {
        // _PyCriticalSection_BeginSlow pushes the new section before PyMutex_Lock: if the lock blocks, the detach suspends
        // the new (empty) section and the outer one, and the attach resumes only the new one. So after a nested begin
        // either both mutexes are held (it did not block) or only the inner one (it blocked); never the outer alone.
        var seen = Outcomes.Observed<string>((rt, observe) =>
        {
            var interp = MemoryKit.Interp(rt);
            var a = new PyMutex(rt, "a");
            var b = new PyMutex(rt, "b");
            b.Lock();
            var t = MemoryKit.Start(rt, interp, "nested", ts =>
            {
                using (CriticalSection.BeginMutex(ts, a))
                {
                    using (CriticalSection.BeginMutex(ts, b))
                    {
                        observe((a.IsLockedForCheck, b.IsLockedForCheck) switch
                        {
                            (true, true) => "outer and inner held",
                            (false, true) => "inner held, outer suspended",
                            _ => "inner not held",
                        });
                    }
                }
            });
            for (var i = 0; i < 60; i++)
            {
                rt.Yield("the main thread works while holding b");
            }

            b.Unlock();
            MemoryKit.Join(interp, t);
        }, iterations: 300, Exploring.Options with { Strategy = Sim.Runtime.Exploration.Strategy.Random });

        Assert.Equal(["inner held, outer suspended", "outer and inner held"], seen.Order());
    }

    [Fact]
    public void TwoMutexSection_OfTheSameMutex_IsAOneMutexSection()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt).MainThreadState;
        var a = new PyMutex(rt, "a");

        using (CriticalSection.Begin2Mutex(main, a, a))
        {
            Assert.True(a.IsLockedForCheck);
            Assert.False(main.CriticalSection.HasTwoMutexes);
        }

        Assert.False(a.IsLockedForCheck);
        Assert.True(main.CriticalSection.IsNull);
    }

    [Fact]
    public void TwoMutexSection_IsTaggedTwoMutexes_AndReleasesBoth()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt).MainThreadState;
        var a = new PyMutex(rt, "a");
        var b = new PyMutex(rt, "b");

        using (CriticalSection.Begin2Mutex(main, b, a))
        {
            Assert.True(main.CriticalSection.HasTwoMutexes);
            Assert.True(a.IsLockedForCheck && b.IsLockedForCheck);
            CriticalSection.AssertHeld(main, a, "test");
            CriticalSection.AssertHeld(main, b, "test");
        }

        Assert.False(a.IsLockedForCheck || b.IsLockedForCheck);
    }

    [Fact]
    public void XBegin_OfNull_LocksNothing()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt).MainThreadState;

        using (CriticalSection.XBegin(main, null))
        {
            Assert.True(main.CriticalSection.IsNull);
        }

        Assert.True(main.CriticalSection.IsNull);
    }

    [Fact]
    public void ObjectSection_LocksTheObjectsObMutex()
    {
        var rt = SimRuntime.CreateProduction();
        var interp = MemoryKit.Interp(rt);
        var o = interp.Objects.New(MemoryKit.Type(), "o");

        using (CriticalSection.Begin(interp.MainThreadState, o))
        {
            Assert.True(o.Block.ObMutex.IsLockedForCheck);
        }

        Assert.False(o.Block.ObMutex.IsLockedForCheck);
    }

    [Fact]
    public void DefaultBuild_SectionsLockNothing()
    {
        var rt = SimRuntime.CreateProduction();
        var main = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { CriticalSections = CriticalSectionDesign.DefaultBuild }).MainThreadState;
        var a = new PyMutex(rt, "a");

        using (CriticalSection.BeginMutex(main, a))
        {
            Assert.False(a.IsLockedForCheck);
            CriticalSection.AssertHeld(main, a, "test");
        }
    }

    [Fact]
    public void AssertHeld_OutsideTheSection_IsReported() =>
        Exploring.FindsBug(rt =>
        {
            var main = MemoryKit.Interp(rt).MainThreadState;
            CriticalSection.AssertHeld(main, new PyMutex(rt, "a"), "deque_append_lock_held");
        }, "deque_append_lock_held called by T1(main) without the critical section of a");

    [Fact]
    public void Sections_KeepTheirBodiesAtomic_AndNeverDeadlock_UnderExploration() =>
        Exploring.StaysClean(rt => CrossedSections(rt, rounds: 1));

    [Fact]
    public void Sections_KeepTheirBodiesAtomic_AndNeverDeadlock_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => CrossedSections(rt, rounds: 300), runs: 10);

    [Fact]
    public void PlainNestedLocks_ThatAreHeldWhileBlocked_Deadlock() =>
        Exploring.FindsBug(rt => CrossedSections(rt, rounds: 1, CriticalSectionDesign.Cpython313 with { Suspension = SectionSuspension.HeldWhileBlocked }), "Deadlock");

    /// <summary>
    /// Two threads nest sections on a and b in opposite orders, and in between take a two-mutex section on both; each body
    /// increments a counter with a plain read and write, and blocks once (detaching) while a section is open.
    /// </summary>
    private static void CrossedSections(SimRuntime rt, int rounds, CriticalSectionDesign? design = null)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { CriticalSections = design ?? CriticalSectionDesign.Cpython313 });
        var a = new PyMutex(rt, "a");
        var b = new PyMutex(rt, "b");
        var pause = new PyMutex(rt, "pause");
        var inA = new PlainCell<int>(rt, "a.count");
        var inB = new PlainCell<int>(rt, "b.count");

        // After a call that may block, only the top-most section is held again (_PyCriticalSection_Resume re-locks the
        // top section; the outer one is re-locked when the inner one ends), so the inner body touches only the inner
        // object's data, and the outer object's data waits for the inner section's end. (An earlier version of this test
        // touched both inside the inner section; the race detector reported it, rightly.)
        void Work(PyThreadState t, PyMutex first, PlainCell<int> firstCount, PyMutex second, PlainCell<int> secondCount)
        {
            for (var r = 0; r < rounds; r++)
            {
                using (CriticalSection.BeginMutex(t, first))
                {
                    using (CriticalSection.BeginMutex(t, second))
                    {
                        pause.Lock(); // may block: suspends both sections
                        pause.Unlock();
                        secondCount.Write(secondCount.Read() + 1);
                    }

                    firstCount.Write(firstCount.Read() + 1);
                }

                using (CriticalSection.Begin2Mutex(t, second, first))
                {
                    inA.Write(inA.Read() + 1);
                    inB.Write(inB.Read() + 1);
                }
            }
        }

        var ab = MemoryKit.Start(rt, interp, "ab", t => Work(t, a, inA, b, inB));
        var ba = MemoryKit.Start(rt, interp, "ba", t => Work(t, b, inB, a, inA));
        MemoryKit.Join(interp, ab, ba);
        rt.Check(inA.Peek() == 4 * rounds && inB.Peek() == 4 * rounds, $"lost updates under critical sections: a={inA.Peek()}, b={inB.Peek()}, expected {4 * rounds}");
    }
}
