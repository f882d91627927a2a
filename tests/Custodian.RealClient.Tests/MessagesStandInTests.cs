using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>The stand-in itself, over HTTP: plain and streamed replies, scripts by conversation and turn, fresh ids.</summary>
public sealed class MessagesStandInTests
{
    private static JsonObject Request(bool stream, params (string Role, string Text)[] messages) => new()
    {
        ["model"] = "claude-test",
        ["stream"] = stream,
        ["tools"] = new JsonArray(new JsonObject { ["name"] = "Bash" }),
        ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = m.Text }) })]),
    };

    [Fact]
    public async Task A_plain_request_gets_one_json_message_and_a_streamed_one_server_sent_events()
    {
        await using var api = await MessagesStandIn.StartAsync();
        api.Script("first marker", ScriptedTurn.Bash("ls"), ScriptedTurn.Text("second reply"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        using var plain = await http.PostAsJsonAsync("/v1/messages?beta=true", Request(false, ("user", "the first marker here")));
        var message = JsonNode.Parse(await plain.Content.ReadAsStringAsync())!;
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
        var tool = message["content"]![0]!;
        Assert.Equal(("tool_use", "Bash", "ls"), (tool["type"]!.GetValue<string>(), tool["name"]!.GetValue<string>(), tool["input"]!["command"]!.GetValue<string>()));

        using var streamed = await http.PostAsJsonAsync("/v1/messages", Request(true, ("user", "the first marker here"), ("assistant", "called"), ("user", "result")));
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType!.MediaType);
        var events = await streamed.Content.ReadAsStringAsync();
        var names = events.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"], names);
        Assert.Contains("\"text\":\"second reply\"", events, StringComparison.Ordinal);
        Assert.Contains("\"stop_reason\":\"end_turn\"", events, StringComparison.Ordinal);

        // Past the script, and for a conversation without one: the default reply.
        using var past = await http.PostAsJsonAsync("/v1/messages", Request(false, ("user", "the first marker here"), ("assistant", "a"), ("user", "b"), ("assistant", "c"), ("user", "d")));
        Assert.Equal("OK.", JsonNode.Parse(await past.Content.ReadAsStringAsync())!["content"]![0]!["text"]!.GetValue<string>());

        Assert.Equal(3, api.MessageRequests.Count);
        Assert.True(api.Received("the first marker here"));
        Assert.False(api.Received("never sent"));
        Assert.True(api.MessageRequests[0].OffersTools);
        Assert.Equal(2, api.MessageRequests[2].AssistantTurns);
    }

    [Fact]
    public async Task Every_reply_and_tool_call_gets_a_fresh_id_and_a_request_without_tools_a_short_text()
    {
        await using var api = await MessagesStandIn.StartAsync();
        api.Script("loop", ScriptedTurn.Bash("ls"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            using var reply = await http.PostAsJsonAsync("/v1/messages", Request(false, ("user", "loop")));
            var message = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
            Assert.True(ids.Add(message["id"]!.GetValue<string>()));
            Assert.True(ids.Add(message["content"]![0]!["id"]!.GetValue<string>()));
        }

        var title = new JsonObject { ["model"] = "m", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "loop" }) };
        using var titled = await http.PostAsync("/v1/messages", new StringContent(title.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal("end_turn", JsonNode.Parse(await titled.Content.ReadAsStringAsync())!["stop_reason"]!.GetValue<string>());
    }
}
