using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Threading;

/// <summary>
/// gh-114271 (PR #114839, the seed's "There is a race between when <c>Thread._tstate_lock</c> is released..."): thread A
/// runs and finishes while threads B and C both call <c>A.join()</c>. In 3.12, <c>join</c> acquires A's
/// <c>_tstate_lock</c>, releases it and calls <c>_stop()</c>, which asserts that the lock is not held; nothing orders the
/// two joiners, so B's <c>_stop</c> can run while C holds the lock between its acquire and release, and the assertion
/// fails. In 3.13, <c>join</c> waits on the handle's <c>thread_is_exiting</c> event and joins the OS thread through the
/// handle's once flag: any number of joiners may wait, nothing asserts on a lock. Both joiners must return with A not
/// alive and A's work visible; in 3.13, A's OS thread must be joined exactly once.
/// </summary>
/// <remarks>
/// The race needs no sleeps or forced order: exploration finds the schedule in which B is preempted between its release
/// and <c>_stop</c>, and C between its acquire and release. Deviations are those of the model: 3.12's lock is modelled
/// on <c>PyMutex</c>; 3.12's <c>_shutdown_locks</c> bookkeeping is left out.
/// </remarks>
[Scenario("thread-join-race")]
public sealed class ThreadJoinRace : Scenario<ThreadingDesign>
{
    private const int Work = 42;

    /// <inheritdoc/>
    public override string Summary => "Two threads join a thread that finishes: both return with it stopped, with no assertion on a lock the other joiner holds.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-114271; PR #114839 (replace _tstate_lock by an event; _PyInterpreterState_WaitForThreads)",
        "Lib/threading.py (3.12): Thread.join, _wait_for_tstate_lock, _stop, is_alive, _set_tstate_lock",
        "Python/pystate.c (3.12): PyThreadState_Clear calls tstate->on_delete (release_sentinel)",
        "Modules/_threadmodule.c (3.13): ThreadHandle_join, join_thread, thread_run",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadingDesign>> DefineVariants() =>
    [
        new("thread-handle-3.13", "CPython 3.13: join waits on ThreadHandle.thread_is_exiting and joins the OS thread once, through the handle's _PyOnceFlag.",
            Expectation.Clean, ThreadingDesign.Cpython313),
        new("tstate-lock-3.12", "CPython 3.12: join acquires and releases _tstate_lock, then _stop asserts the lock is free, which another joiner may hold (gh-114271).",
            Expectation.Bug("_stop: A._tstate_lock is held"), ThreadingDesign.Cpython312),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadingDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Threading = design });
        var threading = ThreadingModule.Import(interp);
        var result = new PlainCell<int>(runtime, "A.result");

        var a = threading.NewThread("A", () => result.Write(Work));
        void Joiner()
        {
            a.Join();
            runtime.Check(!a.IsAlive(), $"{runtime.CurrentThread}: A.join() returned but A.is_alive() is True");
            runtime.Check(result.Read() == Work, $"{runtime.CurrentThread}: A.join() returned before A's work was done");
        }

        var b = threading.NewThread("B", Joiner);
        var c = threading.NewThread("C", Joiner);
        a.Start();
        b.Start();
        c.Start();
        b.Join();
        c.Join();

        if (a is ThreadingThread313 h)
        {
            runtime.Check(h.Handle.Handle.OsJoinsForCheck == 1, $"A's OS thread was joined {h.Handle.Handle.OsJoinsForCheck} times, not once");
            runtime.Check(h.Handle.Handle.State.Peek() == ThreadHandleState.Done, $"A's handle is {h.Handle.Handle} after both joins");
        }
    }
}
