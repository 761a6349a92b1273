using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Threading;

/// <summary>
/// gh-114271, PR #115190 (the seed's "Make <c>_thread.ThreadHandle</c> thread-safe in free-threaded builds"): several
/// threads join one <c>_thread._ThreadHandle</c> at once, one of them with a timeout, and each joins it twice. With the
/// handle's <c>_PyOnceFlag</c>, joins serialise, <c>join</c> is idempotent and the OS thread is joined exactly once.
/// Without it, as before PR #115190, a plain <c>joinable</c> flag is tested and then cleared: only the GIL made that
/// atomic, so two joiners can both see it set and both call <c>PyThread_join_thread</c>: a double <c>pthread_join</c>,
/// undefined behaviour that the Runtime reports. (Sequential joins stay idempotent in both designs: the double join
/// needs the race.)
/// </summary>
/// <remarks>
/// <see cref="RunWith"/> builds the same program for any number of joiners and joins, and a daemon or non-daemon target,
/// for property tests.
/// </remarks>
[Scenario("thread-handle-concurrent-join")]
public sealed class ConcurrentHandleJoin : Scenario<ThreadingDesign>
{
    /// <inheritdoc/>
    public override string Summary => "Concurrent joins of one _ThreadHandle serialise: join is idempotent and the OS thread is joined exactly once.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-114271; PR #115190 (ThreadHandle thread-safe: _PyOnceFlag, idempotent join)",
        "Modules/_threadmodule.c (3.13): ThreadHandle_join, join_thread, thread_run, ThreadHandle_decref",
        "Python/lock.c (3.13): _PyOnceFlag_CallOnce",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadingDesign>> DefineVariants() =>
    [
        new("once-flag-3.13", "CPython 3.13: ThreadHandle_join calls join_thread through _PyOnceFlag_CallOnce.",
            Expectation.Clean, ThreadingDesign.Cpython313),
        new("join-without-once", "Broken (before PR #115190): join_thread is guarded by a plain joinable flag instead of the once flag; two joiners both pass the test and both join the OS thread (double pthread_join). The unsynchronised flag is itself a data race, which the race detector (like ThreadSanitizer) may report first.",
            Expectation.BugAnyOf("is joined twice", "data race on target.joinable"), ThreadingDesign.Cpython313 with { HandleJoin = HandleJoinSerialization.PlainJoinableFlag }),
    ];

    /// <summary>
    /// The program: a target thread started through <c>_thread.start_joinable_thread</c>, <paramref name="joiners"/>
    /// threads that each join its handle <paramref name="joinsEach"/> times (the first joiner with a 1 ms timeout on its
    /// first join), then the main thread joins the handle too. Checks that an untimed join returns only after the
    /// target's work, that the handle ends DONE with its event set, and that the OS thread was joined exactly once.
    /// </summary>
    public static void RunWith(SimRuntime runtime, ThreadingDesign design, int joiners, int joinsEach, bool daemon)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Threading = design });
        var threading = ThreadingModule.Import(interp);
        var work = new PlainCell<int>(runtime, "target.work");
        var hobj = threading.CThreadModule.StartJoinableThread(() => work.Write(1), "target", daemon: daemon);

        var joinerThreads = Enumerable.Range(0, joiners).Select(i => threading.NewThread($"joiner{i}", () =>
        {
            for (var k = 0; k < joinsEach; k++)
            {
                var timed = i == 0 && k == 0;
                if (hobj.Join(timed ? 1_000_000 : -1))
                {
                    runtime.Check(work.Read() == 1, $"{runtime.CurrentThread}: join returned before the target's work was done");
                    runtime.Check(hobj.IsDone(), $"{runtime.CurrentThread}: join returned but is_done() is False");
                }
                else
                {
                    runtime.Check(timed, $"{runtime.CurrentThread}: an untimed join returned without joining");
                }
            }
        })).ToList();

        joinerThreads.ForEach(t => t.Start());
        hobj.Join();
        joinerThreads.ForEach(t => t.Join());

        var handle = hobj.Handle;
        runtime.Check(handle.OsJoinsForCheck == 1, $"the target's OS thread was joined {handle.OsJoinsForCheck} times, not once");
        runtime.Check(handle.State.Peek() == ThreadHandleState.Done && handle.ThreadIsExiting.IsSetForCheck, $"after every join the handle is {handle}");
        runtime.Check(!threading.CThreadModule.ShutdownHandles.ContainsForCheck(handle), "the target's handle is still in shutdown_handles after it exited");
    }

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadingDesign design) =>
        RunWith(runtime, design, joiners: 2, joinsEach: 2, daemon: false);
}
