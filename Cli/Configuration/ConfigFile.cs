using System.Text;
using System.Text.Json;
using Sim.Cli.Output;

namespace Sim.Cli.Configuration;

/// <summary>One field given in Coyote.config: its key, its value as text (null for JSON null) and the line it is on.</summary>
internal sealed record ConfigEntry(string Key, string? Text, JsonTokenType Token, int Line)
{
    /// <summary>The value as it was written (a string in quotes).</summary>
    public string Literal => Token switch
    {
        JsonTokenType.String => $"\"{Text}\"",
        JsonTokenType.Null => "null",
        _ => Text ?? "null",
    };
}

/// <summary>
/// Coyote.config: a JSON object (comments and trailing commas allowed) whose fields are those of
/// <see cref="SettingFields"/>; the stress fields sit in a nested <c>"stress"</c> object. Reading it checks the
/// structure: valid JSON, known fields only, each given once, each with the right kind of value.
/// </summary>
internal sealed class ConfigFile
{
    /// <summary>The file's name, looked for from the current folder upwards.</summary>
    public const string FileName = "Coyote.config";

    private ConfigFile(string path, string displayName, IReadOnlyList<ConfigEntry> entries)
    {
        FullPath = path;
        DisplayName = displayName;
        Entries = entries;
    }

    /// <summary>The file's absolute path.</summary>
    public string FullPath { get; }

    /// <summary>The path as shown in messages.</summary>
    public string DisplayName { get; }

    /// <summary>The fields given, in file order.</summary>
    public IReadOnlyList<ConfigEntry> Entries { get; }

    /// <summary>The folder relative paths in the file start from.</summary>
    public string Directory => Path.GetDirectoryName(FullPath)!;

    /// <summary>The nearest Coyote.config in <paramref name="start"/> or a folder above it, or null.</summary>
    public static string? Locate(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads and checks a config file; any problem is a <see cref="UsageException"/> naming the line.</summary>
    public static ConfigFile Load(string path, string displayName)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {displayName}: {ex.Message}");
        }

        var data = bytes.AsSpan();
        if (data.StartsWith(Encoding.UTF8.Preamble))
        {
            data = data[Encoding.UTF8.Preamble.Length..];
        }

        return new ConfigFile(path, displayName, Parse(data.ToArray(), displayName));
    }

    private static List<ConfigEntry> Parse(byte[] data, string displayName)
    {
        var entries = new List<ConfigEntry>();
        var reader = new Utf8JsonReader(data, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new UsageException($"{displayName} must hold one JSON object ({{ \"iterations\": 1000, ... }}); see README.md, \"Coyote.config\"");
            }

            ReadObject(ref reader, data, prefix: string.Empty, displayName, entries);
            if (reader.Read())
            {
                throw new UsageException($"{displayName} line {Line(data, reader.TokenStartIndex)}: text after the closing brace; the file must hold one JSON object");
            }
        }
        catch (JsonException ex)
        {
            // The reader counts lines and bytes from 0 and appends them to its message; people count from 1.
            var at = ex.LineNumber is { } line ? $" line {line + 1}" + (ex.BytePositionInLine is { } column ? $", column {column + 1}" : string.Empty) : string.Empty;
            var message = Format.OneLine(ex.Message);
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new UsageException($"{displayName}{at} is not valid JSON: {(cut >= 0 ? message[..cut] : message)} Fix the file (comments and trailing commas are allowed).");
        }

        return entries;
    }

    private static void ReadObject(ref Utf8JsonReader reader, byte[] data, string prefix, string displayName, List<ConfigEntry> entries)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var line = Line(data, reader.TokenStartIndex);
            var name = reader.GetString()!;
            var key = prefix + name;
            reader.Read();
            if (key == "stress")
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new UsageException($"{displayName} line {line}: \"stress\" must be an object of stress settings ({{ \"runs\": 100, ... }}), not {Describe(reader.TokenType)}");
                }

                ReadObject(ref reader, data, "stress.", displayName, entries);
                continue;
            }

            var field = SettingFields.Find(key);
            if (field is null)
            {
                var known = SettingFields.All.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f.Key[prefix.Length..]);
                if (prefix.Length == 0)
                {
                    known = known.Where(k => !k.Contains('.', StringComparison.Ordinal)).Append("stress");
                }

                throw new UsageException(
                    $"{displayName} line {line}: unknown field \"{key}\"{Suggest.DidYouMean(name, known.Distinct())}; remove it (the fields are listed in README.md, \"Coyote.config\")");
            }

            if (entries.Any(e => e.Key == key))
            {
                throw new UsageException($"{displayName} line {line}: \"{key}\" is given twice; keep one");
            }

            var token = reader.TokenType;
            if (!field.Fits(token switch
            {
                JsonTokenType.Null => JsonValueKind.Null,
                JsonTokenType.Number => JsonValueKind.Number,
                JsonTokenType.String => JsonValueKind.String,
                JsonTokenType.True => JsonValueKind.True,
                JsonTokenType.False => JsonValueKind.False,
                _ => JsonValueKind.Undefined,
            }))
            {
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                throw new UsageException($"{displayName} line {line}: \"{key}\" must be {field.Expects}, not {Describe(token)}");
            }

            var text = token switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.String => reader.GetString(),
                _ => Encoding.UTF8.GetString(reader.ValueSpan),
            };
            entries.Add(new ConfigEntry(key, text, token, line));
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "true/false",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        _ => token.ToString(),
    };

    private static int Line(byte[] data, long offset)
    {
        var line = 1;
        for (var i = 0; i < offset && i < data.Length; i++)
        {
            if (data[i] == (byte)'\n')
            {
                line++;
            }
        }

        return line;
    }
}
