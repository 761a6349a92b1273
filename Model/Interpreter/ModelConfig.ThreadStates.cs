namespace Sim.Model.Interpreter;

/// <summary>The thread-lifecycle mechanisms' part of the configuration.</summary>
public sealed partial record ModelConfig
{
    /// <summary>Thread-state attach, stop-the-world and deletion during a stop (<c>Python/pystate.c</c>).</summary>
    public ThreadStateDesign ThreadStates { get; init; } = ThreadStateDesign.Cpython313;

    /// <summary>Fork, finalization and thread start during finalization.</summary>
    public LifecycleDesign Lifecycle { get; init; } = LifecycleDesign.Cpython313;
}
