using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Custodian.Policy.Internal;

/// <summary>Finds where things are in a JSON document, so errors can name a line (SET-6).</summary>
internal static class JsonPositions
{
    /// <summary>The 1-based line of a top-level (or nested, by dotted path) property name, or null.</summary>
    public static int? LineOfProperty(ReadOnlySpan<byte> utf8, string dottedPath)
    {
        var parts = dottedPath.Split('.');
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var level = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == level + 1 && level < parts.Length
                    && reader.ValueTextEquals(parts[level]))
                {
                    if (level == parts.Length - 1)
                    {
                        return LineAt(utf8, (int)reader.TokenStartIndex);
                    }

                    level++;
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                }
                else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == level + 1)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>The 1-based line number of a byte offset.</summary>
    public static int LineAt(ReadOnlySpan<byte> utf8, int offset)
    {
        var slice = utf8[..Math.Min(offset, utf8.Length)];
        return slice.Count((byte)'\n') + 1;
    }

    /// <summary>
    /// The reason of a parse error in one line (System.Text.Json quotes the offending text, newlines included).
    /// </summary>
    public static string Describe(JsonException e) =>
        e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.') is { Length: > 0 } m ? m.ReplaceLineEndings("\\n") : "invalid JSON";

    /// <summary>
    /// The 1-based line of a parse error. JSON exceptions carry 0-based line numbers, except for a duplicate
    /// property (rejected with <see cref="StrictOptions"/>), which is reported without one: then the line of the repeated name.
    /// </summary>
    public static int LineOf(JsonException e, ReadOnlySpan<byte> utf8) =>
        e.LineNumber is { } line ? (int)line + 1 : LineOfDuplicateProperty(utf8) ?? 1;

    /// <summary>
    /// Document options for every file Custodian reads: a repeated property name is an error (System.Text.Json
    /// would otherwise accept it at parse time and throw <see cref="ArgumentException"/> on first access).
    /// </summary>
    public static JsonDocumentOptions StrictOptions(int maxDepth) => new() { MaxDepth = maxDepth, AllowDuplicateProperties = false };

    /// <summary>The byte offset of the first byte that is not valid UTF-8, or -1 (JSON text must be UTF-8, and System.Text.Json only finds out when it reads a string).</summary>
    public static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        while (offset < utf8.Length)
        {
            if (Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }

        return -1;
    }

    private static int? LineOfDuplicateProperty(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        var names = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: names.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                    case JsonTokenType.EndObject: names.Pop(); break;
                    case JsonTokenType.PropertyName when !names.Peek().Add(reader.GetString()!):
                        return LineAt(utf8, (int)reader.TokenStartIndex);
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }

    /// <summary>Strips a UTF-8 byte-order mark.</summary>
    public static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[3..] : bytes;
}
