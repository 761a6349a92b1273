namespace Sim.Model.Qsbr;

/// <summary>
/// <c>array</c> and <c>size</c> of <c>struct _qsbr_shared</c>: the per-thread QSBR states, padded to a cache line each in C.
/// Replaced as a whole when it grows.
/// </summary>
/// <param name="Slots">The states.</param>
public sealed record QsbrArray(IReadOnlyList<QsbrThreadState> Slots)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Slots.Count} slots";
}
