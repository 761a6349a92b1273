using System.Runtime.InteropServices;

namespace Sim.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM while a long command runs: instead of killing the process, they cancel
/// <see cref="Token"/>, so that the command stops its work, prints what it has so far, lets the console restore the
/// terminal, and exits with <see cref="ExitCodes.Interrupted"/>. Tests interrupt through <see cref="CliContext.Interrupt"/>.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly List<PosixSignalRegistration> _signals = [];

    private Interruption(CliContext context)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(context.Interrupt);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try
            {
                _signals.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // The platform cannot catch this signal: it keeps its default effect.
            }
        }
    }

    /// <summary>Cancelled when the user interrupts.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Starts listening for interrupts until disposed.</summary>
    public static Interruption Listen(CliContext context) => new(context);

    /// <inheritdoc/>
    public void Dispose()
    {
        _signals.ForEach(s => s.Dispose());
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _source.Cancel();
    }
}
