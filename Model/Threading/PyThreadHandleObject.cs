namespace Sim.Model.Threading;

/// <summary>
/// <c>PyThreadHandleObject</c>, Python's <c>_thread._ThreadHandle</c> (<c>Modules/_threadmodule.c</c>, 3.13): a Python
/// object that wraps one reference to a <see cref="ThreadHandle"/>. <c>threading.Thread</c> keeps one in <c>_handle</c>.
/// </summary>
/// <remarks>
/// Deviation: the Python object's own reference count is not modelled; <see cref="Dealloc"/> stands for the moment its
/// last reference goes (<c>PyThreadHandleObject_dealloc</c>), whoever drops it (a decref, a collection, the fork child's
/// clean-up).
/// </remarks>
public sealed class PyThreadHandleObject
{
    private int _deallocated;

    internal PyThreadHandleObject(ThreadHandle handle) => Handle = handle;

    /// <summary>The wrapped handle.</summary>
    public ThreadHandle Handle { get; }

    /// <summary>The <c>ident</c> property (<c>ThreadHandle_ident</c>).</summary>
    public long Ident => Handle.GetIdent();

    /// <summary><c>join([timeout])</c> (<see cref="ThreadHandle.Join"/>); true if the thread was joined.</summary>
    public bool Join(long timeoutNanos = -1) => Handle.Join(timeoutNanos);

    /// <summary><c>is_done()</c>.</summary>
    public bool IsDone() => Handle.IsDone();

    /// <summary><c>_set_done()</c>.</summary>
    public void SetDone() => Handle.SetDone();

    /// <summary><c>PyThreadHandleObject_dealloc</c>: drops the object's reference to the handle (<c>ThreadHandle_decref</c>).</summary>
    /// <exception cref="InvalidOperationException">The object was already deallocated (a model error).</exception>
    public void Dealloc()
    {
        if (Interlocked.Exchange(ref _deallocated, 1) != 0)
        {
            throw new InvalidOperationException($"{this} is deallocated twice");
        }

        Handle.Decref();
    }

    /// <inheritdoc/>
    public override string ToString() => $"<_thread._ThreadHandle {Handle.Name}>";
}
