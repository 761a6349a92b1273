using Microsoft.Playwright;
using Sim.Cli.Traces;
using Sim.Runtime.Exploration;
using Sim.Runtime.Trace;

namespace Sim.Cli.Tests;

/// <summary>
/// The timeline page of <c>sim replay TRACE --html FILE</c> rendered in a real headless browser, Debian's chromium driven
/// by Playwright, and checked through its DOM: every step of the trace in its thread's lane, in order; the wake-up, join
/// and race edges drawn; the racing accesses highlighted; the failing check last and in the heading; nothing fetched
/// from a network. A screenshot is kept (set <c>SIM_TIMELINE_SCREENSHOT=docs/timeline.png</c> to refresh the one in docs/).
/// </summary>
public sealed class TimelinePageBrowserTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task TimelinePage_InChromium_ShowsEveryStepInItsLane_TheEdges_TheRace_AndTheFailingCheckLast()
    {
        var (trace, replayed) = RecordAndReplay("thread-handle-concurrent-join", "join-without-once");
        var pagePath = _cli.PathOf("timeline.html");
        var rendered = _cli.Run("replay", trace, "--html", pagePath);
        Assert.True(rendered.ExitCode == 0, rendered.Out + rendered.Error);

        await using var browser = await Browser.OpenAsync(_cli.PathOf("profile"));
        var page = browser.Page;
        await page.GotoAsync(new Uri(pagePath).AbsoluteUri);
        await page.WaitForSelectorAsync("body[data-edges-drawn]");

        var steps = await page.EvalOnSelectorAllAsync<int[]>("#timeline [data-step]", "els => els.map(e => +e.dataset.step)");
        Assert.Equal(replayed.Steps.Select(s => s.Index), steps);
        var threads = await page.EvalOnSelectorAllAsync<int[]>("#timeline [data-step]", "els => els.map(e => +e.dataset.thread)");
        Assert.Equal(replayed.Steps.Select(s => s.ThreadId), threads);
        var laneOfEachStep = await page.EvalOnSelectorAllAsync<bool[]>("#timeline [data-step]",
            "els => els.map(e => Math.abs(e.getBoundingClientRect().left - document.querySelector('.lane-head[data-thread=\"' + e.dataset.thread + '\"]').getBoundingClientRect().left) < 2)");
        Assert.All(laneOfEachStep, Assert.True);
        var tops = await page.EvalOnSelectorAllAsync<double[]>("#timeline [data-step]", "els => els.map(e => e.getBoundingClientRect().top)");
        Assert.Equal(tops.Order(), tops);

        var finding = await page.InnerTextAsync("#finding");
        Assert.Contains(replayed.Message!, finding, StringComparison.Ordinal);
        var last = page.Locator("#timeline [data-step]").Last;
        Assert.Contains("failure", await last.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("FAILED: data race on target.joinable", await last.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await last.IsVisibleAsync());

        var race = replayed.Race!;
        var racing = await page.EvalOnSelectorAllAsync<int[]>("#timeline .step.race", "els => els.map(e => +e.dataset.step)");
        Assert.Equal([race.Earlier.Step, race.Later.Step], racing);

        var listed = await page.EvalOnSelectorAllAsync<string[]>("#edge-list .edge", "els => els.map(e => e.dataset.kind + ':' + e.dataset.from + '>' + e.dataset.to)");
        var expected = replayed.Steps.Where(s => s.WokenBy is not null)
            .Select(s => $"{(s.Kind == AccessKind.Joined ? "join" : "wake")}:{s.WokenBy}>{s.Index}")
            .Append($"race:{race.Earlier.Step}>{race.Later.Step}");
        Assert.Equal(expected, listed);
        Assert.Contains(listed, e => e.StartsWith("wake:", StringComparison.Ordinal));
        var drawn = await page.EvalOnSelectorAllAsync<string[]>("#edges path[data-from]", "els => els.map(e => e.getAttribute('class') + ':' + e.dataset.from + '>' + e.dataset.to)");
        Assert.Equal(listed, drawn);

        Assert.Empty(browser.NetworkRequests);
        await page.EvaluateAsync("n => document.getElementById('s' + n).scrollIntoView({ block: 'start' })", race.Earlier.Step - 6);
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = _cli.PathOf("timeline.png") });
        Assert.True(png.Length > 10_000 && png.AsSpan(0, 4).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), "the screenshot is not a PNG");
        if (Environment.GetEnvironmentVariable("SIM_TIMELINE_SCREENSHOT") is { Length: > 0 } keep)
        {
            File.Copy(_cli.PathOf("timeline.png"), Path.GetFullPath(keep, CliHarness.RepositoryRoot()), overwrite: true);
        }
    }

    [Fact]
    public async Task TimelinePage_OfADeadlock_EndsWithTheFindingAndShowsTheWaitForGraph()
    {
        var (trace, replayed) = RecordAndReplay("pymutex-wakeup", "unlock-ignores-parked");
        var pagePath = _cli.PathOf("deadlock.html");
        Assert.Equal(0, _cli.Run("replay", trace, "--html", pagePath).ExitCode);

        await using var browser = await Browser.OpenAsync(_cli.PathOf("profile"));
        await browser.Page.GotoAsync(new Uri(pagePath).AbsoluteUri);
        await browser.Page.WaitForSelectorAsync("body[data-edges-drawn]");

        Assert.Equal(replayed.Steps.Count, await browser.Page.Locator("#timeline [data-step]").CountAsync());
        Assert.Contains("Deadlock: no thread can run", await browser.Page.InnerTextAsync("#outcome"), StringComparison.Ordinal);
        Assert.Equal("deadlock", await browser.Page.GetAttributeAsync("#finding", "data-kind"));
        Assert.Contains("waits for mutex m, held by no thread", await browser.Page.InnerTextAsync("#wait-for"), StringComparison.Ordinal);
        Assert.True(await browser.Page.Locator("#timeline .step.blocks").CountAsync() >= 2);
        Assert.Empty(browser.NetworkRequests);
    }

    private (string Trace, ExplorationResult Replayed) RecordAndReplay(string scenario, string variant)
    {
        var explored = _cli.Run("explore", scenario, "--variant", variant);
        Assert.True(explored.ExitCode == 1, explored.Out + explored.Error);
        var path = Directory.GetFiles(Path.Combine(_cli.OutputDirectory, "traces"), $"{scenario}.{variant}.*.json").Single();
        var trace = TraceStore.Load(path, path);
        var target = Catalog.Default.Select([$"{scenario}/{variant}"]).Single();
        var replayed = Explorer.Replay(target.Scenario.Program(target.Variant), TraceStore.Schedule(trace, path), TraceStore.ReplayOptions(trace, path));
        Assert.Equal(Outcome.BugFound, replayed.Outcome);
        return (path, replayed);
    }

    public void Dispose() => _cli.Dispose();

    /// <summary>Debian's chromium under Playwright, with a fresh profile, recording every request that is not for a local file.</summary>
    private sealed class Browser : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowserContext _context;

        private Browser(IPlaywright playwright, IBrowserContext context, IPage page)
        {
            _playwright = playwright;
            _context = context;
            Page = page;
        }

        public IPage Page { get; }

        public List<string> NetworkRequests { get; } = [];

        public static async Task<Browser> OpenAsync(string profile)
        {
            var executable = DebianChromium.Ensure();
            var playwright = await Playwright.CreateAsync();
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = [.. DebianChromium.Flags],
                ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            });
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            var browser = new Browser(playwright, context, page);
            await context.RouteAsync("**/*", async route =>
            {
                if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal))
                {
                    await route.ContinueAsync();
                }
                else
                {
                    browser.NetworkRequests.Add(route.Request.Url);
                    await route.AbortAsync();
                }
            });
            return browser;
        }

        public async ValueTask DisposeAsync()
        {
            await _context.CloseAsync();
            _playwright.Dispose();
        }
    }
}
