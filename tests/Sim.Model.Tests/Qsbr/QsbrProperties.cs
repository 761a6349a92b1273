using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Sim.Model.Interpreter;
using Sim.Model.Qsbr;
using Sim.Model.Tests.Mimalloc;
using Sim.Runtime;
using Sim.Runtime.Exploration;
using Sim.Testing;

namespace Sim.Model.Tests.Qsbr;

/// <summary>
/// For any two or three threads doing any sequence of quiescent states, detach/attach pairs, goal requests and polls
/// (<see cref="QsbrWorkload"/>), with a deferral limit of 1 to 3, explored for 80 schedules: QSBR never reports a goal
/// reached while a thread that was online when the goal was issued has neither reported a quiescent state at or after
/// the goal nor gone offline. The property keeps its own record (a ghost) of who was online and who passed what; the
/// model's sequence numbers are not trusted for it.
/// </summary>
public class QsbrProperties
{
    /// <summary>What a worker thread does at one step.</summary>
    public enum QsbrOp
    {
        /// <summary>A periodic check: a quiescent state.</summary>
        QuiescentState,

        /// <summary>Detach, then attach again.</summary>
        DetachAttach,

        /// <summary><c>_Py_qsbr_deferred_advance</c>: a new goal.</summary>
        RequestGoal,

        /// <summary><c>_Py_qsbr_poll</c> of the last goal, if any.</summary>
        Poll,
    }

    [Property(MaxTest = 12, Arbitrary = [typeof(Workloads)])]
    public bool Poll_NeverReportsAGoalReached_BeforeEveryThreadOnlineAtItsIssuePassedIt(QsbrWorkload load, uint seed)
    {
        var result = Explorer.Explore(rt => Run(rt, load), Exploring.Options with { Iterations = 80, Seed = seed });
        return result.Outcome == Sim.Runtime.Exploration.Outcome.Clean;
    }

    [Fact]
    public void TheGhost_CatchesAPollThatIgnoresAnOnlineThread()
    {
        QsbrOp[] ops = [QsbrOp.Poll, QsbrOp.QuiescentState, QsbrOp.RequestGoal, QsbrOp.QuiescentState, QsbrOp.Poll, QsbrOp.QuiescentState, QsbrOp.RequestGoal, QsbrOp.QuiescentState];
        Exploring.FindsBug(rt => Run(rt, new QsbrWorkload(1, [ops, ops]), pollWithoutScan: true), "has not passed it");
    }

    /// <summary>A deferral limit, and eight operations for each worker thread.</summary>
    public sealed record QsbrWorkload(int DeferredLimit, QsbrOp[][] Ops)
    {
        /// <inheritdoc/>
        public override string ToString() => $"limit {DeferredLimit}: {string.Join(" | ", Ops.Select(ops => string.Join(' ', ops)))}";
    }

    /// <summary>A deferral limit of 1 to 3, and two or three workers, eight operations each.</summary>
    public static class Workloads
    {
        public static Arbitrary<QsbrWorkload> Any() =>
            Arb.From(
                from limit in Gen.Choose(1, 3)
                from threads in Gen.Choose(2, 3)
                from ops in Gen.ArrayOf(Gen.ArrayOf(Gen.Elements(Enum.GetValues<QsbrOp>()), 8), threads)
                select new QsbrWorkload(limit, ops));
    }

    private static void Run(SimRuntime rt, QsbrWorkload load, bool pollWithoutScan = false)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.Cpython313 with { DeferredLimit = load.DeferredLimit } });
        var ghost = new Ghost(rt);
        var main = interp.MainThreadState;
        ghost.Online(main);
        var workers = load.Ops.Select((ops, i) => rt.StartThread($"w{i}", () =>
        {
            var ts = interp.NewThreadState(rt.CurrentThread);
            ts.Attach();
            ghost.Online(ts);
            long? goal = null;
            foreach (var op in ops)
            {
                switch (op)
                {
                    case QsbrOp.QuiescentState:
                        ghost.QuiescentStateBegins(ts);
                        ts.CheckPeriodic();
                        ghost.QuiescentStateEnded(ts, passedAtMost: interp.Qsbr.WrSeq.Peek());
                        break;
                    case QsbrOp.DetachAttach:
                        ghost.GoingOffline(ts);
                        ts.Detach();
                        ts.Attach();
                        ghost.Online(ts);
                        break;
                    case QsbrOp.RequestGoal:
                        var online = ghost.CertainlyOnline();
                        goal = ts.Qsbr!.DeferredAdvance();
                        ghost.Issued(ts, goal.Value, online);
                        break;
                    default:
                        if (goal is { } g)
                        {
                            var reached = pollWithoutScan ? QsbrSeq.Leq(g, interp.Qsbr.WrSeq.Load()) : ts.Qsbr!.Poll(g);
                            if (reached)
                            {
                                ghost.Reached(ts, g);
                            }
                        }

                        break;
                }
            }

            ghost.GoingOffline(ts);
            ts.Detach();
            ts.Delete();
        })).ToList();

        ghost.GoingOffline(main);
        main.Detach();
        workers.ForEach(w => w.Join());
        main.Attach();
    }

    /// <summary>
    /// The property's own record of who was online when each goal was issued, and who has passed it since. A thread's
    /// model operation has scheduling points inside, so the record errs on the lenient side, never the strict one: a
    /// thread counts as online only after its attach returned and until its detach begins, a quiescent state counts as
    /// passing any goal while it runs and every goal up to the write sequence once it returned, and a goal waits only
    /// for the threads that were online and idle throughout its issue. So the ghost never reports a correct QSBR, and
    /// still catches a poll that ignores an online thread.
    /// </summary>
    private sealed class Ghost(SimRuntime rt)
    {
        private readonly Dictionary<PyThreadState, int> _events = [];
        private readonly HashSet<PyThreadState> _online = [];
        private readonly HashSet<PyThreadState> _inQuiescentState = [];
        private readonly List<Issue> _issues = [];

        /// <summary>After <c>Attach</c> returned.</summary>
        public void Online(PyThreadState ts)
        {
            Count(ts);
            _online.Add(ts);
        }

        /// <summary>Before <c>Detach</c> begins.</summary>
        public void GoingOffline(PyThreadState ts)
        {
            Count(ts);
            _online.Remove(ts);
            Passed(ts, _ => true);
        }

        /// <summary>Before a periodic check begins.</summary>
        public void QuiescentStateBegins(PyThreadState ts)
        {
            Count(ts);
            _inQuiescentState.Add(ts);
        }

        /// <summary>After a periodic check returned: it passed no goal beyond <paramref name="passedAtMost"/>.</summary>
        public void QuiescentStateEnded(PyThreadState ts, long passedAtMost)
        {
            Count(ts);
            _inQuiescentState.Remove(ts);
            Passed(ts, goal => QsbrSeq.Leq(goal, passedAtMost));
        }

        /// <summary>Before a goal is requested: the idle online threads, and how many events each had so far.</summary>
        public Dictionary<PyThreadState, int> CertainlyOnline() =>
            _online.Where(t => !_inQuiescentState.Contains(t)).ToDictionary(t => t, t => _events[t]);

        /// <summary>After a goal was requested: it waits for the threads that stayed online and idle throughout.</summary>
        public void Issued(PyThreadState by, long goal, Dictionary<PyThreadState, int> before) =>
            _issues.Add(new Issue(by, goal, [.. before.Where(kv => _events[kv.Key] == kv.Value).Select(kv => kv.Key)]));

        public void Reached(PyThreadState by, long goal)
        {
            var issue = _issues.Last(i => ReferenceEquals(i.By, by) && i.Goal == goal);
            if (issue.Waiting.FirstOrDefault(t => !_inQuiescentState.Contains(t)) is { } late)
            {
                rt.Fail($"QSBR reported goal {goal} reached to {by}, but {late}, online when it was issued, has not passed it");
            }
        }

        private void Count(PyThreadState ts) => _events[ts] = _events.GetValueOrDefault(ts) + 1;

        private void Passed(PyThreadState ts, Func<long, bool> goal)
        {
            foreach (var issue in _issues.Where(i => goal(i.Goal)))
            {
                issue.Waiting.Remove(ts);
            }
        }

        private sealed record Issue(PyThreadState By, long Goal, HashSet<PyThreadState> Waiting);
    }
}
