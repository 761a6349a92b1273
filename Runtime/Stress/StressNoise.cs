using System.Runtime.CompilerServices;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Stress;

/// <summary>
/// Seeded noise at the Runtime's own points in a stress run (every cell access, park, unpark, join and yield): with
/// probability <c>rate</c> the thread pauses there, either yielding its core (<see cref="Thread.Yield"/>, which on a
/// machine with fewer cores than threads lets another thread run for a while) or spinning for a random number of rounds
/// (<see cref="Thread.SpinWait"/>, 1 to 512), so that the few instructions between two accesses are sometimes long
/// enough for another thread's steps to land in them. The decisions come from each thread's noise stream, seeded from
/// the run's seed. CPython's own stress habit is the same idea from the other side: a lowered
/// <c>sys.setswitchinterval</c>. Each point also stops the thread once its run has ended.
/// </summary>
internal sealed class StressNoise
{
    /// <summary>The longest spin is 2^(SpinShapes - 1) rounds of <see cref="Thread.SpinWait"/>.</summary>
    private const int SpinShapes = 10;

    private readonly SimRuntime _runtime;
    private readonly uint _threshold;

    /// <param name="runtime">The run's runtime.</param>
    /// <param name="rate">The probability of a pause at each point, from 0 to 1.</param>
    public StressNoise(SimRuntime runtime, double rate)
    {
        _runtime = runtime;
        _threshold = (uint)Math.Round(Math.Clamp(rate, 0, 1) * uint.MaxValue);
    }

    /// <summary>
    /// A Runtime point of the current thread (every cell access of a stress run takes one): sometimes pauses it, then
    /// stops it if its run ended or it vanished in a fork. A vanished thread is stopped before the access, and again at
    /// each access its unwinding makes (a <c>finally</c> that unlocks a mutex), so it does nothing in the child's memory;
    /// the check comes after the pause, so that a fork during the pause stops the access it preceded. Only an access
    /// already past the check when the fork marks the thread (a few instructions) still lands.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Point()
    {
        var me = SimThread.Current;
        if (me?.Production is { } thread)
        {
            thread.Points++;
            var r = _threshold == 0 ? 0 : thread.NextNoise();
            if ((uint)r < _threshold)
            {
                thread.Pauses++;
                Pause((uint)(r >> 32));
            }
        }

        // After the pause, right before the access: a fork during the pause stops the thread here.
        if (_runtime.HasEnded)
        {
            throw new RunEndedException();
        }

        if (me is { IsGone: true })
        {
            throw new ThreadGoneException(me);
        }
    }

    private static void Pause(uint r)
    {
        if ((r & 1) == 0)
        {
            Thread.Yield();
        }
        else
        {
            Thread.SpinWait(1 << (int)((r >> 1) % SpinShapes));
        }
    }
}
