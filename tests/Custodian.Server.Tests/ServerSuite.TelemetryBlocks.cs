using Google.Protobuf;
using System.Net;
using System.Text.Json;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>
/// The events of one session in one export request are stored as one block row and read back as the records they were
/// (CUS-88), on both stores: in time order, each with its own name; retried, erased, expired and rated like records.
/// </summary>
public abstract partial class ServerSuite
{
    private Task<long> TelemetryRowCountAsync(string session) =>
        Db.ScalarAsync("SELECT COUNT(*) FROM telemetry WHERE session_id = @s", ("s", session));

    private Task<long> TelemetryRecordCountAsync(string session) =>
        Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = @s", ("s", session));

    [Fact]
    [Trait("spec", "CUS-88")]
    [Trait("spec", "OTL-7")]
    public async Task A_sessions_events_in_one_request_are_one_row_read_back_as_its_records_in_time_order()
    {
        var alice = await KeyAsync("alice");
        // Sent out of time order, two sessions interleaved, and a metric of the same session beside them.
        await ExportLogsAsync(alice,
            OtlpRequests.ApiRequest("b1", sequence: 5),
            OtlpRequests.UserPrompt("b2", "other session", sequence: 1),
            OtlpRequests.UserPrompt("b1", "first", sequence: 2),
            OtlpRequests.Event("tool_result", "b1", 9, OtlpRequests.Attribute("tool_name", "Read")));
        Assert.Equal(HttpStatusCode.OK, (await PostOtlpAsync(alice, "/v1/metrics", OtlpRequests.Metrics("b1", 5, 1).ToByteArray(), "application/x-protobuf")).Status);

        var metricRows = await Db.ScalarAsync("SELECT COUNT(*) FROM telemetry WHERE session_id = 'b1' AND kind = 'metric'");
        Assert.True(metricRows >= 1, "metrics stay a row each");
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM telemetry WHERE session_id = 'b1' AND kind = 'event'"));
        Assert.Equal(3, await Db.ScalarAsync("SELECT records FROM telemetry WHERE session_id = 'b1' AND kind = 'event'"));
        Assert.Equal(1, await TelemetryRecordCountAsync("b2"));

        var events = (await TelemetryAsync(alice, "b1")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["claude_code.user_prompt", "claude_code.api_request", "claude_code.tool_result"], events.Select(e => e.GetProperty("name").GetString()));
        Assert.Equal([2L, 5L, 9L], events.Select(e => e.GetProperty("attributes").GetProperty("event.sequence").GetInt64()));
        Assert.Equal("first", events[0].GetProperty("attributes").GetProperty("prompt").GetString());
        Assert.All(events, e =>
        {
            Assert.Equal("alice", e.GetProperty("accountId").GetString());
            Assert.Equal(T0.AddDays(30), e.GetProperty("expiresAt").GetDateTimeOffset());
            Assert.Equal("claude-code", e.GetProperty("resource").GetProperty("service.name").GetString());
        });
        Assert.Equal("other session", SingleEvent(await TelemetryAsync(alice, "b2"), "claude_code.user_prompt").GetProperty("attributes").GetProperty("prompt").GetString());
        // Each record is the object it is on its own: the block's array never shows.
        Assert.All(events, e => Assert.Equal(JsonValueKind.Object, e.ValueKind));
    }

    [Fact]
    [Trait("spec", "CUS-88")]
    [Trait("spec", "OTL-6")]
    public async Task A_block_holds_at_most_64_records_and_a_retry_of_the_request_stores_none_of_them_again()
    {
        var alice = await KeyAsync("alice");
        var batch = OtlpRequests.Logs([.. Enumerable.Range(1, 70).Select(i => OtlpRequests.UserPrompt("big", "prompt " + i, sequence: i))]);

        var first = await PostLogsAsync(alice, batch);
        Time.Advance(TimeSpan.FromSeconds(5));
        var retry = await PostLogsAsync(alice, batch, "gzip");

        Assert.True(first.Status == HttpStatusCode.OK && retry.Status == HttpStatusCode.OK, retry.ToString());
        Assert.Equal(["64", "6"], await Db.TextsAsync("SELECT CAST(records AS TEXT) FROM telemetry WHERE session_id = 'big' ORDER BY at"));
        Assert.Equal(2, await TelemetryRowCountAsync("big"));
        var events = (await TelemetryAsync(alice, "big")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 70).Select(i => "prompt " + i), events.Select(e => e.GetProperty("attributes").GetProperty("prompt").GetString()));
    }

    [Fact]
    [Trait("spec", "CUS-88")]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "DEL-2")]
    [Trait("spec", "RET-7")]
    public async Task A_survey_answer_inside_a_block_rates_once_and_goes_with_the_block_on_erasure_and_expiry()
    {
        var alice = await KeyAsync("alice");
        var batch = OtlpRequests.Logs(
            OtlpRequests.UserPrompt("sb", "before the survey", sequence: 1),
            Survey("sb", 2, "responded", "good", "a-block"),
            OtlpRequests.ApiRequest("sb", sequence: 3));
        for (var attempt = 0; attempt < 2; attempt++) Assert.Equal(HttpStatusCode.OK, (await PostLogsAsync(alice, batch)).Status);
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("sx", "expires", sequence: 1), OtlpRequests.ApiRequest("sx", sequence: 2));

        Assert.Equal(1, await TelemetryRowCountAsync("sb"));
        Assert.Equal(3, await TelemetryRecordCountAsync("sb"));
        Assert.Equal([("sb", 3)], (await RatingsAsync(alice)).Select(r => (r.GetProperty("sessionId").GetString()!, r.GetProperty("rating").GetInt32())));

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/sb", alice)).Status);
        Assert.Equal(0, await TelemetryRowCountAsync("sb"));
        Assert.Empty(await RatingsAsync(alice));

        // The sweep counts records, not rows.
        var report = await Store.DeleteExpiredAsync(T0.AddDays(31));
        Assert.Equal(2, report.Telemetry);
        Assert.Equal(0, await TelemetryRowCountAsync("sx"));
    }
}
