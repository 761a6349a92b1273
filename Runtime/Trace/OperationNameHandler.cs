using System.Globalization;
using System.Runtime.CompilerServices;

namespace Sim.Runtime.Trace;

/// <summary>
/// Builds the name given to <see cref="SimRuntime.Enter(ref OperationNameHandler)"/> from an interpolated string, only in
/// controlled mode: in production mode the compiler skips every formatting call, so naming an operation costs nothing on
/// a hot path such as <c>Py_INCREF</c>.
/// </summary>
[InterpolatedStringHandler]
public ref struct OperationNameHandler
{
    private readonly bool _enabled;
    private DefaultInterpolatedStringHandler _inner;

    /// <summary>Called by the compiler for <c>rt.Enter($"...")</c>.</summary>
    public OperationNameHandler(int literalLength, int formattedCount, SimRuntime runtime, out bool shouldAppend)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _enabled = shouldAppend = runtime.Controlled is not null;
        _inner = _enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
    }

    /// <summary>Appends a literal part.</summary>
    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    /// <summary>Appends a formatted part.</summary>
    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    /// <summary>Appends a formatted part with a format string.</summary>
    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    /// <summary>The name, or null in production mode.</summary>
    internal string? ToStringAndClear() => _enabled ? _inner.ToStringAndClear() : null;
}
