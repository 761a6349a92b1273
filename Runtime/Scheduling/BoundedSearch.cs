using Sim.Runtime.Exploration;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Scheduling;

/// <summary>
/// The preemption-bounded exhaustive search: for k = 0, 1, 2, ... it runs every schedule with at most k preemptions, depth
/// first over the schedule record (iterative context bounding: Musuvathi and Qadeer, "Iterative context bounding for
/// systematic testing of multithreaded programs", PLDI 2007). A schedule is the sequence of decisions of one run: at each
/// scheduling step, which runnable thread goes on; at each controlled choice, which value. A preemption is a step that
/// switches away from a thread that could have gone on; switching when the running thread blocks or exits is free.
/// </summary>
/// <remarks>
/// <para>
/// Each run follows the decisions of the previous run up to the last one that has an untried alternative within the
/// bound, takes that alternative, and from there decides without preempting (the running thread goes on while it can;
/// when it cannot, the lowest runnable id), noting every alternative on the way. A round ends when no decision has an
/// untried alternative within k; its runs are exactly the schedules with at most k preemptions, each run once. The next
/// round starts over with k + 1 (schedules with fewer preemptions are run again: the search keeps no frontier, so its
/// memory is one run's decisions). If a round skipped no alternative for the bound, every schedule of the program was
/// run and the search stops.
/// </para>
/// <para>
/// No reduction: every schedule within the bound is run, even where two of them differ only in the order of independent
/// steps. Sleep sets or DPOR would run fewer, but combined naively with a preemption bound they can skip a schedule
/// whose only equivalent within the bound is the one skipped (Coons, Musuvathi and McKinley, "Bounded partial-order
/// reduction", OOPSLA 2013), and the claim "every schedule with at most k preemptions" would no longer hold.
/// </para>
/// <para>
/// The search relies on the program doing the same under the same decisions. If a replayed prefix asks for another
/// decision than it did before, the run ends with a divergence, which the harness reports as a scenario error.
/// </para>
/// </remarks>
internal sealed class BoundedSearch : IScheduleDriver
{
    private readonly uint _maxBound;
    private readonly long _stepBound;
    private readonly List<Node> _path = [];
    private int _bound;
    private bool _pruned;
    private long _roundRuns;
    private long _runs;
    private int? _cleanBound;
    private long _cleanSchedules;
    private bool _exhaustive;

    /// <param name="maxBound">The largest k to search.</param>
    /// <param name="stepBound">Scheduling points per run after which a run is a livelock.</param>
    public BoundedSearch(uint maxBound, long stepBound)
    {
        _maxBound = maxBound;
        _stepBound = stepBound;
    }

    /// <summary>The k of the round under way: the preemptions its schedules may have.</summary>
    public int Bound => _bound;

    /// <summary>What the search covered so far.</summary>
    public BoundedCoverage Coverage(TimeSpan elapsed) =>
        new(_cleanBound, _cleanBound is null ? 0 : _cleanSchedules, _runs, _exhaustive, elapsed);

    /// <inheritdoc/>
    public SchedulePolicy NextRun()
    {
        _runs++;
        _roundRuns++;
        return new Run(this);
    }

    /// <inheritdoc/>
    public bool RunEnded()
    {
        while (_path.Count > 0)
        {
            var node = _path[^1];
            if (node.Advance(_bound, ref _pruned))
            {
                return true;
            }

            _path.RemoveAt(_path.Count - 1);
        }

        // Round k is over: every schedule with at most k preemptions ran clean.
        _cleanBound = _bound;
        _cleanSchedules = _roundRuns;
        if (!_pruned)
        {
            _exhaustive = true;
            return false;
        }

        if ((uint)_bound >= _maxBound)
        {
            return false;
        }

        _bound++;
        _pruned = false;
        _roundRuns = 0;
        return true;
    }

    /// <summary>One decision of the current path: the options it had (in the order tried) and the one taken.</summary>
    private sealed class Node(bool isChoice, int from, ThreadSet runnable, int[] options, int preemptionsBefore)
    {
        private int _index;

        public bool IsChoice => isChoice;

        public int From => from;

        public ThreadSet Runnable => runnable;

        public int PreemptionsBefore => preemptionsBefore;

        public int Chosen => options[_index];

        /// <summary>Preemptions taking <paramref name="option"/> costs: 1 for switching away from a thread that could go on.</summary>
        public int Cost(int option) => !isChoice && runnable.Contains(from) && option != from ? 1 : 0;

        /// <summary>Moves to the next option within <paramref name="bound"/> preemptions; false if none is left.</summary>
        public bool Advance(int bound, ref bool pruned)
        {
            while (++_index < options.Length)
            {
                if (preemptionsBefore + Cost(options[_index]) <= bound)
                {
                    return true;
                }

                pruned = true;
            }

            return false;
        }
    }

    /// <summary>The policy of one run: the path's decisions, then new ones without preemption.</summary>
    private sealed class Run(BoundedSearch search) : SchedulePolicy
    {
        private int _position;
        private int _preemptions;

        public override long? StepBound => search._stepBound;

        public override int NextThread(in Decision decision, IReadOnlyList<SimThread> threads)
        {
            var node = Follow(false, decision.From, decision.Runnable);
            if (node is null)
            {
                var first = decision.NonPreemptive;
                int[] options = [first, .. decision.Runnable.Ids().Where(id => id != first)];
                node = Add(new Node(false, decision.From, decision.Runnable, options, _preemptions));
            }

            _preemptions += node.Cost(node.Chosen);
            return node.Chosen;
        }

        public override int NextValue(int thread, string label, int count)
        {
            var node = Follow(true, thread, ThreadSet.Empty)
                ?? Add(new Node(true, thread, ThreadSet.Empty, [.. Enumerable.Range(0, count)], _preemptions));
            return node.Chosen;
        }

        private Node? Follow(bool isChoice, int from, ThreadSet runnable)
        {
            if (_position >= search._path.Count)
            {
                return null;
            }

            var node = search._path[_position++];
            return node.IsChoice == isChoice && node.From == from && node.Runnable == runnable
                ? node
                : throw new ScheduleDivergedException(
                    $"decision {_position} asks for {(isChoice ? "a choice by" : "a step after")} T{from} among {runnable}, where the same schedule asked for {(node.IsChoice ? "a choice by" : "a step after")} T{node.From} among {node.Runnable}");
        }

        private Node Add(Node node)
        {
            search._path.Add(node);
            _position++;
            return node;
        }
    }
}
