namespace Sim.Model.Objects.Dict;

/// <summary>
/// The design of the free-threaded dict (<see cref="PyDictObject"/>, <c>Objects/dictobject.c</c>): which of the mechanisms
/// that make its lock-free reads safe are in. Scenario variants select one through <see cref="Interpreter.ModelConfig.Dict"/>.
/// </summary>
/// <param name="FreeKeysWithQsbr">
/// True: <c>free_keys_object</c> and <c>free_values</c> of a shared dict go through <c>_PyMem_FreeDelayed</c>
/// (<c>use_qsbr</c>, 3.13). False: a plausible broken design the mechanism exists to prevent: old keys are freed at once
/// with <c>PyMem_Free</c>, under any lock-free reader still probing them.
/// </param>
/// <param name="EnsureSharedOnRead">
/// True: <c>_Py_dict_lookup_threadsafe</c> starts with <c>ensure_shared_on_read</c>: the first read by a thread that does not
/// own the dict marks it shared in its critical section, so that the owner's later resizes free through QSBR. False: the
/// reader reads without marking it (a plausible broken design: "use_qsbr" then depends on who happened to lock the dict).
/// </param>
/// <param name="ZeroKeyEntries">
/// True: <c>new_keys_object</c> fills the entries with zeroes (its second <c>memset</c>), so that a lock-free reader that
/// sees an index before the entry's key is stored reads NULL and probes on. False: a plausible broken design, the entries
/// left as <c>PyMem_Malloc</c> returns them (garbage until written).
/// </param>
/// <param name="LockSharedKeys">
/// True: a new key is added to split (shared) keys under the keys' own lock, <c>LOCK_KEYS</c> (<c>dk_mutex</c>), with a
/// lookup under that lock first (<c>insert_split_key</c>). False: a plausible broken design that relies on the dict's
/// critical section alone, which does not exclude another instance's dict sharing the same keys.
/// </param>
public sealed record DictDesign(
    bool FreeKeysWithQsbr,
    bool EnsureSharedOnRead,
    bool ZeroKeyEntries,
    bool LockSharedKeys)
{
    /// <summary>CPython 3.13's free-threaded dict (the model's default).</summary>
    public static DictDesign Cpython313 { get; } = new(
        FreeKeysWithQsbr: true, EnsureSharedOnRead: true, ZeroKeyEntries: true, LockSharedKeys: true);
}
