using Microsoft.Coyote.SystematicTesting;
using Sim.Runtime;
using Sim.Runtime.Exploration;

namespace Sim.Bench.Exploration;

/// <summary>
/// Counts Coyote's scheduling steps for a program on our Runtime. <see cref="Explorer.Explore"/> reports the Runtime's
/// own scheduling points but not Coyote's <see cref="TestReport"/>, whose step statistics are the measure the baseline
/// is counted in. The census runs the same program under the same configuration and seed in a bench-local engine that
/// does what <c>Explorer</c>'s iteration body does (create the runtime, run the program, wait for every thread, end the
/// runtime), and reads the report. Random scheduling with a fixed seed makes the same choices in both runs; the census
/// also totals the Runtime's own scheduling points, which must equal the measured run's
/// <see cref="ExplorationResult.SchedulingSteps"/>, or the two did not explore the same schedules.
/// </summary>
/// <remarks>Uses Runtime internals (<c>InternalsVisibleTo("Sim.Bench")</c>). Not timed.</remarks>
internal static class StepCensus
{
    /// <summary>Runs the census.</summary>
    public static CensusResult Run(Action<SimRuntime> program, ExplorationOptions options)
    {
        SimRuntime? current = null;
        long runtimeSteps = 0;
        var iterations = 0;

        void Body()
        {
            var rt = SimRuntime.CreateControlled(options.VirtualNanosPerStep, options.YieldFairness);
            current = rt;
            try
            {
                program(rt);
                rt.WaitForAllThreads();
            }
            finally
            {
                SimThread.Current = null;
            }
        }

        using var engine = TestingEngine.Create(CoyoteSettings.For(options), Body);
        engine.SetLogger(new SilentLogger());
        engine.RegisterStartIterationCallBack(_ => iterations++);
        engine.RegisterEndIterationCallBack(_ =>
        {
            if (current is { } rt)
            {
                runtimeSteps += rt.Controlled!.SchedulingPoints;
                rt.End(TimeSpan.FromSeconds(2));
                current = null;
            }
        });
        engine.Run();
        var report = engine.TestReport;
        return new CensusResult(
            iterations,
            (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps,
            runtimeSteps,
            report.NumOfFoundBugs == 0 ? null : string.Join("; ", report.BugReports));
    }
}

/// <summary>What the census counted.</summary>
/// <param name="Iterations">Iterations run.</param>
/// <param name="CoyoteSteps">Coyote's scheduling steps over all iterations (fair plus unfair).</param>
/// <param name="RuntimeSteps">The Runtime's own scheduling points over all iterations.</param>
/// <param name="Bug">The bug Coyote reported, if any (the workload is correct, so any bug is a harness error).</param>
internal sealed record CensusResult(int Iterations, long CoyoteSteps, long RuntimeSteps, string? Bug);
