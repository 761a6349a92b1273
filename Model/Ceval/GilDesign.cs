using Sim.Model.Locks;

namespace Sim.Model.Ceval;

/// <summary>
/// The GIL of the free-threaded build (<c>Python/ceval_gil.c</c>, <c>Python/pystate.c</c>, 3.13): whether it is taken
/// (<c>PYTHON_GIL</c>), and the re-checks that keep a GIL being disabled or enabled from letting two threads run, or one
/// thread hold a GIL nobody respects.
/// </summary>
public sealed record GilDesign
{
    /// <summary>CPython 3.13 with <c>PYTHON_GIL=0</c>: the corpus' default, in which the GIL is never taken.</summary>
    public static GilDesign Disabled { get; } = new();

    /// <summary>CPython 3.13 with <c>PYTHON_GIL=1</c>: the GIL is enabled for good.</summary>
    public static GilDesign Enabled { get; } = new() { PythonGil = PythonGil.Enabled };

    /// <summary>CPython 3.13 with <c>PYTHON_GIL</c> unset: off, but extension modules may enable it, transiently or for good.</summary>
    public static GilDesign Default { get; } = new() { PythonGil = PythonGil.Default };

    /// <summary>The <c>PYTHON_GIL</c> setting (<c>config-&gt;enable_gil</c>).</summary>
    public PythonGil PythonGil { get; init; } = PythonGil.Disabled;

    /// <summary>
    /// <c>take_gil</c> re-checks <c>gil-&gt;enabled</c> after its wait (gh-116322): if another thread disabled the GIL
    /// meanwhile, it passes the wake-up on and returns without taking it. False is the broken <c>take-gil-no-recheck</c>
    /// (MECHANISMS.md A12): the woken waiter takes a GIL that is disabled.
    /// </summary>
    public bool TakeGilRechecksEnabled { get; init; } = true;

    /// <summary>
    /// <c>_PyThreadState_Attach</c> re-checks after attaching: if the GIL was enabled since its <c>take_gil</c> returned
    /// early, it detaches and tries again. False: a thread that was between the two when the GIL was enabled runs
    /// without it.
    /// </summary>
    public bool AttachRechecksGil { get; init; } = true;

    /// <summary>How <c>_PyEval_EnableGILTransient</c> turns the GIL on.</summary>
    public GilEnable TransientEnable { get; init; } = GilEnable.StopTheWorld;

    /// <summary>How <c>drop_gil</c>'s <c>FORCE_SWITCHING</c> wait on <c>switch_cond</c> starts (the condition variable's design).</summary>
    public CondWait SwitchCondWait { get; init; } = CondWait.AtomicUnlockAndWait;

    /// <summary><c>gil-&gt;interval</c>: the switch interval, 5,000 µs (<c>DEFAULT_INTERVAL</c>), in nanoseconds.</summary>
    public long IntervalNanos { get; init; } = 5_000_000;
}

/// <summary><c>PYTHON_GIL</c> (<c>config-&gt;enable_gil</c>, <c>_PyConfigGILEnable</c>).</summary>
public enum PythonGil
{
    /// <summary><c>PYTHON_GIL</c> unset (<c>_PyConfig_GIL_DEFAULT</c>): starts disabled; extensions may enable it.</summary>
    Default,

    /// <summary><c>PYTHON_GIL=0</c> (<c>_PyConfig_GIL_DISABLE</c>): never enabled.</summary>
    Disabled,

    /// <summary><c>PYTHON_GIL=1</c> (<c>_PyConfig_GIL_ENABLE</c>): <c>gil-&gt;enabled = INT_MAX</c>, for good.</summary>
    Enabled,
}

/// <summary>How the GIL counter goes from 0 to 1.</summary>
public enum GilEnable
{
    /// <summary>
    /// CPython 3.13 (<c>_PyEval_EnableGILTransient</c>): detach, stop the world, increment, start the world, attach, so no
    /// other thread is attached while the meaning of "attached" changes.
    /// </summary>
    StopTheWorld,

    /// <summary>
    /// Broken (MECHANISMS.md A12, <c>enable-without-stw</c>): increment while other threads run attached, then re-attach to
    /// take the GIL. A thread already attached goes on running Python code beside the GIL holder.
    /// </summary>
    WithoutStopTheWorld,
}
