namespace Sim.Runtime.Stress;

/// <summary>
/// The seeded random numbers of production mode: SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
/// number generators", OOPSLA 2014). Each simulated thread draws its noise and its choices from streams derived from the
/// run's seed and the thread's id, so that the same seed gives each thread the same decisions whatever the others do.
/// </summary>
internal static class StressRandom
{
    /// <summary>Advances <paramref name="state"/> and returns the next 64 random bits.</summary>
    public static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The initial state of stream <paramref name="stream"/> of thread <paramref name="threadId"/> in the run seeded with <paramref name="seed"/>.</summary>
    public static ulong Stream(uint seed, int threadId, int stream)
    {
        var state = ((ulong)seed << 32) ^ ((ulong)(uint)threadId << 8) ^ (uint)stream;
        return Next(ref state);
    }

    /// <summary>An integer in [0, <paramref name="count"/>) from <paramref name="state"/>.</summary>
    public static int Below(ref ulong state, int count) => (int)((Next(ref state) >> 32) * (ulong)count >> 32);
}
