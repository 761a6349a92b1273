namespace Sim.Model.Interpreter;

/// <summary>
/// <c>PyInterpreterConfig</c> (<c>Include/cpython/pylifecycle.h</c>, 3.13), reduced to the settings that concern memory:
/// whether the interpreter shares the main interpreter's obmalloc state (<c>use_main_obmalloc</c>, the feature flag
/// <c>Py_RTFLAGS_USE_MAIN_OBMALLOC</c>) and whether imports check extensions for sub-interpreter support
/// (<c>check_multi_interp_extensions</c>), which <c>init_interp_settings</c> (<c>Python/pylifecycle.c</c>) requires of a
/// sub-interpreter in the free-threaded build. See <c>docs/interpreters.md</c>.
/// </summary>
/// <param name="UseMainObmalloc"><c>use_main_obmalloc</c>.</param>
/// <param name="CheckMultiInterpExtensions"><c>check_multi_interp_extensions</c>.</param>
public sealed record PyInterpreterConfig(bool UseMainObmalloc, bool CheckMultiInterpExtensions)
{
    /// <summary><c>_PyInterpreterConfig_INIT</c>: an isolated interpreter with its own obmalloc state (and its own GIL).</summary>
    public static PyInterpreterConfig Isolated { get; } = new(UseMainObmalloc: false, CheckMultiInterpExtensions: true);

    /// <summary>
    /// <c>_PyInterpreterConfig_LEGACY_INIT</c> with <c>check_multi_interp_extensions</c> set, as the free-threaded build
    /// requires of a sub-interpreter: it shares the main interpreter's obmalloc state.
    /// </summary>
    public static PyInterpreterConfig SharedObmalloc { get; } = new(UseMainObmalloc: true, CheckMultiInterpExtensions: true);

    /// <summary>
    /// The settings check of <c>init_interp_settings</c> (3.13 free-threaded build; read in a copy of
    /// <c>Python/pylifecycle.c</c> whose exact version is uncertain): the error message CPython returns for a
    /// sub-interpreter with these settings, or null if they are accepted.
    /// </summary>
    public string? SettingsError(bool isMain)
    {
        if (!UseMainObmalloc && !CheckMultiInterpExtensions)
        {
            return "per-interpreter obmalloc does not support single-phase init extension modules";
        }

        return !isMain && !CheckMultiInterpExtensions
            ? "The free-threaded build does not support single-phase init extension modules in subinterpreters"
            : null;
    }
}
