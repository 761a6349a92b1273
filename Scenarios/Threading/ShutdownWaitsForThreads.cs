using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Threading;

/// <summary>
/// gh-114271 (<c>_thread._shutdown</c> and <c>shutdown_handles</c>, 3.13): at interpreter exit the main thread calls
/// <c>threading._shutdown()</c>, which must wait for every non-daemon thread, including one started by another thread
/// while shutdown waits, and must not wait for daemon threads. Worker W1 (non-daemon) starts W3 while the main thread is
/// already in <c>_shutdown</c>; W2 and W3 are daemons or not, as controlled choices. A daemon worker runs until the
/// process ends (it waits on an event set only after <c>_shutdown</c> returns), so waiting for one would deadlock.
/// When <c>_shutdown</c> returns, the thread state of every non-daemon worker must be deleted (the workers may still be
/// in the last steps of <c>thread_run</c>, which run without a thread state) and <c>shutdown_handles</c> must be empty.
/// </summary>
/// <remarks>
/// Two broken variants drop one half of 3.13's design each: <c>shutdown-snapshot-once</c> joins only the handles linked
/// when <c>_shutdown</c> starts (3.12's <c>_shutdown</c> loops because "new threads can be spawned while we were
/// waiting"); <c>register-after-start</c> links a thread's handle into <c>shutdown_handles</c> after starting it, so a
/// thread that runs to its end first leaves its handle linked for good (the hazard named in
/// <c>do_start_new_thread</c>). The model has no process exit: after the checks the main thread releases the daemons so
/// that the run ends.
/// </remarks>
[Scenario("thread-shutdown")]
public sealed class ShutdownWaitsForThreads : Scenario<ThreadingDesign>
{
    /// <inheritdoc/>
    public override string Summary => "threading._shutdown waits for every non-daemon thread, even one started during shutdown, and for no daemon thread.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-114271; PR #114839 (_PyInterpreterState_WaitForThreads: wait for non-daemon threads)",
        "Modules/_threadmodule.c (3.13): thread_shutdown, do_start_new_thread, add_to_shutdown_handles, remove_from_shutdown_handles, thread_run",
        "Lib/threading.py (3.13): _shutdown; (3.12): _shutdown's loop over _shutdown_locks",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadingDesign>> DefineVariants() =>
    [
        new("shutdown-handles-3.13", "CPython 3.13: handles enter shutdown_handles before the thread starts; _thread._shutdown joins the first remaining handle until none is left.",
            Expectation.Clean, ThreadingDesign.Cpython313),
        new("shutdown-snapshot-once", "Broken: _thread._shutdown joins the handles linked when it starts and returns, missing a non-daemon thread started meanwhile.",
            Expectation.Bug("threading._shutdown returned while non-daemon thread"), ThreadingDesign.Cpython313 with { ShutdownWait = ShutdownWait.SnapshotOnce }),
        new("register-after-start", "Broken: do_start_new_thread links the handle after ThreadHandle_start; a thread that finishes first is never unlinked.",
            Expectation.Bug("still in shutdown_handles"), ThreadingDesign.Cpython313 with { ShutdownRegistration = ShutdownRegistration.AfterStart }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadingDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Threading = design });
        var threading = ThreadingModule.Import(interp);
        var processExit = new PyEvent(runtime, "process_exit");
        var w2Daemon = runtime.ChooseBool("W2 is a daemon thread");
        var w3Daemon = runtime.ChooseBool("W3 is a daemon thread");

        Action Body(bool daemon) => () =>
        {
            if (daemon)
            {
                // A daemon thread that runs until the process exits.
                processExit.Wait();
            }
        };

        ThreadingThread? w3 = null;
        var w1 = threading.NewThread("W1", () =>
        {
            w3 = threading.NewThread("W3", Body(w3Daemon), w3Daemon);
            w3.Start();
        });
        var w2 = threading.NewThread("W2", Body(w2Daemon), w2Daemon);
        w1.Start();
        w2.Start();

        threading.Shutdown();

        // "Wait until the Python thread state of all non-daemon threads get deleted": a thread leaves shutdown_handles
        // after its state is deleted, and may still be finishing thread_run (its event not yet set) when _shutdown returns.
        var live = interp.ThreadStatesForCheck;
        foreach (var t in new[] { w1, w2, w3! }.Where(t => !t.Daemon))
        {
            var os = ((ThreadingThread313)t).Handle.Handle.OsHandle.Peek();
            runtime.Check(!live.Any(ts => ReferenceEquals(ts.Thread, os)),
                $"threading._shutdown returned while non-daemon thread {t.Name} still has its thread state (it may still run Python code)");
        }

        runtime.Check(threading.CThreadModule.ShutdownHandles.ForCheck.Count == 0, $"threading._shutdown returned while non-daemon threads are still linked: {threading.CThreadModule.ShutdownHandles}");

        // The process exits: daemon threads stop.
        processExit.Notify();
    }
}
