using Sim.Runtime.Cells;
using Sim.Runtime.Exploration;
using Sim.Testing;

namespace Sim.Runtime.Tests.Exploration;

public class StrategyTableTests
{
    public static TheoryData<Strategy> Strategies => [.. Enum.GetValues<Strategy>()];

    [Fact]
    public void EveryStrategy_HasExactlyOneRow()
    {
        Assert.Equal(Enum.GetValues<Strategy>(), StrategyRow.Table.Select(r => r.Strategy).Order());
        Assert.All(Enum.GetValues<Strategy>(), s => Assert.Equal(s, StrategyRow.Of(s).Strategy));
    }

    [Fact]
    public void EveryNameAndAlias_IsUnique_AndParsesBackToItsStrategy_WhateverItsCase()
    {
        var spellings = StrategyRow.Table.SelectMany(r => r.Aliases.Prepend(r.Name).Select(n => (Name: n, r.Strategy))).ToList();

        Assert.Equal(spellings.Count, spellings.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(spellings, s =>
        {
            Assert.True(StrategyNames.TryParse($"  {s.Name.ToUpperInvariant()} ", out var parsed), s.Name);
            Assert.Equal(s.Strategy, parsed);
        });
        Assert.Equal(StrategyRow.Table.Select(r => r.Name), StrategyNames.All);
        Assert.Contains("pct", StrategyNames.Aliases);
    }

    [Theory]
    [InlineData("")]
    [InlineData("portfolios")]
    [InlineData("fair pct")]
    [InlineData(null)]
    public void AnUnknownName_DoesNotParse(string? text) =>
        Assert.False(StrategyNames.TryParse(text, out _));

    [Fact]
    public void AStrategyWithoutARow_IsRejected_InsteadOfRunningAsThePortfolio()
    {
        var unknown = (Strategy)99;

        Assert.Throws<ArgumentOutOfRangeException>(() => StrategyRow.Of(unknown));
        Assert.Throws<ArgumentOutOfRangeException>(() => unknown.Name());
        var error = Assert.Throws<ArgumentException>(() => Explorer.Explore(_ => { }, Exploring.Options with { Strategy = unknown }));
        Assert.Contains("strategy 99 is not one of portfolio", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void EveryRow_ConfiguresAnExploration_AndItsBoundShowsOnlyWhereItCounts(Strategy strategy)
    {
        var row = StrategyRow.Of(strategy);
        var result = Exploring.StaysClean(rt =>
        {
            var x = new AtomicInt(rt, "x");
            rt.StartThread("t", () => x.FetchAdd(1)).Join();
        }, iterations: 3, Exploring.Options with { Strategy = strategy, StrategyBound = 7 });

        Assert.Equal(row.UsesBound ? $"{row.Name}(7), seed {Exploring.Options.Seed}" : $"{row.Name}, seed {Exploring.Options.Seed}", result.Strategy);
    }
}
