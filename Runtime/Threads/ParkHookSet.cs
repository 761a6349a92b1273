namespace Sim.Runtime.Threads;

/// <summary>
/// The hooks that ran <see cref="IParkHooks.BeforeBlock"/> when a wait began: the same ones run
/// <see cref="IParkHooks.AfterBlock"/> when it ends, in reverse order, even if hooks were added or removed meanwhile.
/// The default set is empty (a park that does not detach).
/// </summary>
internal readonly struct ParkHookSet
{
    private readonly IParkHooks[]? _hooks;

    public ParkHookSet(IParkHooks[] hooks) => _hooks = hooks;

    public void AfterBlock()
    {
        var hooks = _hooks ?? [];
        for (var i = hooks.Length - 1; i >= 0; i--)
        {
            hooks[i].AfterBlock();
        }
    }
}
