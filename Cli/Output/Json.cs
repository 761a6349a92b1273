using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Sim.Cli.Output;

/// <summary>The JSON settings of every file the tool writes or reads (traces, reports, <c>--json</c> output).</summary>
internal static class Json
{
    /// <summary>
    /// camelCase names, indented, enums as camelCase strings, readable characters (→, ←) left unescaped. The resolver is
    /// set here, so that reading a type's contract works before anything has been serialized in the process (a fresh
    /// <c>sim replay</c> asks for the trace's contract first).
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>An enum value as the JSON files spell it, and as the tool shows it (<c>deadlock</c>, <c>bugFound</c>).</summary>
    public static string Name(Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
    }

    /// <summary>Serializes <paramref name="value"/> with <see cref="Options"/>, ending with a newline.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";
}
