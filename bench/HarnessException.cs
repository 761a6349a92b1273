namespace Sim.Bench;

/// <summary>The harness could not measure what it claims to (a workload failed, two runs disagree): no figure is written.</summary>
internal sealed class HarnessException(string message) : Exception(message);
