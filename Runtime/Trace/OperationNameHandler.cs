using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Sim.Runtime.Trace;

/// <summary>
/// Builds the name given to <see cref="SimRuntime.Enter(ref OperationNameHandler)"/> from an interpolated string, only in
/// controlled mode: in production mode the compiler skips every formatting call and the handler is one null reference,
/// so naming an operation costs nothing measurable on a hot path such as <c>Py_INCREF</c>.
/// </summary>
[InterpolatedStringHandler]
public ref struct OperationNameHandler
{
    private readonly StringBuilder? _name;

    /// <summary>Called by the compiler for <c>rt.Enter($"...")</c>.</summary>
    public OperationNameHandler(int literalLength, int formattedCount, SimRuntime runtime, out bool shouldAppend)
    {
        _name = runtime.Controlled is null ? null : new StringBuilder(literalLength + (8 * formattedCount));
        shouldAppend = _name is not null;
    }

    /// <summary>Appends a literal part.</summary>
    public readonly void AppendLiteral(string value) => _name?.Append(value);

    /// <summary>Appends a formatted part.</summary>
    public readonly void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    /// <summary>Appends a formatted part with a format string.</summary>
    public readonly void AppendFormatted<T>(T value, string? format) =>
        _name?.Append(value is IFormattable f ? f.ToString(format, CultureInfo.InvariantCulture) : value?.ToString());

    /// <summary>The name, or null in production mode.</summary>
    internal readonly string? Build() => _name?.ToString();
}
