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
/// (from the seeds), with a deferral limit of 1 to 3, explored for 80 schedules: QSBR never reports a goal reached while
/// a thread that was online when the goal was issued has neither reported a quiescent state at or after the goal nor
/// gone offline. The property keeps its own record (a ghost) of who was online and who passed what; the model's
/// sequence numbers are not trusted for it.
/// </summary>
public class QsbrProperties
{
    [Property(MaxTest = 12)]
    public bool Poll_NeverReportsAGoalReached_BeforeEveryThreadOnlineAtItsIssuePassedIt(byte threadsSeed, ulong opsSeed, byte limitSeed, uint seed)
    {
        var threads = 2 + (threadsSeed % 2);
        var limit = 1 + (limitSeed % 3);
        var result = Explorer.Explore(rt => Run(rt, threads, opsSeed, limit), Exploring.Options with { Iterations = 80, Seed = seed });
        return result.Outcome == Outcome.Clean;
    }

    [Fact]
    public void TheGhost_CatchesAPollThatIgnoresAnOnlineThread() =>
        Exploring.FindsBug(rt => Run(rt, 2, 0x2323_2323_2323_2323UL, 1, pollWithoutScan: true), "has not passed it");

    private static void Run(SimRuntime rt, int threads, ulong opsSeed, int deferredLimit, bool pollWithoutScan = false)
    {
        var interp = MemoryKit.Interp(rt, ModelConfig.Cpython313 with { Qsbr = QsbrDesign.Cpython313 with { DeferredLimit = deferredLimit } });
        var ghost = new Ghost(rt);
        var main = interp.MainThreadState;
        ghost.Online(main);
        var workers = Enumerable.Range(0, threads).Select(i => rt.StartThread($"w{i}", () =>
        {
            var ts = interp.NewThreadState(rt.CurrentThread);
            ts.Attach();
            ghost.Online(ts);
            var bits = opsSeed >> (16 * i);
            long? goal = null;
            for (var k = 0; k < 8; k++)
            {
                switch ((bits >> (2 * k)) & 3)
                {
                    case 0:
                        ts.CheckPeriodic();
                        ghost.Quiescent(ts);
                        break;
                    case 1:
                        ts.Detach();
                        ghost.Offline(ts);
                        ts.Attach();
                        ghost.Online(ts);
                        break;
                    case 2:
                        goal = ts.Qsbr!.DeferredAdvance();
                        ghost.Issued(ts, goal.Value);
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

            ts.Detach();
            ghost.Offline(ts);
            ts.Delete();
        })).ToList();

        main.Detach();
        ghost.Offline(main);
        workers.ForEach(w => w.Join());
        main.Attach();
    }

    /// <summary>The property's own record of who was online when each goal was issued, and who has passed it since.</summary>
    private sealed class Ghost(SimRuntime rt)
    {
        private readonly HashSet<PyThreadState> _online = [];
        private readonly List<Issue> _issues = [];

        public void Online(PyThreadState ts) => _online.Add(ts);

        public void Offline(PyThreadState ts)
        {
            _online.Remove(ts);
            foreach (var issue in _issues)
            {
                issue.Waiting.Remove(ts);
            }
        }

        public void Quiescent(PyThreadState ts)
        {
            var seq = ts.Qsbr!.Seq.Peek();
            foreach (var issue in _issues.Where(i => QsbrSeq.Leq(i.Goal, seq)))
            {
                issue.Waiting.Remove(ts);
            }
        }

        public void Issued(PyThreadState by, long goal) => _issues.Add(new Issue(by, goal, [.. _online]));

        public void Reached(PyThreadState by, long goal)
        {
            var issue = _issues.Last(i => ReferenceEquals(i.By, by) && i.Goal == goal);
            if (issue.Waiting.FirstOrDefault() is { } late)
            {
                rt.Fail($"QSBR reported goal {goal} reached to {by}, but {late}, online when it was issued, has not passed it");
            }
        }

        private sealed record Issue(PyThreadState By, long Goal, HashSet<PyThreadState> Waiting);
    }
}
