using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using CriticalSectionApi = Sim.Model.CriticalSections.CriticalSection;

namespace Sim.Model.Collections;

/// <summary>
/// <c>collections.deque</c> (<c>dequeobject</c>, <c>Modules/_collectionsmodule.c</c>, 3.13), reduced to the methods that
/// mutate it at either end and its length. As the seed says ("Use critical sections to make deque methods that operate on
/// mutable state thread-safe when the GIL is disabled ... mostly accomplished by using the @critical_section Argument
/// Clinic directive"), each mutating method is a wrapper that holds the deque's critical section around a
/// <c>_lock_held</c> body, which asserts it (<c>_Py_CRITICAL_SECTION_ASSERT_OBJECT_LOCKED</c>). <c>ob_size</c> is read and
/// written with relaxed atomics (<c>Py_SIZE</c>, <c>Py_SET_SIZE</c> in the free-threaded build), so <c>len()</c> needs no
/// lock; the indices, the items and <c>state</c> are plain fields.
/// </summary>
/// <remarks>
/// Deviations: the deque is not a heap object, its <c>ob_mutex</c> is a <see cref="PyMutex"/> of its own; its items are
/// numbers (no references to count); its storage is one circular block of <see cref="Capacity"/> slots instead of a
/// linked list of 64-slot blocks (so no block is allocated or freed, and the indices wrap instead of being re-centred when
/// the deque empties); <c>maxlen</c> is not modelled. Exceeding the capacity is an error of the scenario.
/// </remarks>
public sealed class DequeObject
{
    /// <summary>The number of slots.</summary>
    public const int Capacity = 16;

    private readonly SimRuntime _rt;
    private readonly PlainCell<int>[] _data;

    /// <summary>Creates an empty deque (<c>deque_new</c>: <c>leftindex = CENTER + 1</c>, <c>rightindex = CENTER</c>).</summary>
    public DequeObject(SimRuntime runtime, string name)
    {
        _rt = runtime;
        Name = name;
        ObMutex = new PyMutex(runtime, $"{name}.ob_mutex");
        Size = new AtomicLong(runtime, $"{name}.ob_size");
        LeftIndex = new PlainCell<int>(runtime, $"{name}.leftindex", 1);
        RightIndex = new PlainCell<int>(runtime, $"{name}.rightindex", 0);
        State = new PlainCell<long>(runtime, $"{name}.state");
        _data = [.. Enumerable.Range(0, Capacity).Select(i => new PlainCell<int>(runtime, $"{name}.data[{i}]"))];
    }

    /// <summary>The deque's name.</summary>
    public string Name { get; }

    /// <summary><c>ob_mutex</c>: the lock its critical section takes.</summary>
    public PyMutex ObMutex { get; }

    /// <summary><c>ob_size</c>.</summary>
    public AtomicLong Size { get; }

    /// <summary><c>leftindex</c>: the slot of the leftmost item.</summary>
    public PlainCell<int> LeftIndex { get; }

    /// <summary><c>rightindex</c>: the slot of the rightmost item.</summary>
    public PlainCell<int> RightIndex { get; }

    /// <summary><c>state</c>: incremented by every mutation, so that iterators notice one.</summary>
    public PlainCell<long> State { get; }

    /// <summary>The items from left to right, read without scheduling points (for checks).</summary>
    public IReadOnlyList<int> ItemsForCheck
    {
        get
        {
            var size = (int)Size.Peek();
            var left = LeftIndex.Peek();
            return [.. Enumerable.Range(0, Math.Clamp(size, 0, Capacity)).Select(i => _data[Wrap(left + i)].Peek())];
        }
    }

    /// <summary><c>deque.append(x)</c> (<c>deque_append</c>, <c>@critical_section</c>).</summary>
    public void Append(PyThreadState tstate, int item)
    {
        using var _ = _rt.Enter($"deque_append({Name})");
        using (CriticalSectionApi.BeginMutex(tstate, ObMutex))
        {
            AppendLockHeld(tstate, item);
        }
    }

    /// <summary><c>deque.appendleft(x)</c> (<c>deque_appendleft</c>, <c>@critical_section</c>).</summary>
    public void AppendLeft(PyThreadState tstate, int item)
    {
        using var _ = _rt.Enter($"deque_appendleft({Name})");
        using (CriticalSectionApi.BeginMutex(tstate, ObMutex))
        {
            AppendLeftLockHeld(tstate, item);
        }
    }

    /// <summary><c>deque.pop()</c> (<c>deque_pop_impl</c>, <c>@critical_section</c>): the rightmost item, or null (<c>IndexError</c>) if empty.</summary>
    public int? Pop(PyThreadState tstate)
    {
        using var _ = _rt.Enter($"deque_pop({Name})");
        using (CriticalSectionApi.BeginMutex(tstate, ObMutex))
        {
            CriticalSectionApi.AssertHeld(tstate, ObMutex, "deque_pop_impl");
            var size = Size.Load(MemoryOrder.Relaxed);
            if (size == 0)
            {
                return null; // IndexError: pop from an empty deque
            }

            var right = RightIndex.Read();
            var item = _data[right].Read();
            RightIndex.Write(Wrap(right - 1));
            Size.Store(size - 1, MemoryOrder.Relaxed);
            State.Write(State.Read() + 1);
            return item;
        }
    }

    /// <summary><c>deque.popleft()</c> (<c>deque_popleft_impl</c>, <c>@critical_section</c>): the leftmost item, or null if empty.</summary>
    public int? PopLeft(PyThreadState tstate)
    {
        using var _ = _rt.Enter($"deque_popleft({Name})");
        using (CriticalSectionApi.BeginMutex(tstate, ObMutex))
        {
            CriticalSectionApi.AssertHeld(tstate, ObMutex, "deque_popleft_impl");
            var size = Size.Load(MemoryOrder.Relaxed);
            if (size == 0)
            {
                return null; // IndexError: pop from an empty deque
            }

            var left = LeftIndex.Read();
            var item = _data[left].Read();
            LeftIndex.Write(Wrap(left + 1));
            Size.Store(size - 1, MemoryOrder.Relaxed);
            State.Write(State.Read() + 1);
            return item;
        }
    }

    /// <summary><c>len(deque)</c> (<c>deque_len</c>): a relaxed load of <c>ob_size</c>, no lock.</summary>
    public long Len() => Size.Load(MemoryOrder.Relaxed);

    /// <summary>Checks, without scheduling points, that <c>ob_size</c> agrees with the indices.</summary>
    public void CheckConsistent()
    {
        var size = Size.Peek();
        var span = Wrap(RightIndex.Peek() - LeftIndex.Peek() + 1);
        _rt.Check(size >= 0 && size < Capacity && span == size, $"{Name} is corrupt: ob_size is {size} but leftindex {LeftIndex.Peek()} and rightindex {RightIndex.Peek()} span {span} items");
    }

    /// <summary><c>deque_append_lock_held</c>: <c>Py_SET_SIZE(deque, Py_SIZE(deque) + 1)</c>, <c>rightindex++</c>, store the item, <c>state++</c>.</summary>
    private void AppendLockHeld(PyThreadState tstate, int item)
    {
        CriticalSectionApi.AssertHeld(tstate, ObMutex, "deque_append_lock_held");
        var size = Size.Load(MemoryOrder.Relaxed);
        _rt.Check(size < Capacity - 1, $"{Name}: the model's deque holds at most {Capacity - 1} items");
        Size.Store(size + 1, MemoryOrder.Relaxed);
        var right = Wrap(RightIndex.Read() + 1);
        RightIndex.Write(right);
        _data[right].Write(item);
        State.Write(State.Read() + 1);
    }

    /// <summary><c>deque_appendleft_lock_held</c>: the mirror image at the left end.</summary>
    private void AppendLeftLockHeld(PyThreadState tstate, int item)
    {
        CriticalSectionApi.AssertHeld(tstate, ObMutex, "deque_appendleft_lock_held");
        var size = Size.Load(MemoryOrder.Relaxed);
        _rt.Check(size < Capacity - 1, $"{Name}: the model's deque holds at most {Capacity - 1} items");
        Size.Store(size + 1, MemoryOrder.Relaxed);
        var left = Wrap(LeftIndex.Read() - 1);
        LeftIndex.Write(left);
        _data[left].Write(item);
        State.Write(State.Read() + 1);
    }

    private static int Wrap(int index) => ((index % Capacity) + Capacity) % Capacity;
}
