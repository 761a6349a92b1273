using Sim.Model.Objects;
using Sim.Runtime.Cells;

namespace Sim.Model.Gc;

/// <summary>The worklists linked through <c>ob_tid</c>.</summary>
internal sealed partial class GcCollection
{
    /// <summary>
    /// <c>struct worklist</c>: a stack of objects linked through <c>ob_tid</c> (<c>worklist_push</c>, <c>worklist_pop</c>,
    /// <c>worklist_remove</c>); the head is the collector's local variable.
    /// </summary>
    private sealed class Worklist(GcCollection gc, string name)
    {
        private long _head;

        public int Count => Items().Count;

        /// <summary><c>worklist_push</c>: <c>op-&gt;ob_tid = head; head = op</c>.</summary>
        public void Push(PyObjectPtr op)
        {
            gc.Header(op).StoreTid(_head, MemoryOrder.Relaxed);
            _head = gc.LinkOf(op);
        }

        /// <summary><c>worklist_pop</c>: the head, whose <c>ob_tid</c> goes back to 0 (a relaxed atomic store), or null.</summary>
        public PyObjectPtr? Pop()
        {
            if (_head == 0)
            {
                return null;
            }

            var op = gc._byLink[_head];
            var h = gc.Header(op);
            _head = h.LoadTid(MemoryOrder.Relaxed);
            h.StoreTid(0, MemoryOrder.Relaxed);
            return op;
        }

        /// <summary><c>WORKSTACK_FOR_EACH</c>: the objects from the head, following <c>ob_tid</c>.</summary>
        public List<PyObjectPtr> Items()
        {
            var items = new List<PyObjectPtr>();
            for (var link = _head; link != 0;)
            {
                if (!gc._byLink.TryGetValue(link, out var op))
                {
                    gc._rt.Fail($"gc: the {name} worklist is corrupt: a link holds {link}, which is no object's address");
                    return items;
                }

                items.Add(op);
                link = op.Block.ObTid.Peek();
            }

            return items;
        }

        /// <summary><c>worklist_remove</c>: unlinks <paramref name="op"/> and, as C does, zeroes its <c>ob_tid</c>.</summary>
        public void Remove(PyObjectPtr op, bool restoreTid = true)
        {
            var h = gc.Header(op);
            var next = h.LoadTid(MemoryOrder.Relaxed);
            if (_head == gc.LinkOf(op))
            {
                _head = next;
            }
            else
            {
                var prev = Items().First(p => p.Block.ObTid.Peek() == gc.LinkOf(op));
                gc.Header(prev).StoreTid(next, MemoryOrder.Relaxed);
            }

            if (restoreTid)
            {
                h.StoreTid(0, MemoryOrder.Relaxed);
            }
        }
    }
}
