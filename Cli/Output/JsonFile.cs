using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sim.Cli.Output;

/// <summary>
/// Reads a JSON file the tool wrote (a trace, a hunt report) as the user's input, which may be anything: at most
/// <see cref="MaxBytes"/>, refused at its first bytes when it does not begin like a JSON object, and checked against the
/// contract of its type, so that a message names the missing field rather than one of the tool's types.
/// </summary>
internal static class JsonFile
{
    /// <summary>Files larger than this are not read: no trace or report comes near it, and a stray file must not exhaust memory.</summary>
    public const int MaxBytes = 64 << 20;

    /// <summary>
    /// The file's text, read at most <see cref="MaxBytes"/> at a time: a file that is larger, not UTF-8, or that does not
    /// begin with <c>{</c> (after a byte-order mark and white space) is refused as soon as that shows, as "not a
    /// <paramref name="kind"/>"; a missing file with <paramref name="notFound"/>.
    /// </summary>
    public static string ReadText(string path, string displayName, string kind, string notFound, string advice)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var buffer = new byte[64 * 1024];
            using var bytes = new MemoryStream();
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (bytes.Length == 0 && !BeginsLikeJsonObject(buffer.AsSpan(0, read)))
                {
                    throw new UsageException($"{displayName} is not a {kind} (it is not a JSON object); {advice}");
                }

                if (bytes.Length + read > MaxBytes)
                {
                    throw new UsageException($"{displayName} is larger than {MaxBytes >> 20} MiB, which no {kind} is; {advice}");
                }

                bytes.Write(buffer, 0, read);
            }

            try
            {
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
            }
            catch (DecoderFallbackException)
            {
                throw new UsageException($"{displayName} is not a {kind} (it is not UTF-8 text); {advice}");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(ex is FileNotFoundException or DirectoryNotFoundException
                ? $"{displayName}: {notFound}"
                : $"cannot read {displayName}: {Format.OneLine(ex.Message)}");
        }
    }

    /// <summary>
    /// The first field (a dotted path) that <paramref name="element"/> lacks although the contract of
    /// <paramref name="type"/> requires it, or null. Read from the serializer's contract, so that the message names the field.
    /// </summary>
    public static string? MissingField(JsonElement element, Type type) => Missing(element, Json.Options.GetTypeInfo(type), string.Empty);

    /// <summary>What a <see cref="JsonException"/> says is wrong, in the file's terms: a field of the wrong kind, or text that is not well-formed JSON, with its line (from 1).</summary>
    public static string Problem(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var line = ex.LineNumber is { } n ? $" (line {n + 1})" : string.Empty;
        return ex.Path is { Length: > 2 } at ? $"its \"{at[2..]}\" is not of the right kind{line}" : $"it is not well-formed JSON{line}";
    }

    /// <summary>True if <paramref name="start"/> (a file's first bytes) is empty or begins, after a BOM and white space, with <c>{</c>.</summary>
    private static bool BeginsLikeJsonObject(ReadOnlySpan<byte> start)
    {
        if (start.StartsWith(Encoding.UTF8.Preamble))
        {
            start = start[Encoding.UTF8.Preamble.Length..];
        }

        var i = 0;
        while (i < start.Length && start[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i == start.Length || start[i] == (byte)'{';
    }

    private static string? Missing(JsonElement element, JsonTypeInfo info, string path)
    {
        if (info.Kind == JsonTypeInfoKind.Object && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in info.Properties)
            {
                var name = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (!element.TryGetProperty(property.Name, out var value))
                {
                    if (property.IsRequired || property.AssociatedParameter is { HasDefaultValue: false })
                    {
                        return name;
                    }
                }
                else if (Missing(value, Json.Options.GetTypeInfo(property.PropertyType), name) is { } missing)
                {
                    return missing;
                }
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Enumerable && element.ValueKind == JsonValueKind.Array && info.ElementType is { } itemType)
        {
            var itemInfo = Json.Options.GetTypeInfo(itemType);
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (Missing(item, itemInfo, $"{path}[{i++}]") is { } missing)
                {
                    return missing;
                }
            }
        }

        return null;
    }
}
