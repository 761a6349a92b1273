using Sim.Model.Interpreter;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.ThreadStates;

/// <summary>
/// A thread whose OS thread cannot be started (<c>ThreadHandle_start</c>'s <c>start_failed</c> path and
/// <c>do_start_new_thread</c>, <c>Modules/_threadmodule.c</c>, 3.13), while the main thread is in
/// <c>threading._shutdown()</c>. Worker W1 starts W2; the OS may refuse W2 (a controlled choice: <c>EAGAIN</c>), and then
/// <c>Thread.start()</c> raises <c>RuntimeError</c> ("can't start new thread"), which W1 catches. W2's handle had been
/// linked into <c>shutdown_handles</c> before the attempt. When <c>_shutdown</c> returns, no non-daemon handle may be
/// left linked, W2's handle must be done (nobody waits for a thread that never ran), and W2 must have no thread state.
/// </summary>
/// <remarks>
/// The broken variant <c>failed-start-stays-registered</c> marks the handle done but leaves it in
/// <c>shutdown_handles</c>: <c>_shutdown</c> joins a thread that never ran and finds the handle still linked, so it would
/// pick it again forever.
/// </remarks>
[Scenario("thread-start-failure")]
public sealed class ThreadStartFailure : Scenario<ThreadingDesign>
{
    /// <inheritdoc/>
    public override string Summary => "A thread whose start fails leaves no handle for _shutdown to wait on, no thread state, and a handle that is done.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "Modules/_threadmodule.c (3.13): ThreadHandle_start (start_failed, force_done), do_start_new_thread (remove_from_shutdown_handles on failure), thread_shutdown",
        "PR #115190 (gh-114271): ThreadHandle states NOT_STARTED, STARTING, RUNNING, DONE; the once flag",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<ThreadingDesign>> DefineVariants() =>
    [
        new("force-done-3.13", "CPython 3.13: force_done marks the handle DONE and sets thread_is_exiting; do_start_new_thread unlinks it from shutdown_handles.",
            Expectation.Clean, ThreadingDesign.Cpython313),
        new("failed-start-stays-registered", "Broken: the failed handle stays in shutdown_handles; _shutdown joins a thread that never ran and would pick it forever.",
            Expectation.Bug("still in shutdown_handles"), ThreadingDesign.Cpython313 with { StartFailure = StartFailure.LeaveRegistered }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, ThreadingDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Threading = design });
        var threading = ThreadingModule.Import(interp);
        threading.CThreadModule.OsThreadStartFails = name => name == "W2" && runtime.ChooseBool("PyThread_start_joinable_thread fails for W2 (EAGAIN)");

        ThreadingThread313? w2 = null;
        var failed = false;
        threading.NewThread("W1", () =>
        {
            w2 = (ThreadingThread313)threading.NewThread("W2", () => { });
            try
            {
                w2.Start();
            }
            catch (ThreadError)
            {
                failed = true; // RuntimeError: can't start new thread
            }
        }).Start();

        threading.Shutdown();

        runtime.Check(threading.CThreadModule.ShutdownHandles.ForCheck.Count == 0, $"threading._shutdown returned while handles are still linked: {threading.CThreadModule.ShutdownHandles}");
        if (failed)
        {
            var h = w2!.Handle.Handle;
            runtime.Check(h.State.Peek() == ThreadHandleState.Done && h.ThreadIsExiting.IsSetForCheck, $"W2's start failed but its handle is {ThreadHandleState.Describe(h.State.Peek())}, event {h.ThreadIsExiting}");
            runtime.Check(!interp.ThreadStatesForCheck.Any(t => t.Thread.Name == "W2"), "W2's start failed but its thread state is still linked");
        }
    }
}
