using Sim.Runtime.Threads;

namespace Sim.Model.Mimalloc;

/// <summary>
/// A pointer a thread holds without owning a reference: a lock-free reader between loading a pointer from shared memory
/// and either taking a reference or giving it up (<c>ob_item</c> of a list, an item in it). QSBR exists so that the
/// memory behind such a pointer stays what it was until the reader passes a quiescent state; the heap checks exactly
/// that: freeing a held raw block, or freeing the page of a held object, is reported as it happens. Dispose to release.
/// </summary>
/// <remarks>Instrumentation: holding and releasing are not scheduling points.</remarks>
public sealed class PointerHold : IDisposable
{
    private readonly MiHeapChecker _checker;

    internal PointerHold(MiHeapChecker checker, SimThread thread, MiPtr ptr, string why)
    {
        _checker = checker;
        Thread = thread;
        Ptr = ptr;
        Why = why;
    }

    /// <summary>The thread that holds the pointer.</summary>
    public SimThread Thread { get; }

    /// <summary>The pointer.</summary>
    public MiPtr Ptr { get; }

    /// <summary>What the thread is doing with it (<c>a lock-free read of L[0]</c>).</summary>
    public string Why { get; }

    /// <summary>Releases the pointer.</summary>
    public void Dispose() => _checker.Release(this);

    /// <inheritdoc/>
    public override string ToString() => $"{Thread} holds {Ptr.Name} ({Why})";
}
