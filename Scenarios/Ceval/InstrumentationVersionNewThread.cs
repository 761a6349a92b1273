using Sim.Model.Ceval;
using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Threading;
using Sim.Runtime;
using Sim.Scenarios.Catalog;

namespace Sim.Scenarios.Ceval;

/// <summary>
/// The instrumentation version colocated with the eval breaker (the seed: "The source of truth for the global
/// instrumentation version is stored in the instrumentation_version field in PyInterpreterState. Threads usually read the
/// version from their local eval_breaker"). One thread turns monitoring on (<c>set_global_version</c>: the interpreter's
/// version, then every linked thread's, under <c>HEAD_LOCK</c>) while another thread is being created
/// (<c>init_threadstate</c> copies the interpreter's version). Once the change is done, every thread's breaker must carry the
/// new version, or the thread's <c>RESUME_CHECK</c> keeps running code instrumented for the old one.
/// </summary>
[Scenario("instrumentation-version")]
public sealed class InstrumentationVersionNewThread : Scenario<CevalDesign>
{
    private const long Version = 1 << EvalBreakerBits.EventsBits;

    /// <inheritdoc/>
    public override string Summary => "A version change racing a thread's creation reaches every thread's eval breaker, the new one included.";

    /// <inheritdoc/>
    public override IReadOnlyList<string> References =>
    [
        "gh-112175 (PR #115194): instrumentation_version in PyInterpreterState, colocated in each eval_breaker",
        "Python/instrumentation.c: set_global_version, set_version_raw (3.13)",
        "Python/pystate.c: new_threadstate, init_threadstate, add_threadstate (3.13)",
    ];

    /// <inheritdoc/>
    protected override IEnumerable<Variant<CevalDesign>> DefineVariants() =>
    [
        new("cpython-3.13", "init_threadstate copies the version under HEAD_LOCK, where set_global_version walks the threads.", Expectation.Clean, CevalDesign.Cpython313),
        new("version-copied-before-head-lock", "Broken: the new state copies the version before HEAD_LOCK; a change between the copy and the link misses it.",
            Expectation.Bug("missed the version change"), CevalDesign.Cpython313 with { NewThreadVersion = NewThreadVersionCopy.BeforeHeadLock }),
    ];

    /// <inheritdoc/>
    protected override void Run(SimRuntime runtime, CevalDesign design)
    {
        var interp = new PyInterpreterState(runtime, ModelConfig.Cpython313 with { Ceval = design });
        var changed = new PyEvent(runtime, "version changed");
        var monitor = PythonThread.Start(runtime, interp, "monitor", t =>
        {
            t.CheckPeriodic();
            interp.Ceval.SetGlobalVersion(Version); // sys.monitoring.set_events(...)
            changed.Notify();
        });
        var created = PythonThread.Start(runtime, interp, "created", t =>
        {
            changed.Wait();
            var mine = t.EvalBreaker.Load() & ~EvalBreakerBits.EventsMask;
            runtime.Check(mine == Version, $"{t.Thread} missed the version change: its eval breaker carries version {mine}, the interpreter's is {Version}");
        });
        PythonThread.JoinAll(interp, monitor, created);
    }
}
