using Sim.Model.Objects;
using Sim.Runtime.Cells;

namespace Sim.Model.Gc;

/// <summary>What happens to the garbage once found: weak references, finalizers, resurrection, <c>delete_garbage</c>.</summary>
internal sealed partial class GcCollection
{
    /// <summary>
    /// <c>clear_weakrefs</c>, with the world stopped: an unreachable weakref is cleared (its callback must never run); every
    /// weakref to an unreachable object is cleared (<c>_PyWeakref_ClearRef</c>, no lock needed with the world stopped), and one
    /// with a callback that is not itself unreachable gets a reference and joins <c>wrcb_to_call</c>.
    /// </summary>
    private void ClearWeakrefs()
    {
        using var _ = _rt.Enter("clear_weakrefs");
        var weakrefs = _interp.Weakrefs;
        foreach (var op in _unreachable.Items())
        {
            if (weakrefs.IsWeakref(op))
            {
                weakrefs.ClearRef(weakrefs.AsWeakref(op));
            }

            if (!op.Type.SupportsWeakrefs)
            {
                continue;
            }

            while (weakrefs.ListHead(op) is { } wr)
            {
                weakrefs.ClearRef(wr);
                if (wr.LoadCallback() is null || (Header(wr.Ptr).LoadGcBits() & PyGcBits.Unreachable) != 0)
                {
                    continue;
                }

                // Create a new reference so that wr can't go away before we can process it again.
                MergeRefcount(wr.Ptr, 1);
                _wrcbToCall.Push(wr.Ptr);
            }
        }
    }

    /// <summary>
    /// <c>call_weakref_callbacks</c>, with the world running: each queued weakref's callback is called with it
    /// (<see cref="Objects.Weakrefs.PyWeakrefs.CallbackHook"/>), then the worklist's reference is dropped.
    /// </summary>
    private void CallWeakrefCallbacks()
    {
        var weakrefs = _interp.Weakrefs;
        while (_wrcbToCall.Pop() is { } op)
        {
            var wr = weakrefs.AsWeakref(op);
            if (wr.LoadCallback() is { } callback)
            {
                weakrefs.CallbackHook?.Invoke(wr, callback); // handle_callback's PyObject_CallOneArg(callback, wr)
            }

            _interp.Refcount.DecRef(op); // drop worklist reference
        }
    }

    /// <summary><c>cleanup_worklist</c>: pops each object, restores <c>ob_tid</c>, clears the unreachable bit, drops the reference.</summary>
    private void CleanupWorklist(Worklist worklist)
    {
        while (worklist.Pop() is { } op)
        {
            RestoreTid(op);
            ClearUnreachable(op);
            _interp.Refcount.DecRef(op);
        }
    }

    /// <summary>
    /// <c>finalize_garbage</c>, with the world running: each unreachable object whose <c>tp_finalize</c> has not run gets
    /// FINALIZED and its finalizer, which may lock, take and drop references, and resurrect objects.
    /// </summary>
    private void FinalizeGarbage()
    {
        using var _ = _rt.Enter("finalize_garbage");
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            var bits = h.LoadGcBits();
            if ((bits & PyGcBits.Finalized) == 0 && op.Type.Finalize is { } finalize)
            {
                h.StoreGcBits(bits | PyGcBits.Finalized); // _PyGC_SET_FINALIZED
                finalize(op);
            }
        }
    }

    /// <summary>
    /// <c>handle_resurrected_objects</c>, with the world stopped again: recompute the outside references of each unreachable
    /// object in <c>ob_ref_local</c> (its merged count less the worklist's reference, less each reference from another
    /// unreachable object); an object with any (a finalizer stored a reference somewhere) and all it reaches are
    /// resurrected: they leave the worklist with their header restored (<see cref="ResurrectedHeader"/>).
    /// </summary>
    private void HandleResurrectedObjects()
    {
        using var _ = _rt.Enter("handle_resurrected_objects");
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            if ((h.LoadGcBits() & PyGcBits.Tracked) == 0)
            {
                // Object was untracked by a finalizer. Schedule it for a Py_DECREF after the stop-the-world pause.
                ClearUnreachable(op);
                _unreachable.Remove(op);
                _objsToDecref.Push(op);
                continue;
            }

            var refcount = RefcountBits.Count(h.LoadShared(MemoryOrder.Relaxed));

            // Subtract one to account for the reference from the worklist.
            h.InitializeLocal(unchecked((uint)(h.LoadLocal() + refcount - 1)));
            foreach (var child in Children(op))
            {
                // visit_decref_unreachable
                var c = Header(child);
                if ((c.LoadGcBits() & (PyGcBits.Unreachable | PyGcBits.Tracked)) == (PyGcBits.Unreachable | PyGcBits.Tracked))
                {
                    c.InitializeLocal(unchecked(c.LoadLocal() - 1));
                }
            }
        }

        // Find resurrected objects.
        var anyResurrected = false;
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            var gcRefs = unchecked((int)h.LoadLocal());
            if (Design.Resurrected == ResurrectedHeader.Restore)
            {
                h.InitializeLocal(0); // restore ob_ref_local
            }

            _rt.Check(gcRefs >= 0, $"gc: {op} has gc_refs {gcRefs} after its finalizers ran");
            if ((h.LoadGcBits() & PyGcBits.Unreachable) != 0 && gcRefs > 0)
            {
                anyResurrected = true;
                ClearUnreachable(op);
                MarkReachable(op);
            }
        }

        if (!anyResurrected)
        {
            return;
        }

        // Remove resurrected objects from the unreachable list.
        foreach (var op in _unreachable.Items())
        {
            var h = Header(op);
            if ((h.LoadGcBits() & PyGcBits.Unreachable) != 0)
            {
                continue;
            }

            _rt.Note($"gc: {op} was resurrected by a finalizer");
            if (Design.Resurrected == ResurrectedHeader.Restore)
            {
                _unreachable.Remove(op);
                MergeRefcount(op, -1); // remove worklist reference
            }
            else
            {
                _unreachable.Remove(op, restoreTid: false);
                h.StoreShared(h.LoadShared(MemoryOrder.Relaxed) - RefcountBits.SharedOne, MemoryOrder.Relaxed);
            }
        }
    }

    /// <summary>
    /// <c>delete_garbage</c>, with the world running: each object popped from the worklist (<c>ob_tid</c> back to 0) loses
    /// its unreachable bit and, if still tracked, is cleared (<c>tp_clear</c>, which breaks the cycle); then the worklist's
    /// reference is dropped, which deallocates it once the other members of the cycle have dropped theirs.
    /// </summary>
    private void DeleteGarbage()
    {
        using var _ = _rt.Enter("delete_garbage");
        while (_objsToDecref.Pop() is { } dead)
        {
            _interp.Refcount.DecRef(dead);
        }

        while (_unreachable.Pop() is { } op)
        {
            ClearUnreachable(op);
            if ((Header(op).LoadGcBits() & PyGcBits.Tracked) != 0)
            {
                Collected++;
                _interp.Gc.Objects.ClearSlots(op); // tp_clear
            }

            _interp.Refcount.DecRef(op); // drop the reference from the worklist
        }
    }
}
