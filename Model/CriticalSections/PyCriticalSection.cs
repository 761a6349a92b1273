using Sim.Model.Locks;

namespace Sim.Model.CriticalSections;

/// <summary>
/// <c>PyCriticalSection</c> (<c>Include/cpython/critical_section.h</c>, 3.13): one entry of a thread's stack of critical
/// sections. <c>_cs_prev</c> is the tagged pointer to the entry below (<see cref="CriticalSectionTag"/>); <c>_cs_mutex</c>
/// is the mutex the section holds, or null while the section is being locked or resumed. Only its thread touches it, as
/// in CPython, where it lives on that thread's C stack.
/// </summary>
public class PyCriticalSection
{
    /// <summary><c>_cs_prev</c>: the section below, with its tag bits.</summary>
    internal CriticalSectionTag Prev { get; set; }

    /// <summary><c>_cs_mutex</c>.</summary>
    internal PyMutex? Mutex { get; set; }
}

/// <summary>
/// <c>PyCriticalSection2</c>: a section over two mutexes (<c>_cs_base</c> holds the lower-addressed one, <c>_cs_mutex2</c>
/// the other). Pushed with the <see cref="CriticalSectionTag.TwoMutexes"/> tag, except when both arguments are the same
/// mutex, which is a one-mutex section.
/// </summary>
public sealed class PyCriticalSection2 : PyCriticalSection
{
    /// <summary><c>_cs_mutex2</c>.</summary>
    internal PyMutex? Mutex2 { get; set; }
}

/// <summary>
/// A tagged pointer to a critical section: <c>tstate-&gt;critical_section</c> and <c>_cs_prev</c>
/// (<c>Include/internal/pycore_critical_section.h</c>, 3.13). The two low bits of the pointer are flags:
/// <code>
///   bit 0  _Py_CRITICAL_SECTION_INACTIVE     the section's mutexes were released by a detach (suspended)
///   bit 1  _Py_CRITICAL_SECTION_TWO_MUTEXES  the section is a PyCriticalSection2
/// </code>
/// The default value is the null pointer: no section.
/// </summary>
/// <param name="Section">The section pointed to, or null.</param>
/// <param name="Flags">The tag bits.</param>
public readonly record struct CriticalSectionTag(PyCriticalSection? Section, int Flags)
{
    /// <summary><c>_Py_CRITICAL_SECTION_INACTIVE</c>.</summary>
    public const int Inactive = 0x1;

    /// <summary><c>_Py_CRITICAL_SECTION_TWO_MUTEXES</c>.</summary>
    public const int TwoMutexes = 0x2;

    /// <summary>True for the null pointer.</summary>
    public bool IsNull => Section is null;

    /// <summary><c>_PyCriticalSection_IsActive</c>: not null and not inactive.</summary>
    public bool IsActive => Section is not null && (Flags & Inactive) == 0;

    /// <summary>True if the section is a two-mutex one.</summary>
    public bool HasTwoMutexes => (Flags & TwoMutexes) != 0;

    /// <summary>The same pointer with <see cref="Inactive"/> set.</summary>
    public CriticalSectionTag AsInactive() => this with { Flags = Flags | Inactive };

    /// <summary>The same pointer with <see cref="Inactive"/> cleared.</summary>
    public CriticalSectionTag AsActive() => this with { Flags = Flags & ~Inactive };
}
