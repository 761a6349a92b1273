namespace Sim.Model.Interpreter;

/// <summary>
/// The <c>atexit</c> module's callbacks (<c>Modules/atexitmodule.c</c>, 3.13): registered by the interpreter's main
/// thread, called in reverse order by <c>_PyAtExit_Call</c> during <c>Py_FinalizeEx</c>, before the world is stopped.
/// </summary>
/// <remarks>Deviation: registration is not shared memory (call it from the thread that finalizes, before it does).</remarks>
public sealed class AtExitCallbacks
{
    private readonly List<Action> _callbacks = [];

    /// <summary><c>atexit.register(func)</c>.</summary>
    public void Register(Action func)
    {
        ArgumentNullException.ThrowIfNull(func);
        _callbacks.Add(func);
    }

    /// <summary><c>_PyAtExit_Call</c>: calls every callback, last registered first, once.</summary>
    internal void Call()
    {
        for (var i = _callbacks.Count - 1; i >= 0; i--)
        {
            var f = _callbacks[i];
            _callbacks.RemoveAt(i);
            f();
        }
    }
}
