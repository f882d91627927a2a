using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Custodian.ClaudeCode.Testing;

/// <summary>
/// One request the client sent to the stand-in, kept whole so a test can assert what did or did not reach
/// "the model".
/// </summary>
public sealed class RecordedRequest
{
    private string? _text;

    internal RecordedRequest(string method, string path, string query, IReadOnlyDictionary<string, string> headers, string body)
    {
        Method = method;
        Path = path;
        Query = query;
        Headers = headers;
        Body = body;
        try
        {
            Json = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            Json = null;
        }
    }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The path, e.g. <c>/v1/messages</c>.</summary>
    public string Path { get; }

    /// <summary>The query string with its <c>?</c>, or empty.</summary>
    public string Query { get; }

    /// <summary>The request headers (names lower-case; repeated headers joined with a comma).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The raw body as UTF-8 text.</summary>
    public string Body { get; }

    /// <summary>The body as JSON, or null when it is not JSON.</summary>
    public JsonNode? Json { get; }

    /// <summary>True for a Messages API call.</summary>
    public bool IsMessages => Method == "POST" && Path.TrimEnd('/') == "/v1/messages";

    /// <summary>True when the request asked for server-sent events.</summary>
    public bool Streams => Json?["stream"]?.GetValueKind() == JsonValueKind.True;

    /// <summary>True when the request offers the model any tool (the main conversation and subagents do; titles do not).</summary>
    public bool OffersTools => Json?["tools"] is JsonArray { Count: > 0 };

    /// <summary>The names of the tools offered.</summary>
    public IReadOnlyList<string> ToolNames
    {
        get
        {
            var names = new List<string>();
            if (Json?["tools"] is JsonArray tools)
            {
                foreach (var tool in tools)
                {
                    if (tool?["name"]?.GetValue<string>() is { } name) names.Add(name);
                }
            }

            return names;
        }
    }

    /// <summary>The conversation's messages.</summary>
    public JsonArray Messages => Json?["messages"] as JsonArray ?? [];

    /// <summary>Every text block of the conversation's first user message, joined by newlines.</summary>
    public string FirstUserText
    {
        get
        {
            foreach (var message in Messages)
            {
                if (message?["role"]?.GetValue<string>() == "user") return TextOf(message);
            }

            return string.Empty;
        }
    }

    /// <summary>Every text block of the conversation's last user message (tool results included), joined by newlines.</summary>
    public string LastUserText
    {
        get
        {
            for (var i = Messages.Count - 1; i >= 0; i--)
            {
                if (Messages[i]?["role"]?.GetValue<string>() == "user") return TextOf(Messages[i]!);
            }

            return string.Empty;
        }
    }

    /// <summary>How many assistant replies the conversation already holds: the index of the reply asked for.</summary>
    public int AssistantTurns
    {
        get
        {
            var count = 0;
            foreach (var message in Messages)
            {
                if (message?["role"]?.GetValue<string>() == "assistant") count++;
            }

            return count;
        }
    }

    /// <summary>
    /// Every string anywhere in the body, unescaped and joined by newlines: what the model would read. Asserting on
    /// this, not on <see cref="Body"/>, keeps a JSON escape from hiding a secret.
    /// </summary>
    public string SentText => _text ??= Json is null ? Body : CollectStrings(Json);

    /// <inheritdoc />
    public override string ToString() => $"{Method} {Path}{Query} ({Body.Length} bytes)";

    private static string TextOf(JsonNode message)
    {
        var content = message["content"];
        if (content is JsonValue value && value.GetValueKind() == JsonValueKind.String) return value.GetValue<string>();
        var text = new StringBuilder();
        if (content is JsonArray blocks)
        {
            foreach (var block in blocks)
            {
                AppendBlockText(block, text);
            }
        }

        return text.ToString();
    }

    private static void AppendBlockText(JsonNode? block, StringBuilder text)
    {
        switch (block?["type"]?.GetValue<string>())
        {
            case "text":
                if (text.Length > 0) text.Append('\n');
                text.Append(block["text"]?.GetValue<string>());
                break;
            case "tool_result":
                var content = block["content"];
                if (content is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                {
                    if (text.Length > 0) text.Append('\n');
                    text.Append(value.GetValue<string>());
                }
                else if (content is JsonArray inner)
                {
                    foreach (var part in inner) AppendBlockText(part, text);
                }

                break;
        }
    }

    private static string CollectStrings(JsonNode root)
    {
        var text = new StringBuilder();
        var pending = new Stack<JsonNode?>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject obj:
                    foreach (var (_, child) in obj) pending.Push(child);
                    break;
                case JsonArray array:
                    for (var i = array.Count - 1; i >= 0; i--) pending.Push(array[i]);
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    text.Append(value.GetValue<string>()).Append('\n');
                    break;
            }
        }

        return text.ToString();
    }
}
