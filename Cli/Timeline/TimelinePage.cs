using System.Globalization;
using System.Net;
using System.Text;
using Sim.Runtime.Deadlocks;
using Sim.Runtime.Exploration;
using Sim.Runtime.Trace;

namespace Sim.Cli.Timeline;

/// <summary>
/// The timeline page of <c>sim replay TRACE --html FILE</c>: one self-contained HTML file (its style and script inline,
/// nothing fetched from a network) with a lane per thread and a row per step in order; park/unpark (wake-up) and join
/// edges drawn between the steps they link; the racing accesses highlighted and linked; the failing check last; the
/// wait-for cycle of a deadlock; and the legend. The steps and edges are plain elements with data attributes
/// (<c>data-step</c>, <c>data-thread</c>, <c>data-from</c>, <c>data-to</c>), so the page can be checked through its DOM.
/// </summary>
internal static class TimelinePage
{
    /// <summary>The page of <paramref name="timeline"/>.</summary>
    public static string Render(TraceTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>sim timeline: ").Append(E(timeline.Title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<header>\n<h1>").Append(E(timeline.Title)).Append("</h1>\n");
        html.Append("<p id=\"finding\" class=\"finding\" data-kind=\"").Append(E(timeline.Kind is { } k ? Output.Json.Name(k) : "none")).Append("\">")
            .Append(E(KindWord(timeline.Kind))).Append(": ").Append(E(timeline.Message ?? "no finding")).Append("</p>\n");
        html.Append("<p class=\"summary\">").Append(timeline.Steps.Count.ToString(CultureInfo.InvariantCulture)).Append(" steps by ")
            .Append(timeline.Threads.Count.ToString(CultureInfo.InvariantCulture)).Append(" threads; a lane per thread, time flows down.</p>\n</header>\n");

        Lanes(html, timeline);
        Edges(html, timeline);
        WaitFor(html, timeline);
        RacyFields(html, timeline);
        html.Append("<section id=\"legend\">\n<h2>Legend</h2>\n<pre>").Append(E(string.Join('\n', LaneView.Legend))).Append("</pre>\n")
            .Append("<p>On this page: <span class=\"swatch wake\"></span> wake-up (unpark to the resumed park), ")
            .Append("<span class=\"swatch join\"></span> join (the joined thread's last step to the join's return), ")
            .Append("<span class=\"swatch race\"></span> the two racing accesses; a <span class=\"mark\">&gt;</span> before a step marks a preemption.</p>\n</section>\n");
        html.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Lanes(StringBuilder html, TraceTimeline t)
    {
        html.Append("<main id=\"timeline\" class=\"timeline\" style=\"grid-template-columns: 4.5em repeat(")
            .Append(t.Threads.Count.ToString(CultureInfo.InvariantCulture)).Append(", minmax(16em, 1fr));\">\n");
        html.Append("<div class=\"corner\">step</div>\n");
        for (var i = 0; i < t.Threads.Count; i++)
        {
            html.Append("<div class=\"lane-head\" data-thread=\"").Append(I(t.Threads[i].Id)).Append("\" style=\"grid-column: ").Append(I(i + 2)).Append("\">")
                .Append(E(t.Threads[i].Label)).Append("</div>\n");
        }

        var row = 2;
        var operation = new Dictionary<int, string?>();
        foreach (var s in t.Steps)
        {
            var changed = !operation.TryGetValue(s.ThreadId, out var previous) || previous != s.Operation;
            operation[s.ThreadId] = s.Operation;
            var lane = t.LaneOf(s.ThreadId);
            var classes = new List<string> { "step", $"lane{lane % 6}" };
            if (s.Preempted)
            {
                classes.Add("preempted");
            }

            if (s.Blocks)
            {
                classes.Add("blocks");
            }

            if (t.IsRacing(s))
            {
                classes.Add("race");
            }

            var failure = s.Kind == AccessKind.Failure;
            if (failure)
            {
                classes.Add("failure");
            }

            html.Append("<div class=\"index\" style=\"grid-row: ").Append(I(row)).Append("\">").Append(s.Preempted ? "<span class=\"mark\" title=\"preemption\">&gt;</span>" : string.Empty)
                .Append('#').Append(I(s.Index)).Append("</div>\n");
            html.Append("<div id=\"s").Append(I(s.Index)).Append("\" class=\"").Append(string.Join(' ', classes)).Append("\" data-step=\"").Append(I(s.Index))
                .Append("\" data-thread=\"").Append(I(s.ThreadId)).Append("\" data-kind=\"").Append(Output.Json.Name(s.Kind)).Append('"');
            if (s.WokenBy is { } cause)
            {
                html.Append(" data-woken-by=\"").Append(I(cause)).Append('"');
            }

            html.Append(" style=\"grid-row: ").Append(I(row)).Append("; grid-column: ").Append(failure ? $"{I(lane + 2)} / -1" : I(lane + 2)).Append("\">");
            if (changed && s.Operation is not null)
            {
                html.Append("<span class=\"op\">").Append(E(s.Operation)).Append("</span>");
            }

            html.Append("<span class=\"action\">").Append(E(s.Action)).Append("</span>");
            if (s.Blocks)
            {
                html.Append("<span class=\"tag\">blocks</span>");
            }

            if (t.IsRacing(s))
            {
                html.Append("<span class=\"tag race\">race</span>");
            }

            html.Append("</div>\n");
            row++;
        }

        if (!t.EndsWithFailureStep && t.Message is { } message)
        {
            html.Append("<div class=\"index\" style=\"grid-row: ").Append(I(row)).Append("\">end</div>\n");
            html.Append("<div id=\"outcome\" class=\"step failure\" data-kind=\"").Append(E(t.Kind is { } k ? Output.Json.Name(k) : "none"))
                .Append("\" style=\"grid-row: ").Append(I(row)).Append("; grid-column: 2 / -1\"><span class=\"action\">")
                .Append(E(message)).Append("</span></div>\n");
        }

        html.Append("<svg id=\"edges\" aria-hidden=\"true\"></svg>\n</main>\n");
    }

    /// <summary>The edges, as a list the script draws and a reader (or a test) can read.</summary>
    private static void Edges(StringBuilder html, TraceTimeline t)
    {
        var byIndex = t.Steps.ToDictionary(s => s.Index);
        var edges = new List<(string Kind, TraceStep From, TraceStep To)>();
        foreach (var s in t.Steps)
        {
            if (s.WokenBy is { } cause && byIndex.TryGetValue(cause, out var from))
            {
                edges.Add((s.Kind == AccessKind.Joined ? "join" : "wake", from, s));
            }
        }

        if (t.Race is { } race && byIndex.TryGetValue(race.Earlier.Step, out var a) && byIndex.TryGetValue(race.Later.Step, out var b))
        {
            edges.Add(("race", a, b));
        }

        html.Append("<section id=\"edge-list\">\n<h2>Edges</h2>\n<ul>\n");
        foreach (var (kind, from, to) in edges)
        {
            html.Append("<li class=\"edge ").Append(kind).Append("\" data-kind=\"").Append(kind).Append("\" data-from=\"").Append(I(from.Index))
                .Append("\" data-to=\"").Append(I(to.Index)).Append("\">").Append(kind switch
                {
                    "wake" => "wake-up",
                    "join" => "join",
                    _ => "data race",
                }).Append(": #").Append(I(from.Index)).Append(' ').Append(E($"T{from.ThreadId} {from.Action}")).Append(" &#8594; #")
                .Append(I(to.Index)).Append(' ').Append(E($"T{to.ThreadId} {to.Action}")).Append("</li>\n");
        }

        if (edges.Count == 0)
        {
            html.Append("<li>none</li>\n");
        }

        html.Append("</ul>\n</section>\n");
    }

    private static void WaitFor(StringBuilder html, TraceTimeline t)
    {
        if (t.WaitsFor.Count == 0)
        {
            return;
        }

        html.Append("<section id=\"wait-for\">\n<h2>Wait-for graph</h2>\n<p>").Append(E(WaitForGraph.Explain(t.WaitsFor))).Append("</p>\n<ul>\n");
        foreach (var w in t.WaitsFor)
        {
            html.Append("<li data-thread=\"").Append(I(w.ThreadId)).Append("\">").Append(E(w.Thread)).Append(w.Operation is null ? string.Empty : E($" in {w.Operation}"))
                .Append(" waits for ").Append(E(w.WaitsFor)).Append(", held by ").Append(E(w.Holder ?? "no thread")).Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
    }

    private static void RacyFields(StringBuilder html, TraceTimeline t)
    {
        if (t.RacyFields.Count == 0)
        {
            return;
        }

        html.Append("<section id=\"racy-fields\">\n<h2>Fields declared deliberately racy (not checked)</h2>\n<ul>\n");
        foreach (var line in RacyFieldList.Lines(t.RacyFields))
        {
            html.Append("<li>").Append(E(line)).Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
    }

    private static string KindWord(FindingKind? kind) => kind switch
    {
        FindingKind.Assertion => "Failed check",
        FindingKind.Exception => "Exception",
        FindingKind.Deadlock => "Deadlock",
        FindingKind.Livelock => "Livelock",
        FindingKind.DataRace => "Data race",
        _ => "Outcome",
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private const string Style = """
        :root { --wake: #1f6feb; --join: #2da44e; --race: #d1242f; font-family: system-ui, sans-serif; }
        body { margin: 1.5em; color: #1f2328; background: #fff; }
        h1 { font-size: 1.3em; margin: 0 0 .3em; }
        h2 { font-size: 1.05em; margin: 1.5em 0 .4em; }
        .finding { font-weight: 600; color: var(--race); margin: .2em 0; white-space: pre-wrap; }
        .summary { color: #59636e; margin: .2em 0 1em; }
        .timeline { position: relative; display: grid; column-gap: .8em; row-gap: .25em; align-items: start; }
        .corner, .lane-head { position: sticky; top: 0; background: #f6f8fa; font-weight: 600; padding: .3em .5em; border-bottom: 2px solid #d1d9e0; z-index: 2; }
        .index { grid-column: 1; text-align: right; color: #59636e; font: .8em ui-monospace, monospace; padding-top: .35em; }
        .mark { color: #bf8700; font-weight: 700; margin-right: .2em; }
        .step { font: .82em ui-monospace, monospace; padding: .3em .5em; border-radius: 4px; border: 1px solid #d1d9e0; background: #fff; position: relative; z-index: 1; overflow-wrap: anywhere; }
        .step .op { display: block; color: #59636e; font-size: .92em; }
        .step .tag { display: inline-block; margin-left: .5em; padding: 0 .35em; border-radius: 3px; background: #eaeef2; font-size: .85em; }
        .step.preempted { border-left: 4px solid #bf8700; }
        .step.blocks { background: #fff8c5; }
        .step.race { border: 2px solid var(--race); background: #ffebe9; }
        .step .tag.race { background: var(--race); color: #fff; }
        .step.failure { border: 2px solid var(--race); background: #ffebe9; color: #82071e; font-weight: 600; }
        .lane0 { background: #ffffff; } .lane1 { background: #f0f7ff; } .lane2 { background: #fffbf0; }
        .lane3 { background: #fbf0ff; } .lane4 { background: #f0fff4; } .lane5 { background: #fff3eb; }
        #edges { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; overflow: visible; z-index: 0; }
        #edges path { fill: none; stroke-width: 2; }
        #edges path.wake { stroke: var(--wake); } #edges path.join { stroke: var(--join); } #edges path.race { stroke: var(--race); stroke-dasharray: 5 3; }
        .edge.wake { color: var(--wake); } .edge.join { color: var(--join); } .edge.race { color: var(--race); }
        .swatch { display: inline-block; width: 1.5em; height: .35em; vertical-align: middle; }
        .swatch.wake { background: var(--wake); } .swatch.join { background: var(--join); } .swatch.race { background: var(--race); }
        pre { background: #f6f8fa; padding: .8em; overflow-x: auto; }

        """;

    private const string Script = """
        (function () {
          'use strict';
          var svg = document.getElementById('edges');
          var box = document.getElementById('timeline');
          var ns = 'http://www.w3.org/2000/svg';
          function draw() {
            while (svg.firstChild) { svg.removeChild(svg.firstChild); }
            var origin = box.getBoundingClientRect();
            var defs = document.createElementNS(ns, 'defs');
            ['wake', 'join', 'race'].forEach(function (kind) {
              var m = document.createElementNS(ns, 'marker');
              m.setAttribute('id', 'arrow-' + kind); m.setAttribute('viewBox', '0 0 10 10'); m.setAttribute('refX', '9'); m.setAttribute('refY', '5');
              m.setAttribute('markerWidth', '7'); m.setAttribute('markerHeight', '7'); m.setAttribute('orient', 'auto-start-reverse');
              var p = document.createElementNS(ns, 'path'); p.setAttribute('d', 'M0,0 L10,5 L0,10 z'); p.setAttribute('class', kind);
              p.style.fill = getComputedStyle(document.documentElement).getPropertyValue('--' + kind);
              m.appendChild(p); defs.appendChild(m);
            });
            svg.appendChild(defs);
            document.querySelectorAll('#edge-list .edge').forEach(function (edge) {
              var from = document.getElementById('s' + edge.dataset.from);
              var to = document.getElementById('s' + edge.dataset.to);
              if (!from || !to) { return; }
              var a = from.getBoundingClientRect(), b = to.getBoundingClientRect();
              var x1 = a.left + a.width / 2 - origin.left, y1 = a.bottom - origin.top;
              var x2 = b.left + b.width / 2 - origin.left, y2 = b.top - origin.top;
              var bend = Math.max(20, (y2 - y1) / 2);
              var path = document.createElementNS(ns, 'path');
              path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 + bend) + ' ' + x2 + ',' + (y2 - bend) + ' ' + x2 + ',' + y2);
              path.setAttribute('class', edge.dataset.kind);
              path.setAttribute('marker-end', 'url(#arrow-' + edge.dataset.kind + ')');
              path.dataset.from = edge.dataset.from; path.dataset.to = edge.dataset.to;
              svg.appendChild(path);
            });
            document.body.dataset.edgesDrawn = String(svg.querySelectorAll('path[data-from]').length);
          }
          window.addEventListener('resize', draw);
          draw();
        })();

        """;
}
