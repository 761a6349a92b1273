using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Objects.Dict;

/// <summary>Marking a dict shared (<c>_PyObject_GC_SET_SHARED</c>), which decides whether old keys wait for QSBR.</summary>
public sealed partial class PyDictObject
{
    /// <summary>
    /// <c>ensure_shared_on_read</c>: the first time a thread that does not own the dict reads it, it marks the dict shared
    /// in the dict's critical section, so that a concurrent resize delays freeing the old keys or values with QSBR.
    /// </summary>
    private void EnsureSharedOnRead(PyObjectPtr mp)
    {
        var h = _interp.Objects.Header(mp);
        if (h.IsOwnedByCurrentThread() || IsShared(mp))
        {
            return;
        }

        using var _ = _rt.Enter($"ensure_shared_on_read({mp})");
        using (CriticalSectionApi.Begin(TState, mp))
        {
            if (!IsShared(mp))
            {
                h.StoreGcBits(h.LoadGcBits() | PyGcBits.Shared);
            }
        }
    }

    /// <summary>
    /// <c>ensure_shared_on_resize</c>, in the dict's critical section: a thread that resizes a dict it does not own marks it
    /// shared, so that the owner's lock-free reads are protected from the resize's frees.
    /// </summary>
    private void EnsureSharedOnResize(PyObjectPtr mp)
    {
        CriticalSectionApi.AssertHeld(TState, mp.Block.ObMutex, "ensure_shared_on_resize");
        var h = _interp.Objects.Header(mp);
        if (!h.IsOwnedByCurrentThread() && !IsShared(mp))
        {
            h.StoreGcBits(h.LoadGcBits() | PyGcBits.Shared);
        }
    }

    /// <summary><c>IS_DICT_SHARED</c>: <c>_PyObject_GC_IS_SHARED</c>, a relaxed load of <c>ob_gc_bits</c>.</summary>
    private bool IsShared(PyObjectPtr mp) => (_interp.Objects.Header(mp).LoadGcBits() & PyGcBits.Shared) != 0;
}
