using Sim.Model.Threading;

namespace Sim.Model.Interpreter;

/// <summary>The thread-join mechanism's per-thread state: 3.12's <c>on_delete</c>.</summary>
public sealed partial class PyThreadState
{
    private ThreadLock? _onDeleteSentinel;

    /// <summary>
    /// 3.12's <c>_thread._set_sentinel()</c> sets <c>on_delete = release_sentinel</c> and <c>on_delete_data</c> to a weak
    /// reference to the thread's <c>_tstate_lock</c>. Only the owning thread sets and calls it.
    /// </summary>
    internal void SetOnDeleteSentinel(ThreadLock sentinel) => _onDeleteSentinel = sentinel;

    /// <summary>
    /// <c>tstate-&gt;on_delete(tstate-&gt;on_delete_data)</c>, the last thing 3.12's <c>PyThreadState_Clear</c> does: releases
    /// <c>_tstate_lock</c> (<c>release_sentinel</c>). 3.13 has no <c>on_delete</c>, so nothing sets it there.
    /// </summary>
    private void CallOnDelete() => _onDeleteSentinel?.ReleaseSentinel();
}
