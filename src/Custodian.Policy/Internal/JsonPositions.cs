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

    /// <summary>Decodes a byte position for messages; JSON exceptions carry 0-based line numbers.</summary>
    public static string Describe(JsonException e) =>
        e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.') is { Length: > 0 } m ? m : "invalid JSON";

    /// <summary>Strips a UTF-8 byte-order mark.</summary>
    public static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[3..] : bytes;
}
