namespace Sim.Model.Objects;

/// <summary>
/// The design of the free-threaded list (<see cref="PyListObject"/>, <c>Objects/listobject.c</c>): which of its fixes are
/// in. Scenario variants select one through <see cref="Interpreter.ModelConfig.List"/>.
/// </summary>
/// <param name="EnsureSharedOnResize">
/// True: <c>list_resize</c> called by a thread that does not own the list first marks it shared
/// (<c>ensure_shared_on_resize</c>), so that the old item array is freed through QSBR although only its owner may be
/// reading it lock-free (gh-127521, PR #127524, December 2024, backported to the 3.13 branch). False: 3.13.0, where the
/// array of a list no other thread has read is freed at once with <c>PyMem_Free</c>, under the owner's lock-free read.
/// </param>
/// <param name="ReverseInCriticalSection">
/// True (3.13): <c>list.reverse</c> swaps its items in the list's critical section (<c>@critical_section</c> on
/// <c>list_reverse_impl</c>; the seed's "Mark the swap operations as critical sections"). False: a broken design in which
/// the swaps run without it, the GIL-build code with no lock in its place, so two swaps of one pair interleave.
/// </param>
public sealed record ListDesign(bool EnsureSharedOnResize, bool ReverseInCriticalSection = true)
{
    /// <summary>The 3.13 branch with gh-127521's fix (the model's default).</summary>
    public static ListDesign Cpython313 { get; } = new(EnsureSharedOnResize: true);

    /// <summary>3.13.0, before gh-127521: a non-owner's resize frees the old array at once if the list is not shared yet.</summary>
    public static ListDesign Cpython3130 { get; } = new(EnsureSharedOnResize: false);
}
