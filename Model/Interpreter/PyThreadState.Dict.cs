namespace Sim.Model.Interpreter;

/// <summary>The thread's dictionary (<c>tstate-&gt;dict</c>), where <c>threading.local</c> keeps each thread's values.</summary>
public sealed partial class PyThreadState
{
    private readonly List<(string Key, Action Dealloc)> _dict = [];

    /// <summary>
    /// Stores a value in the thread's dictionary (as <c>threading.local</c> does, <c>PyThreadState_GetDict</c>), whose
    /// deallocation runs <paramref name="dealloc"/> when the dictionary is cleared: by <see cref="Clear"/>, on whichever
    /// thread clears the state (the thread itself at its exit, or another one in <see cref="PyInterpreterState.DeleteList"/>).
    /// Only the owning thread calls it, attached.
    /// </summary>
    /// <param name="key">The key, for traces.</param>
    /// <param name="dealloc">What the value's deallocation does (its <c>__del__</c>, its weakref callbacks).</param>
    public void SetDictItem(string key, Action dealloc)
    {
        ArgumentNullException.ThrowIfNull(dealloc);
        _dict.Add((key, dealloc));
    }

    /// <summary><c>Py_CLEAR(tstate-&gt;dict)</c>: the values' deallocations run, in insertion order.</summary>
    private void ClearDict()
    {
        while (_dict.Count > 0)
        {
            var (key, dealloc) = _dict[0];
            _dict.RemoveAt(0);
            using var _ = Interp.Runtime.Enter($"tstate->dict[{key}] deallocated");
            dealloc();
        }
    }
}
