using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Custodian.ClaudeCode.Testing;

/// <summary>
/// A stand-in for Anthropic's Messages API on 127.0.0.1, for the real Claude Code client
/// (<c>ANTHROPIC_BASE_URL</c>). Replies are scripted per conversation: a conversation is told apart by the text of
/// its first user message (the prompt given to <c>claude -p</c>, or to <c>Agent</c> for a subagent), and the reply
/// asked for is the one at the index of the assistant messages it already holds, so a resumed session goes on
/// where its script left off. Requests that offer no tools (titles, summaries) always get a short text. Every
/// request is recorded, so a test can assert what did or did not reach "the model".
/// </summary>
public sealed class MessagesStandIn : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly List<(string Marker, ScriptedTurn[] Turns)> _scripts = [];
    private readonly Lock _gate = new();
    private long _ids;

    private MessagesStandIn()
    {
    }

    /// <summary>The address to give the client as <c>ANTHROPIC_BASE_URL</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The Messages API calls received so far.</summary>
    public IReadOnlyList<RecordedRequest> MessageRequests => [.. _requests.Where(r => r.IsMessages)];

    /// <summary>The model name the stand-in reports in its replies.</summary>
    public string Model { get; init; } = "claude-sonnet-4-5";

    /// <summary>Starts the stand-in on a free loopback port.</summary>
    public static async Task<MessagesStandIn> StartAsync()
    {
        var standIn = new MessagesStandIn();
        (standIn._app, standIn.BaseAddress) = await LoopbackApp.StartAsync(standIn.HandleAsync);
        return standIn;
    }

    /// <summary>
    /// Scripts the conversation whose first user message contains <paramref name="marker"/>: its n-th assistant
    /// reply is <paramref name="turns"/>[n], then <see cref="ScriptedTurn.Default"/>. The first matching script
    /// wins.
    /// </summary>
    public void Script(string marker, params ScriptedTurn[] turns)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        lock (_gate) _scripts.Add((marker, turns));
    }

    /// <summary>True when any Messages call so far carried <paramref name="text"/> anywhere in its body.</summary>
    public bool Received(string text) => MessageRequests.Any(r => r.SentText.Contains(text, StringComparison.Ordinal));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers) headers[name.ToLowerInvariant()] = values.ToString();
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, body);
        _requests.Enqueue(request);

        if (!request.IsMessages || request.Json is null)
        {
            // Anything else the client asks (token counts, account look-ups) gets an empty answer: the client copes,
            // and nothing pretends to be a service it is not.
            context.Response.StatusCode = request.Path.EndsWith("/count_tokens", StringComparison.Ordinal) ? 200 : 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(context.Response.StatusCode == 200 ? "{\"input_tokens\":100}" : "{}", context.RequestAborted);
            return;
        }

        var turn = request.OffersTools ? Choose(request) : ScriptedTurn.Text("Scripted title");
        var messageId = "msg_standin_" + Interlocked.Increment(ref _ids).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var content = new JsonArray();
        foreach (var block in turn.Blocks)
        {
            content.Add(block switch
            {
                TextBlock text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
                ToolUseBlock tool => new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = "toolu_standin_" + Interlocked.Increment(ref _ids).ToString("D6", System.Globalization.CultureInfo.InvariantCulture),
                    ["name"] = tool.Name,
                    ["input"] = tool.Input.DeepClone(),
                },
                _ => throw new InvalidOperationException("unknown block " + block),
            });
        }

        var stopReason = turn.CallsTool ? "tool_use" : "end_turn";
        if (request.Streams)
        {
            await StreamAsync(context, messageId, content, stopReason);
        }
        else
        {
            var message = Message(messageId, content, stopReason);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(message.ToJsonString(), context.RequestAborted);
        }
    }

    private ScriptedTurn Choose(RecordedRequest request)
    {
        var first = request.FirstUserText;
        lock (_gate)
        {
            foreach (var (marker, turns) in _scripts)
            {
                if (!first.Contains(marker, StringComparison.Ordinal)) continue;
                var index = request.AssistantTurns;
                return index < turns.Length ? turns[index] : ScriptedTurn.Default;
            }
        }

        return ScriptedTurn.Default;
    }

    private JsonObject Message(string id, JsonArray content, string? stopReason) => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = Model,
        ["content"] = content,
        ["stop_reason"] = stopReason,
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = 120, ["output_tokens"] = 12, ["cache_creation_input_tokens"] = 0, ["cache_read_input_tokens"] = 0 },
    };

    private async Task StreamAsync(HttpContext context, string id, JsonArray content, string stopReason)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var output = context.Response.Body;
        var cancel = context.RequestAborted;
        await SendAsync(output, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = Message(id, [], null) }, cancel);
        for (var index = 0; index < content.Count; index++)
        {
            var block = content[index]!.AsObject();
            var type = block["type"]!.GetValue<string>();
            JsonObject start;
            JsonObject delta;
            if (type == "text")
            {
                start = new JsonObject { ["type"] = "text", ["text"] = string.Empty };
                delta = new JsonObject { ["type"] = "text_delta", ["text"] = block["text"]!.GetValue<string>() };
            }
            else
            {
                start = new JsonObject { ["type"] = "tool_use", ["id"] = block["id"]!.GetValue<string>(), ["name"] = block["name"]!.GetValue<string>(), ["input"] = new JsonObject() };
                delta = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = block["input"]!.ToJsonString() };
            }

            await SendAsync(output, "content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = start }, cancel);
            await SendAsync(output, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta }, cancel);
            await SendAsync(output, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index }, cancel);
        }

        await SendAsync(output, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = 12 },
        }, cancel);
        await SendAsync(output, "message_stop", new JsonObject { ["type"] = "message_stop" }, cancel);
    }

    private static async Task SendAsync(Stream output, string name, JsonObject data, CancellationToken cancel)
    {
        var frame = Encoding.UTF8.GetBytes("event: " + name + "\ndata: " + data.ToJsonString(JsonOptions) + "\n\n");
        await output.WriteAsync(frame, cancel);
        await output.FlushAsync(cancel);
    }

    private static readonly JsonSerializerOptions JsonOptions = new();
}
