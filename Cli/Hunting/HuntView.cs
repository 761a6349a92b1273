using System.Globalization;
using Sim.Cli.Output;
using Sim.Cli.Reports;
using Sim.Scenarios.Catalog;
using Spectre.Console;

namespace Sim.Cli.Hunting;

/// <summary>
/// Shows a hunt while it runs: <see cref="Live"/> for a person at a terminal (progress bars, a line per finished
/// variant), <see cref="Plain"/> for logs and CI (a line as each variant starts and ends). The hunt runs inside the view.
/// </summary>
internal abstract class HuntView : IHuntProgress
{
    private readonly int _count;
    private readonly int _width;

    private protected HuntView(int count)
    {
        _count = count;
        _width = count.ToString(CultureInfo.InvariantCulture).Length;
    }

    /// <summary>The view for <paramref name="context"/>: live on a terminal, plain otherwise.</summary>
    public static HuntView For(CliContext context, HuntPlan plan) =>
        context.Interactive && plan.Variants.Count > 0 ? new Live(context.Console, plan) : new Plain(context.Out, plan.Variants.Count);

    /// <summary>Runs <paramref name="hunt"/> inside the view, which it feeds with progress.</summary>
    public virtual HuntReport Show(Func<IHuntProgress, HuntReport> hunt)
    {
        ArgumentNullException.ThrowIfNull(hunt);
        return hunt(this);
    }

    /// <inheritdoc/>
    public abstract void VariantStarting(int index, VariantRef variant);

    /// <inheritdoc/>
    public virtual void IterationStarting(int index, int iteration)
    {
    }

    /// <inheritdoc/>
    public abstract void VariantFinished(int index, HuntEntry entry);

    /// <summary>"met", "NOT MET", "ERROR".</summary>
    public static string Word(VerdictKind kind) => kind switch
    {
        VerdictKind.Met => "met",
        VerdictKind.NotMet => "NOT MET",
        _ => "ERROR",
    };

    /// <summary>The verdict word in colour.</summary>
    public static string Markup(VerdictKind kind) => kind switch
    {
        VerdictKind.Met => "[green]met[/]",
        VerdictKind.NotMet => "[bold red]NOT MET[/]",
        _ => "[bold yellow]ERROR[/]",
    };

    /// <summary>"[ 3/43]".</summary>
    private protected string Counter(int index) => $"[{(index + 1).ToString(CultureInfo.InvariantCulture).PadLeft(_width)}/{_count}]";

    /// <summary>The variant's wall time: "1.23 s".</summary>
    public static string Elapsed(HuntEntry e) => Format.Duration(TimeSpan.FromSeconds(e.ElapsedSeconds));

    /// <summary>Progress bars (the variants, and the iterations of each variant in progress) and a line per finished variant.</summary>
    private sealed class Live(IAnsiConsole console, HuntPlan plan) : HuntView(plan.Variants.Count)
    {
        private readonly Dictionary<int, ProgressTask> _running = [];
        private ProgressContext? _progress;
        private ProgressTask? _variants;

        public override HuntReport Show(Func<IHuntProgress, HuntReport> hunt) =>
            console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    _progress = progress;
                    _variants = progress.AddTask("hunt", maxValue: plan.Variants.Count);
                    return hunt(this);
                });

        public override void VariantStarting(int index, VariantRef variant) =>
            _running[index] = _progress!.AddTask(Spectre.Console.Markup.Escape($"{Counter(index)} {variant.Name}"), maxValue: plan.Task(index).Options.Iterations);

        public override void IterationStarting(int index, int iteration)
        {
            if (_running.TryGetValue(index, out var task))
            {
                task.Value = iteration;
            }
        }

        public override void VariantFinished(int index, HuntEntry entry)
        {
            console.MarkupLine($"{Markup(entry.Verdict)} {Spectre.Console.Markup.Escape($"{entry.Scenario}/{entry.Variant}: {entry.Explanation} ({Elapsed(entry)})")}");
            if (_running.Remove(index, out var task))
            {
                task.StopTask();
            }

            _variants!.Increment(1);
        }
    }

    /// <summary>A line as each variant starts and one as it ends.</summary>
    private sealed class Plain(TextWriter output, int count) : HuntView(count)
    {
        public override void VariantStarting(int index, VariantRef variant) =>
            output.WriteLine($"{Counter(index)} {variant.Name} (expected: {variant.Variant.Expected}) ...");

        public override void VariantFinished(int index, HuntEntry entry) =>
            output.WriteLine($"{Counter(index)} {entry.Scenario}/{entry.Variant}: {Word(entry.Verdict)}: {entry.Explanation} ({Elapsed(entry)})");
    }
}
