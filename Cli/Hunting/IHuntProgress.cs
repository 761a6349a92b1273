using Sim.Cli.Reports;

namespace Sim.Cli.Hunting;

/// <summary>What the hunt loop tells as it goes; the views (live progress, plain lines) listen.</summary>
internal interface IHuntProgress
{
    /// <summary>Variant <paramref name="index"/> (from 0) of the plan starts.</summary>
    void VariantStarting(int index, VariantRef variant);

    /// <summary>Iteration <paramref name="iteration"/> (1-based) of variant <paramref name="index"/> starts.</summary>
    void IterationStarting(int index, int iteration);

    /// <summary>Variant <paramref name="index"/> finished; its entry is in the reports on disk already.</summary>
    void VariantFinished(int index, HuntEntry entry);
}
