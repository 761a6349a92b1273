using System.CommandLine;
using Sim.Cli.Output;
using Sim.Scenarios.Catalog;
using Spectre.Console;

namespace Sim.Cli.Commands;

/// <summary><c>sim list [--json]</c>: every scenario, its variants, their expected outcomes, and the CPython references.</summary>
internal static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the catalog as JSON instead of a table." };
        var sources = new ScenarioSourceOptions();
        var command = new Command("list", "List the scenarios, their variants, expected outcomes and CPython references.") { json };
        sources.AddTo(command);
        command.SetAction(parse => CommandRunner.Guard(context, () =>
        {
            var catalog = sources.Load(parse, context);
            var scenarios = catalog.All;
            if (parse.GetValue(json))
            {
                context.Out.Write(Json.Serialize(scenarios.Select(ToJson).ToList()));
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumn("Scenario")
                .AddColumn("Variant")
                .AddColumn("Expected")
                .AddColumn("Description");
            foreach (var s in scenarios)
            {
                for (var i = 0; i < s.Variants.Count; i++)
                {
                    var v = s.Variants[i];
                    table.AddRow(new Text(i == 0 ? s.Name : string.Empty), new Text(v.Name), new Text(v.Expected.ToString()), new Text(v.Description));
                }
            }

            var console = context.Console;
            console.Write(table);
            context.Out.WriteLine();
            foreach (var s in scenarios)
            {
                console.MarkupLineInterpolated($"[bold]{s.Name}[/]: {s.Summary}");
                foreach (var reference in s.References)
                {
                    context.Out.WriteLine($"    {reference}");
                }
            }

            context.Out.WriteLine();
            context.Out.WriteLine($"{scenarios.Count} scenarios, {scenarios.Sum(s => s.Variants.Count)} variants. Explore one with 'sim explore SCENARIO --variant VARIANT{catalog.Flags}'; check them all with 'sim hunt{catalog.Flags}'.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static ScenarioJson ToJson(Scenario s) => new(
        s.Name,
        s.Summary,
        s.References,
        [.. s.Variants.Select(v => new VariantJson(
            v.Name,
            v.Description,
            v.Expected.ExpectsBug ? "bug" : "clean",
            (v.Expected as Expectation.BugExpectation)?.Fragment,
            (v.Expected as Expectation.BugExpectation)?.Fragments ?? []))]);

    private sealed record ScenarioJson(string Name, string Summary, IReadOnlyList<string> References, IReadOnlyList<VariantJson> Variants);

    // Fragment: the first expected fragment (kept for readers of the earlier output); Fragments: every fragment the
    // variant accepts (a bug meets the expectation if its message contains one).
    private sealed record VariantJson(string Name, string Description, string Expected, string? Fragment, IReadOnlyList<string> Fragments);
}
