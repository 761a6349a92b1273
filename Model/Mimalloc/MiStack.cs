using System.Collections.Immutable;

namespace Sim.Model.Mimalloc;

/// <summary>
/// An immutable stack that a lock-free list head (<c>xthread_free</c>, the abandoned pool) points to: pushing or popping
/// makes a new one, swapped in with a CAS, so there is no ABA. Prints its elements, for traces.
/// </summary>
/// <typeparam name="T">The elements: blocks, pages or slices.</typeparam>
public sealed class MiStack<T>
    where T : class
{
    private readonly ImmutableStack<T> _items;

    /// <summary>Creates an empty stack.</summary>
    public MiStack()
        : this(ImmutableStack<T>.Empty)
    {
    }

    private MiStack(ImmutableStack<T> items) => _items = items;

    /// <summary>True if empty.</summary>
    public bool IsEmpty => _items.IsEmpty;

    /// <summary>The elements, top first.</summary>
    public IEnumerable<T> Items => _items;

    /// <summary>A stack with <paramref name="item"/> on top.</summary>
    public MiStack<T> Push(T item) => new(_items.Push(item));

    /// <summary>The stack without its top, and the top.</summary>
    public MiStack<T> Pop(out T item) => new(_items.Pop(out item));

    /// <inheritdoc/>
    public override string ToString() => _items.IsEmpty ? "[]" : $"[{string.Join(", ", _items)}]";
}
