namespace Sim.Bench.Reporting;

/// <summary>When, where and how a section was measured.</summary>
/// <param name="Date">When the section started (UTC).</param>
/// <param name="Command">The command that ran it.</param>
/// <param name="Machine">The machine.</param>
/// <param name="Load">How loaded the machine was meanwhile.</param>
/// <param name="Quick">True for a <c>--quick</c> smoke run, whose figures mean nothing.</param>
internal sealed record RunInfo(DateTimeOffset Date, string Command, MachineInfo Machine, string Load, bool Quick)
{
    /// <summary>The lines that open a section of figures.</summary>
    public IEnumerable<string> Header()
    {
        if (Quick)
        {
            yield return "**Smoke run (`--quick`): these figures are not measurements.**";
            yield return string.Empty;
        }

        yield return $"- Measured {Date:yyyy-MM-dd HH:mm} UTC by `{Command}`";
        yield return $"- Machine: {Machine.Describe()}";
        yield return $"- Load: {Load}";
    }
}
