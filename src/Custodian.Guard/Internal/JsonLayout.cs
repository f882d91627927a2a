using System.Text.Json;

namespace Custodian.Guard.Internal;

/// <summary>Where one member of a JSON object or one element of an array lies in the file's bytes.</summary>
/// <param name="Name">The member's name; null for an array element.</param>
/// <param name="Start">Where the member (its name) or the element starts.</param>
/// <param name="ValueStart">Where its value starts.</param>
/// <param name="End">Just past its value.</param>
/// <param name="Kind">The value's kind.</param>
internal readonly record struct JsonItem(string? Name, int Start, int ValueStart, int End, JsonTokenType Kind);

/// <summary>
/// One level of a JSON object or array, by byte offsets, so the guard can insert and remove its own entries as text and
/// leave every other byte of a settings file as the person wrote it (GRD-1).
/// </summary>
internal sealed class JsonContainer
{
    private JsonContainer(int open, int close, IReadOnlyList<JsonItem> items)
    {
        Open = open;
        Close = close;
        Items = items;
    }

    /// <summary>The offset of <c>{</c> or <c>[</c>.</summary>
    public int Open { get; }

    /// <summary>The offset of the matching <c>}</c> or <c>]</c>.</summary>
    public int Close { get; }

    public IReadOnlyList<JsonItem> Items { get; }

    /// <summary>The last member named <paramref name="name"/> (JSON.parse keeps the last of duplicates), or null.</summary>
    public JsonItem? Member(string name)
    {
        for (var i = Items.Count - 1; i >= 0; i--)
        {
            if (Items[i].Name == name) return Items[i];
        }

        return null;
    }

    /// <summary>Reads the object or array starting at <paramref name="start"/> of <paramref name="json"/>, one level deep.</summary>
    /// <exception cref="JsonException">The text is not JSON (the message names line and byte).</exception>
    public static JsonContainer Read(ReadOnlySpan<byte> json, int start)
    {
        var reader = new Utf8JsonReader(json[start..], new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            throw new JsonException("expected an object or array");
        var open = start + (int)reader.TokenStartIndex;
        var items = new List<JsonItem>();
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                return new JsonContainer(open, start + (int)reader.TokenStartIndex, items);
            string? name = null;
            var itemStart = start + (int)reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                name = reader.GetString();
                reader.Read();
            }

            var valueStart = start + (int)reader.TokenStartIndex;
            var kind = reader.TokenType;
            if (kind is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            items.Add(new JsonItem(name, itemStart, valueStart, start + (int)reader.BytesConsumed, kind));
        }

        throw new JsonException("the object or array does not end");
    }
}
