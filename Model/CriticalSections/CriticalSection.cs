using Sim.Model.Interpreter;
using Sim.Model.Locks;
using Sim.Model.Objects;

namespace Sim.Model.CriticalSections;

/// <summary>
/// Python critical sections (<c>Include/cpython/critical_section.h</c>, <c>Include/internal/pycore_critical_section.h</c>,
/// <c>Python/critical_section.c</c>, 3.13): per-object locks that cannot deadlock through nesting, because a thread that
/// blocks releases them. Each begin pushes a <see cref="PyCriticalSection"/> on the thread's stack
/// (<c>tstate-&gt;critical_section</c>, <see cref="PyThreadState.CriticalSection"/>) and locks its mutex; a nested section
/// keeps the outer one locked until the thread would block. <see cref="SuspendAll"/> (on detach) unlocks every active
/// section and marks it inactive; <see cref="Resume"/> (on attach, or when a section ends above an inactive one) re-locks
/// only the top section. A section is therefore atomic only as long as its thread does not block.
/// </summary>
/// <remarks>
/// <para>
/// Each <c>Begin</c> returns a <see cref="CriticalSectionScope"/> whose disposal is the matching <c>END</c> macro:
/// <c>using (CriticalSection.Begin(tstate, op)) { ... }</c> is <c>Py_BEGIN_CRITICAL_SECTION(op) ... Py_END_CRITICAL_SECTION()</c>.
/// The thread state is passed explicitly where CPython reads <c>_PyThreadState_GET()</c>.
/// </para>
/// <para>
/// Deviations: the slow path of 3.13.0 is modelled; later releases (3.14) skip locking a mutex that the top section
/// already holds, which is not modelled [version-uncertain for the 3.13 point releases]. Mutex addresses are
/// <see cref="PyMutex.Address"/> (creation order). <c>Py_XBEGIN_CRITICAL_SECTION</c> (the seed's) sits in the internal
/// header in 3.13 [inferred]; the model gives it the seed's meaning: a null object locks nothing.
/// </para>
/// </remarks>
public static class CriticalSection
{
    /// <summary><c>Py_BEGIN_CRITICAL_SECTION(op)</c>: a section on the object's <c>ob_mutex</c>.</summary>
    public static CriticalSectionScope Begin(PyThreadState tstate, PyObjectPtr op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return BeginMutex(tstate, op.Block.ObMutex);
    }

    /// <summary>
    /// <c>Py_BEGIN_CRITICAL_SECTION_MUT(m)</c> (<c>_PyCriticalSection_BeginMutex</c>): the fast path locks with one CAS
    /// and pushes the section; otherwise <c>_PyCriticalSection_BeginSlow</c> pushes it first, with no mutex, then locks with
    /// <c>PyMutex_Lock</c>, which may detach and so suspend the new section together with the ones below it.
    /// </summary>
    public static CriticalSectionScope BeginMutex(PyThreadState tstate, PyMutex m)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        ArgumentNullException.ThrowIfNull(m);
        if (!Design(tstate).Enabled)
        {
            return default;
        }

        using var _ = tstate.Interp.Runtime.Enter($"Py_BEGIN_CRITICAL_SECTION({m.Name})");
        var c = new PyCriticalSection();
        BeginMutexInto(tstate, c, m);
        return new CriticalSectionScope(tstate, c, twoMutexes: false);
    }

    /// <summary><c>Py_XBEGIN_CRITICAL_SECTION(op)</c> (seed): as <see cref="Begin"/>, but a null object locks and unlocks nothing.</summary>
    public static CriticalSectionScope XBegin(PyThreadState tstate, PyObjectPtr? op) =>
        op is null ? default : Begin(tstate, op);

    /// <summary><c>Py_XBEGIN_CRITICAL_SECTION</c> over a mutex: a null mutex locks and unlocks nothing.</summary>
    public static CriticalSectionScope XBeginMutex(PyThreadState tstate, PyMutex? m) =>
        m is null ? default : BeginMutex(tstate, m);

    /// <summary><c>Py_BEGIN_CRITICAL_SECTION2(a, b)</c>: a section on both objects' <c>ob_mutex</c>.</summary>
    public static CriticalSectionScope Begin2(PyThreadState tstate, PyObjectPtr a, PyObjectPtr b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Begin2Mutex(tstate, a.Block.ObMutex, b.Block.ObMutex);
    }

    /// <summary>
    /// <c>Py_BEGIN_CRITICAL_SECTION2_MUT(m1, m2)</c> (<c>_PyCriticalSection2_BeginMutex</c>): the same mutex twice is a
    /// one-mutex section; otherwise the two are locked lower address first (<see cref="TwoMutexOrder"/>), with the fast path
    /// when both CASes succeed and <c>_PyCriticalSection2_BeginSlow</c> (push first, then lock) when either fails.
    /// </summary>
    public static CriticalSectionScope Begin2Mutex(PyThreadState tstate, PyMutex m1, PyMutex m2)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        ArgumentNullException.ThrowIfNull(m1);
        ArgumentNullException.ThrowIfNull(m2);
        var design = Design(tstate);
        if (!design.Enabled)
        {
            return default;
        }

        using var _ = tstate.Interp.Runtime.Enter($"Py_BEGIN_CRITICAL_SECTION2({m1.Name}, {m2.Name})");
        var c = new PyCriticalSection2();
        if (ReferenceEquals(m1, m2) && design.SameMutexTwiceLocksOnce)
        {
            // If the two mutex arguments are the same, treat this as a critical section with a single mutex.
            c.Mutex2 = null;
            BeginMutexInto(tstate, c, m1);
            return new CriticalSectionScope(tstate, c, twoMutexes: true);
        }

        if (design.TwoMutexOrder == TwoMutexOrder.AddressOrder && m2.Address < m1.Address)
        {
            // Sort the mutexes so that the lower address is locked first.
            (m1, m2) = (m2, m1);
        }

        if (m1.LockFast())
        {
            if (m2.LockFast())
            {
                c.Mutex = m1;
                c.Mutex2 = m2;
                c.Prev = tstate.CriticalSection;
                tstate.CriticalSection = new(c, CriticalSectionTag.TwoMutexes);
            }
            else
            {
                BeginSlow2(tstate, c, m1, m2, isM1Locked: true);
            }
        }
        else
        {
            BeginSlow2(tstate, c, m1, m2, isM1Locked: false);
        }

        return new CriticalSectionScope(tstate, c, twoMutexes: true);
    }

    /// <summary>
    /// <c>_Py_CRITICAL_SECTION_ASSERT_MUTEX_LOCKED(m)</c> (<c>_PyCriticalSection_AssertHeld</c>, a debug-build assertion that
    /// the model always checks): the top section holds <paramref name="m"/>. The <c>_lock_held</c> functions of the seed
    /// start with it. Nothing to check in the default build.
    /// </summary>
    public static void AssertHeld(PyThreadState tstate, PyMutex m, string function)
    {
        ArgumentNullException.ThrowIfNull(tstate);
        ArgumentNullException.ThrowIfNull(m);
        if (!Design(tstate).Enabled)
        {
            return;
        }

        var top = tstate.CriticalSection;
        var held = top.Section is { } c
            && (ReferenceEquals(c.Mutex, m) || (top.HasTwoMutexes && ReferenceEquals(((PyCriticalSection2)c).Mutex2, m)));
        tstate.Interp.Runtime.Check(held, $"{function} called by {tstate.Thread} without the critical section of {m.Name}: the mutex must be held by the top-most critical section");
    }

    /// <summary>
    /// <c>_PyCriticalSection_SuspendAll</c>, called by <c>_PyThreadState_Detach</c>: from the top down, every active section
    /// unlocks its mutexes (those it holds: a section still being locked has none) and is marked inactive.
    /// </summary>
    internal static void SuspendAll(PyThreadState tstate)
    {
        if (Design(tstate).Suspension == SectionSuspension.HeldWhileBlocked)
        {
            return;
        }

        using var _ = tstate.Interp.Runtime.Enter("_PyCriticalSection_SuspendAll");
        var tag = tstate.CriticalSection;
        if (!tag.IsActive)
        {
            return;
        }

        Release(tag);
        tstate.CriticalSection = tag.AsInactive();
        for (var c = tag.Section!; c.Prev.IsActive; c = c.Prev.Section!)
        {
            Release(c.Prev);
            c.Prev = c.Prev.AsInactive();
        }
    }

    /// <summary>
    /// <c>_PyCriticalSection_Resume</c>, called by <c>_PyThreadState_Attach</c> and when a section ends above an inactive
    /// one: re-locks the top section's mutexes (taking them out of the section while it locks, so that a detach in between
    /// finds nothing to unlock) and marks it active. The sections below stay suspended until they are the top.
    /// </summary>
    internal static void Resume(PyThreadState tstate)
    {
        var design = Design(tstate);
        if (design.Suspension == SectionSuspension.HeldWhileBlocked)
        {
            return;
        }

        using var _ = tstate.Interp.Runtime.Enter("_PyCriticalSection_Resume");
        var p = tstate.CriticalSection;
        tstate.Interp.Runtime.Check(!p.IsActive, $"{tstate.Thread}: _PyCriticalSection_Resume on an active section");
        if (design.Suspension == SectionSuspension.SuspendAllResumeAll)
        {
            ResumeAllFromTheBottom(tstate);
            return;
        }

        Relock(tstate, p);
        tstate.CriticalSection = tstate.CriticalSection.AsActive();
    }

    /// <summary>Ends a one-mutex section: <c>_PyCriticalSection_End</c> (unlock, then <see cref="Pop"/>).</summary>
    internal static void End(PyThreadState tstate, PyCriticalSection c)
    {
        using var _ = tstate.Interp.Runtime.Enter("Py_END_CRITICAL_SECTION");
        CheckIsTop(tstate, c);
        c.Mutex!.Unlock();
        Pop(tstate, c);
    }

    /// <summary>Ends a two-mutex section: <c>_PyCriticalSection2_End</c> (unlock the second mutex if any, then the first, then <see cref="Pop"/>).</summary>
    internal static void End2(PyThreadState tstate, PyCriticalSection2 c)
    {
        using var _ = tstate.Interp.Runtime.Enter("Py_END_CRITICAL_SECTION2");
        CheckIsTop(tstate, c);
        c.Mutex2?.Unlock();
        c.Mutex!.Unlock();
        Pop(tstate, c);
    }

    private static CriticalSectionDesign Design(PyThreadState tstate) => tstate.Interp.Config.CriticalSections;

    private static void BeginMutexInto(PyThreadState tstate, PyCriticalSection c, PyMutex m)
    {
        if (m.LockFast())
        {
            c.Mutex = m;
            c.Prev = tstate.CriticalSection;
            tstate.CriticalSection = new(c, 0);
        }
        else
        {
            BeginSlow(tstate, c, m);
        }
    }

    /// <summary><c>_PyCriticalSection_BeginSlow</c>: push the section with no mutex, then lock (maybe detaching), then record the mutex.</summary>
    private static void BeginSlow(PyThreadState tstate, PyCriticalSection c, PyMutex m)
    {
        using var _ = tstate.Interp.Runtime.Enter("_PyCriticalSection_BeginSlow");
        c.Mutex = null;
        c.Prev = tstate.CriticalSection;
        tstate.CriticalSection = new(c, 0);
        m.Lock();
        c.Mutex = m;
    }

    /// <summary><c>_PyCriticalSection2_BeginSlow</c>: push with no mutexes, lock the first unless the fast path did, lock the second.</summary>
    private static void BeginSlow2(PyThreadState tstate, PyCriticalSection2 c, PyMutex m1, PyMutex m2, bool isM1Locked)
    {
        using var _ = tstate.Interp.Runtime.Enter("_PyCriticalSection2_BeginSlow");
        c.Mutex = null;
        c.Mutex2 = null;
        c.Prev = tstate.CriticalSection;
        tstate.CriticalSection = new(c, CriticalSectionTag.TwoMutexes);
        if (!isM1Locked)
        {
            m1.Lock();
        }

        m2.Lock();
        c.Mutex = m1;
        c.Mutex2 = m2;
    }

    /// <summary>
    /// <c>_PyCriticalSection_Pop</c>: the section below becomes the top; if it is inactive (suspended while this one ran),
    /// it is resumed now.
    /// </summary>
    private static void Pop(PyThreadState tstate, PyCriticalSection c)
    {
        var prev = c.Prev;
        tstate.CriticalSection = prev;
        if ((prev.Flags & CriticalSectionTag.Inactive) != 0)
        {
            Resume(tstate);
        }
    }

    private static void Release(CriticalSectionTag tag)
    {
        var c = tag.Section!;
        if (c.Mutex is { } m)
        {
            m.Unlock();
            if (tag.HasTwoMutexes && ((PyCriticalSection2)c).Mutex2 is { } m2)
            {
                m2.Unlock();
            }
        }
    }

    /// <summary>The body of <c>_PyCriticalSection_Resume</c> for the section <paramref name="p"/> points to.</summary>
    private static void Relock(PyThreadState tstate, CriticalSectionTag p)
    {
        var c = p.Section!;
        var m1 = c.Mutex;
        c.Mutex = null;
        PyMutex? m2 = null;
        if (p.HasTwoMutexes)
        {
            var c2 = (PyCriticalSection2)c;
            m2 = c2.Mutex2;
            c2.Mutex2 = null;
        }

        m1?.Lock();
        m2?.Lock();
        c.Mutex = m1;
        if (m2 is not null)
        {
            ((PyCriticalSection2)c).Mutex2 = m2;
        }
    }

    /// <summary>The broken <see cref="SectionSuspension.SuspendAllResumeAll"/>: every inactive section, outermost first.</summary>
    private static void ResumeAllFromTheBottom(PyThreadState tstate)
    {
        // Where each tag of the stack is stored: null for tstate->critical_section, else the section whose _cs_prev it is.
        var holders = new List<PyCriticalSection?> { null };
        for (var c = tstate.CriticalSection.Section; c is not null && !c.Prev.IsNull; c = c.Prev.Section)
        {
            holders.Add(c);
        }

        for (var i = holders.Count - 1; i >= 0; i--)
        {
            var holder = holders[i];
            var tag = holder?.Prev ?? tstate.CriticalSection;
            if (tag.IsNull || tag.IsActive)
            {
                continue;
            }

            Relock(tstate, tag);
            if (holder is not null)
            {
                holder.Prev = holder.Prev.AsActive();
            }
            else
            {
                tstate.CriticalSection = tstate.CriticalSection.AsActive();
            }
        }
    }

    private static void CheckIsTop(PyThreadState tstate, PyCriticalSection c) =>
        tstate.Interp.Runtime.Check(
            ReferenceEquals(tstate.CriticalSection.Section, c),
            $"{tstate.Thread} ends a critical section that is not the top of its stack: sections must end in reverse order of their begins");
}
