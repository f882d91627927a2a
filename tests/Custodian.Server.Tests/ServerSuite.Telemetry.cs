using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Custodian.Otlp;
using Custodian.Policy;
using Custodian.Server.Internal;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Server.Tests;

/// <summary>The organization's own OpenTelemetry collector over OTLP/HTTP (OTL-1..7), on both stores.</summary>
public abstract partial class ServerSuite
{
    /// <summary>A GitHub token of the real format (not a placeholder): redacted as github-pat (RED-2).</summary>
    protected const string GitHubToken = "ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK";

    /// <summary>An OTLP export response, read as bytes.</summary>
    protected sealed record OtlpReply(HttpStatusCode Status, string? MediaType, byte[] Body, HttpResponseMessage Response)
    {
        public int Code => (int)Status;

        public string Text => Encoding.UTF8.GetString(Body);

        public Reply AsReply() => new(Status, MediaType, Text);

        public override string ToString() => $"{Code} {MediaType}: {Text}";
    }

    protected async Task<OtlpReply> PostOtlpAsync(
        string? key, string path, byte[] body, string contentType, string? contentEncoding = null, bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (contentEncoding is not null) content.Headers.ContentEncoding.Add(contentEncoding);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await Http.SendAsync(request);
        if (chunked) Assert.True(request.Headers.TransferEncodingChunked is true || request.Content.Headers.ContentLength is null, "the body was not sent chunked");
        return new OtlpReply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync(), response);
    }

    protected Task<OtlpReply> PostLogsAsync(string? key, IMessage request, string? contentEncoding = null) =>
        PostOtlpAsync(key, "/v1/logs", contentEncoding == "gzip" ? Gzip(request.ToByteArray()) : request.ToByteArray(), "application/x-protobuf", contentEncoding);

    /// <summary>Posts protobuf logs and asserts a full success: 200, an empty protobuf response.</summary>
    private protected async Task ExportLogsAsync(string key, params Custodian.Otlp.Proto.Logs.LogRecord[] records)
    {
        var reply = await PostLogsAsync(key, OtlpRequests.Logs(records));
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal("application/x-protobuf", reply.MediaType);
        Assert.Empty(reply.Body);
    }

    /// <summary>A session's telemetry as <paramref name="key"/> reads it (asserting 200).</summary>
    protected async Task<JsonElement> TelemetryAsync(string key, string session)
    {
        var reply = await GetAsync($"/v1/sessions/{session}/telemetry", key);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal(session, reply.Json.GetProperty("sessionId").GetString());
        return reply.Json;
    }

    protected static JsonElement SingleEvent(JsonElement telemetry, string name) =>
        Assert.Single(telemetry.GetProperty("events").EnumerateArray(), e => e.GetProperty("name").GetString() == name);

    /// <summary>
    /// The idempotency keys stored (CUS-76) of the rows <paramref name="where"/> selects: SQLite keeps a record's key in
    /// its row, PostgreSQL in <c>telemetry_keys</c> beside its partitioned table.
    /// </summary>
    private Task<long> StoredKeysAsync(string where = "1 = 1") => Db.ScalarAsync(Db.Kind == "sqlite"
        ? $"SELECT COUNT(record_key) FROM telemetry WHERE {where}"
        : $"SELECT COUNT(*) FROM telemetry_keys WHERE {where}");

    private Task<long> TelemetryRowsAsync(string? like = null) => like is null
        ? Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry")
        : Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE payload LIKE @m", ("m", "%" + like + "%"));

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-6")]
    public async Task Protobuf_logs_are_stored_and_acknowledged_after_the_commit_with_an_empty_response()
    {
        var alice = await KeyAsync("alice");

        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("s1", "fix the flaky test"), OtlpRequests.ApiRequest("s1"));

        // Committed before the 200: visible on another connection at once.
        Assert.Equal(2, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 's1' AND account_id = 'alice'"));
        var telemetry = await TelemetryAsync(alice, "s1");
        var prompt = SingleEvent(telemetry, "claude_code.user_prompt");
        Assert.Equal("fix the flaky test", prompt.GetProperty("attributes").GetProperty("prompt").GetString());
        Assert.Equal("18", prompt.GetProperty("attributes").GetProperty("prompt_length").GetString());
        Assert.Equal(1, prompt.GetProperty("attributes").GetProperty("event.sequence").GetInt64());
        Assert.Equal("claude-code", prompt.GetProperty("resource").GetProperty("service.name").GetString());
        Assert.Equal("com.anthropic.claude_code.events", prompt.GetProperty("scope").GetProperty("name").GetString());
        Assert.Equal(T0.AddMilliseconds(1), prompt.GetProperty("time").GetDateTimeOffset());
        // In UTC with 'Z', as OTLP/JSON and Claude Code's own event.timestamp write times.
        Assert.Equal("2026-03-02T09:00:00.0010000Z", prompt.GetProperty("time").GetString());
        Assert.Equal("alice", prompt.GetProperty("accountId").GetString());
        var request = SingleEvent(telemetry, "claude_code.api_request");
        Assert.Equal(1200, request.GetProperty("attributes").GetProperty("input_tokens").GetInt64());
        Assert.Empty(telemetry.GetProperty("metrics").EnumerateArray());
    }

    private const string JsonLogs = """
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},
          "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events"},"logRecords":[
            {"timeUnixNano":"1772442000000000000","body":{"stringValue":"claude_code.user_prompt"},
             "traceId":"0102030405060708090a0b0c0d0e0f10","attributes":[
              {"key":"event.name","value":{"stringValue":"user_prompt"}},
              {"key":"session.id","value":{"stringValue":"SESSION"}},
              {"key":"event.sequence","value":{"intValue":"7"}},
              {"key":"prompt","value":{"stringValue":"PROMPT"}}]}]}]}]}
        """;

    private static byte[] JsonLogsFor(string session, string prompt) =>
        Encoding.UTF8.GetBytes(JsonLogs.Replace("SESSION", session, StringComparison.Ordinal).Replace("PROMPT", prompt, StringComparison.Ordinal));

    [Fact]
    [Trait("spec", "OTL-1")]
    public async Task OTLP_JSON_gzip_and_chunked_bodies_are_taken_and_answered_in_the_request_encoding()
    {
        var alice = await KeyAsync("alice");

        var json = await PostOtlpAsync(alice, "/v1/logs", JsonLogsFor("j1", "plain json"), "application/json; charset=utf-8");
        Assert.True(json.Status == HttpStatusCode.OK, json.ToString());
        Assert.Equal("application/json", json.MediaType);
        Assert.Equal("{}", json.Text);

        var gzip = await PostOtlpAsync(alice, "/v1/logs", Gzip(JsonLogsFor("j2", "gzip json")), "application/json", "gzip");
        Assert.True(gzip.Status == HttpStatusCode.OK, gzip.ToString());

        var chunked = await PostOtlpAsync(alice, "/v1/logs", OtlpRequests.Logs(OtlpRequests.UserPrompt("p1", "chunked protobuf")).ToByteArray(), "application/x-protobuf", chunked: true);
        Assert.True(chunked.Status == HttpStatusCode.OK, chunked.ToString());
        Assert.Empty(chunked.Body);

        var both = await PostOtlpAsync(alice, "/v1/logs", Gzip(OtlpRequests.Logs(OtlpRequests.UserPrompt("p2", "gzip chunked")).ToByteArray()), "application/x-protobuf", "gzip", chunked: true);
        Assert.True(both.Status == HttpStatusCode.OK, both.ToString());

        var event1 = SingleEvent(await TelemetryAsync(alice, "j1"), "claude_code.user_prompt");
        Assert.Equal("plain json", event1.GetProperty("attributes").GetProperty("prompt").GetString());
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", event1.GetProperty("traceId").GetString());
        Assert.Equal(7, event1.GetProperty("attributes").GetProperty("event.sequence").GetInt64());
        Assert.Equal("gzip json", SingleEvent(await TelemetryAsync(alice, "j2"), "claude_code.user_prompt").GetProperty("attributes").GetProperty("prompt").GetString());
        Assert.Equal("chunked protobuf", SingleEvent(await TelemetryAsync(alice, "p1"), "claude_code.user_prompt").GetProperty("attributes").GetProperty("prompt").GetString());
        Assert.Equal("gzip chunked", SingleEvent(await TelemetryAsync(alice, "p2"), "claude_code.user_prompt").GetProperty("attributes").GetProperty("prompt").GetString());
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    public async Task Metrics_are_stored_with_their_values_and_histograms_are_a_partial_success()
    {
        var alice = await KeyAsync("alice");
        var request = OtlpRequests.Metrics("m1", tokens: 1234.5, seconds: 42);
        request.ResourceMetrics[0].ScopeMetrics[0].Metrics.Add(new Custodian.Otlp.Proto.Metrics.Metric
        {
            Name = "latency",
            Histogram = new Custodian.Otlp.Proto.Metrics.Histogram { DataPoints = { new Custodian.Otlp.Proto.Metrics.OtherDataPoint() } },
        });

        var reply = await PostOtlpAsync(alice, "/v1/metrics", request.ToByteArray(), "application/x-protobuf");

        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        var (rejected, message) = OtlpResponses.Decode(OtlpSignal.Metrics, OtlpEncoding.Protobuf, reply.Body);
        Assert.Equal(1, rejected);
        Assert.Contains("histogram", message, StringComparison.Ordinal);
        var metrics = (await TelemetryAsync(alice, "m1")).GetProperty("metrics").EnumerateArray().ToList();
        Assert.Equal(["claude_code.token.usage", "claude_code.active_time.total"], metrics.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(1234.5, metrics[0].GetProperty("value").GetDouble());
        Assert.Equal("tokens", metrics[0].GetProperty("unit").GetString());
        Assert.Equal("delta", metrics[0].GetProperty("temporality").GetString());
        Assert.True(metrics[0].GetProperty("monotonic").GetBoolean());
        Assert.Equal("input", metrics[0].GetProperty("attributes").GetProperty("type").GetString());
        Assert.Equal(42, metrics[1].GetProperty("value").GetInt64());
        Assert.Equal(T0.AddMinutes(1), metrics[1].GetProperty("time").GetDateTimeOffset());
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    public async Task The_OpenTelemetry_dotnet_exporter_delivers_logs_and_metrics_over_http_protobuf()
    {
        var alice = await KeyAsync("alice");

        using (var exporter = new OtelExporter(new Uri(BaseAddress, "/"), alice, OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf))
        {
            exporter.Event("claude_code.user_prompt", ("event.name", "user_prompt"), ("session.id", "dotnet-1"), ("prompt", "from the .NET exporter"), ("prompt_length", 22L));
            exporter.Count("claude_code.token.usage", 321, ("session.id", "dotnet-1"), ("type", "output"));
            Assert.True(exporter.Flush(), "the exporter could not deliver");
        }

        var telemetry = await TelemetryAsync(alice, "dotnet-1");
        var prompt = SingleEvent(telemetry, "claude_code.user_prompt");
        Assert.Equal("from the .NET exporter", prompt.GetProperty("attributes").GetProperty("prompt").GetString());
        Assert.Equal(22, prompt.GetProperty("attributes").GetProperty("prompt_length").GetInt64());
        Assert.Equal("claude-code", prompt.GetProperty("resource").GetProperty("service.name").GetString());
        var tokens = Assert.Single(telemetry.GetProperty("metrics").EnumerateArray());
        Assert.Equal("claude_code.token.usage", tokens.GetProperty("name").GetString());
        Assert.Equal(321, tokens.GetProperty("value").GetDouble());
    }

    [Fact]
    [Trait("spec", "OTL-2")]
    [Trait("spec", "ACC-2")]
    public async Task Identity_comes_from_the_key_and_a_record_claiming_another_account_is_stored_under_the_keys_account()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        var claim = OtlpRequests.UserPrompt("shared-id", "alice's prompt");
        claim.Attributes.Add(OtlpRequests.Attribute("user.email", "bob@example.com"));
        claim.Attributes.Add(OtlpRequests.Attribute("user.account_uuid", "bob"));
        claim.Attributes.Add(OtlpRequests.Attribute("organization.id", "bobs-org"));

        await ExportLogsAsync(alice, claim);

        Assert.Equal(1, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE account_id = 'alice'"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE account_id = 'bob'"));
        // The claims are kept as data (OTL-2), and bob, whom they name, sees nothing.
        var attributes = SingleEvent(await TelemetryAsync(alice, "shared-id"), "claude_code.user_prompt").GetProperty("attributes");
        Assert.Equal("bob@example.com", attributes.GetProperty("user.email").GetString());
        Assert.Equal("bobs-org", attributes.GetProperty("organization.id").GetString());
        Assert.Equal("install-1234", attributes.GetProperty("user.id").GetString());
        AssertProblem(await GetAsync("/v1/sessions/shared-id/telemetry", bob), 404);

        // Bob's own telemetry under the same session id stays apart from alice's.
        await ExportLogsAsync(bob, OtlpRequests.UserPrompt("shared-id", "bob's prompt"));
        Assert.Equal(["alice's prompt"], (await TelemetryAsync(alice, "shared-id")).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("attributes").GetProperty("prompt").GetString()));
        Assert.Equal(["bob's prompt"], (await TelemetryAsync(bob, "shared-id")).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("attributes").GetProperty("prompt").GetString()));
    }

    [Fact]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "RED-1")]
    public async Task Every_string_attribute_and_string_body_is_redacted_before_it_is_stored()
    {
        var alice = await KeyAsync("alice");
        var record = OtlpRequests.UserPrompt("r1", $"deploy with {GitHubToken} please");
        record.Attributes.Add(new Custodian.Otlp.Proto.Common.KeyValue
        {
            Key = "tool_input",
            Value = new Custodian.Otlp.Proto.Common.AnyValue
            {
                KvlistValue = new Custodian.Otlp.Proto.Common.KeyValueList
                {
                    Values = { OtlpRequests.Attribute("command", "git push https://x:" + GitHubToken + "@github.com/a/b"), OtlpRequests.Attribute("env." + GitHubToken, "set") },
                },
            },
        });
        // Keys are strings a client sends too: a map keyed by data.
        record.Attributes.Add(OtlpRequests.Attribute("header." + GitHubToken, "x"));
        var log = OtlpRequests.Event("api_error", "r1", 3, OtlpRequests.Attribute("error", "401 for " + GitHubToken));
        log.Body = new Custodian.Otlp.Proto.Common.AnyValue { StringValue = "request failed with Authorization: token " + GitHubToken };

        await ExportLogsAsync(alice, record, log);

        Assert.Equal(0, await TelemetryRowsAsync(GitHubToken));
        Assert.Equal(2, await TelemetryRowsAsync("[REDACTED:"));
        var telemetry = await TelemetryAsync(alice, "r1");
        Assert.DoesNotContain(GitHubToken, telemetry.GetRawText(), StringComparison.Ordinal);
        var prompt = SingleEvent(telemetry, "claude_code.user_prompt").GetProperty("attributes");
        Assert.StartsWith("deploy with [REDACTED:", prompt.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.Contains("[REDACTED:", prompt.GetProperty("tool_input").GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Contains(prompt.EnumerateObject(), p => p.Name.StartsWith("header.[REDACTED:", StringComparison.Ordinal) && p.Value.GetString() == "x");
        Assert.Contains(prompt.GetProperty("tool_input").EnumerateObject(), p => p.Name.StartsWith("env.[REDACTED:", StringComparison.Ordinal));
        // A body that is not the event's name is kept (redacted); the name then comes from event.name.
        var error = SingleEvent(telemetry, "api_error");
        Assert.Contains("[REDACTED:", error.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    /// <summary>An enterprise organization with zero data retention (set by an operator, RET-3) and a member's key.</summary>
    protected async Task<string> ZeroDataRetentionUserAsync(string subject = "zoe")
    {
        var key = await KeyAsync(subject, Role.User, Plan.Enterprise, org: "vault");
        var ops = await OperatorAsync("zdr-ops");
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/vault/policy", ops, "{\"zeroDataRetention\":true}")).Status);
        return key;
    }

    [Fact]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "RET-3")]
    [Trait("spec", "CUS-74")]
    public async Task Under_zero_data_retention_no_content_attribute_is_kept_only_names_counts_and_non_content_attributes()
    {
        var zoe = await ZeroDataRetentionUserAsync();
        var promptText = "the secret plan: " + Marker("zdr-prompt");
        var prompt = OtlpRequests.UserPrompt("z1", promptText);
        var tool = OtlpRequests.Event("tool_result", "z1", 2,
            OtlpRequests.Attribute("tool_name", "Bash"), OtlpRequests.Attribute("success", "true"), OtlpRequests.Attribute("duration_ms", "120"),
            OtlpRequests.Attribute("tool_parameters", "{\"bash_command\":\"cat " + Marker("zdr-command") + "\"}"),
            OtlpRequests.Attribute("tool_input", "{\"command\":\"rm -rf " + Marker("zdr-input") + "\"}"),
            OtlpRequests.Attribute("error", "No such file " + Marker("zdr-error")),
            OtlpRequests.Attribute("some_future_text", Marker("zdr-unknown")),
            OtlpRequests.Attribute("tool_result_size_bytes", 2048));
        var response = OtlpRequests.Event("assistant_response", "z1", 3, OtlpRequests.Attribute("response", Marker("zdr-response")), OtlpRequests.Attribute("response_length", 40),
            OtlpRequests.Attribute("model", "claude-sonnet-4-5"));
        var body = OtlpRequests.Event("api_request_body", "z1", 4, OtlpRequests.Attribute("body", "{\"messages\":\"" + Marker("zdr-body") + "\"}"), OtlpRequests.Attribute("body_length", 999));
        var survey = OtlpRequests.Event("feedback_survey", "z1", 5, OtlpRequests.Attribute("event_type", "responded"), OtlpRequests.Attribute("response", "good"),
            OtlpRequests.Attribute("appearance_id", "a-1"), OtlpRequests.Attribute("enabled_via_override", true));

        await ExportLogsAsync(zoe, prompt, tool, response, body, survey);

        Assert.Equal(5, await TelemetryRowsAsync());
        Assert.Equal(0, await TelemetryRowsAsync("MARK-zdr"));
        var telemetry = await TelemetryAsync(zoe, "z1");
        Assert.DoesNotContain("MARK-zdr", telemetry.GetRawText(), StringComparison.Ordinal);
        var p = SingleEvent(telemetry, "claude_code.user_prompt").GetProperty("attributes");
        Assert.False(p.TryGetProperty("prompt", out _));
        Assert.Equal(promptText.Length, int.Parse(p.GetProperty("prompt_length").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("z1", p.GetProperty("session.id").GetString());
        Assert.Equal("install-1234", p.GetProperty("user.id").GetString());
        Assert.Equal("tmux", p.GetProperty("terminal.type").GetString());
        var t = SingleEvent(telemetry, "claude_code.tool_result").GetProperty("attributes");
        Assert.Equal(("Bash", "true", "120", 2048L), (t.GetProperty("tool_name").GetString(), t.GetProperty("success").GetString(),
            t.GetProperty("duration_ms").GetString(), t.GetProperty("tool_result_size_bytes").GetInt64()));
        foreach (var gone in new[] { "tool_parameters", "tool_input", "error", "some_future_text" }) Assert.False(t.TryGetProperty(gone, out _), gone);
        var r = SingleEvent(telemetry, "claude_code.assistant_response").GetProperty("attributes");
        Assert.False(r.TryGetProperty("response", out _));
        Assert.Equal(("claude-sonnet-4-5", 40L), (r.GetProperty("model").GetString(), r.GetProperty("response_length").GetInt64()));
        Assert.Equal(999, SingleEvent(telemetry, "claude_code.api_request_body").GetProperty("attributes").GetProperty("body_length").GetInt64());
        // The survey's answer is a rating, not content: kept, as ratings are under ZDR (SRV-3).
        var s = SingleEvent(telemetry, "claude_code.feedback_survey").GetProperty("attributes");
        Assert.Equal(("good", true), (s.GetProperty("response").GetString(), s.GetProperty("enabled_via_override").GetBoolean()));

        // What is kept holds no content, so it is kept 30 days (CUS-74), not P0D.
        Assert.Equal(T0.AddDays(30), SingleEvent(telemetry, "claude_code.user_prompt").GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "RET-6")]
    [Trait("spec", "RET-1")]
    public async Task Retention_is_fixed_at_capture_from_the_policy_in_force_then()
    {
        var alice = await KeyAsync("alice");
        await SetConsentAsync(alice, true);
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("c1", "while consent was on"));
        Time.Advance(TimeSpan.FromMinutes(5));
        await SetConsentAsync(alice, false);
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("c1", "after consent was withdrawn", 2));

        var events = (await TelemetryAsync(alice, "c1")).GetProperty("events").EnumerateArray().ToList();

        Assert.Equal(T0.AddYears(5), events[0].GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(T0.AddMinutes(5).AddDays(30), events[1].GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    [Trait("spec", "OTL-5")]
    [Trait("spec", "TRN-3")]
    public async Task Telemetry_is_never_in_the_training_export_even_when_its_account_is_training_eligible()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        var marker = Marker("telemetry-not-training");
        var eventMarker = Marker("event-is-training");
        await CaptureAsync(alice, "t1", eventMarker);
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("t1", marker));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%")));

        var export = await ExportAsync(ops);

        Assert.True(Mentions(export, eventMarker));
        Assert.False(Mentions(export, marker));
        Assert.DoesNotContain(export, line => line.GetProperty("kind").GetString() is not ("event" or "feedback"));
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "CUS-76")]
    public async Task A_retried_batch_is_not_stored_twice_in_either_encoding()
    {
        var alice = await KeyAsync("alice");
        var batch = OtlpRequests.Logs(OtlpRequests.UserPrompt("d1", "once"), OtlpRequests.ApiRequest("d1"));

        await ExportLogsAsync(alice, batch.Clone().ResourceLogs[0].ScopeLogs[0].LogRecords.ToArray());
        Time.Advance(TimeSpan.FromSeconds(3)); // the exporter's retry comes later
        var retry = await PostLogsAsync(alice, batch, "gzip");
        var json = await PostOtlpAsync(alice, "/v1/logs", JsonLogsFor("d2", "json once"), "application/json");
        var jsonRetry = await PostOtlpAsync(alice, "/v1/logs", JsonLogsFor("d2", "json once"), "application/json");

        Assert.True(retry.Status == HttpStatusCode.OK, retry.ToString());
        Assert.True(jsonRetry.Status == HttpStatusCode.OK && json.Status == HttpStatusCode.OK, jsonRetry.ToString());
        Assert.Equal(2, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'd1'"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'd2'"));
        // d1's two events are one block with one key (CUS-88); d2's one record has its own.
        Assert.Equal(2, await StoredKeysAsync());
        // A record that differs (the next event.sequence) is another record.
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("d1", "once", sequence: 3));
        Assert.Equal(3, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'd1'"));
        // The same record twice in one batch is stored once too.
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("d3", "twice"), OtlpRequests.UserPrompt("d3", "twice"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'd3'"));
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "CUS-73")]
    public async Task Malformed_unsupported_oversized_and_unauthenticated_exports_are_refused_and_store_nothing()
    {
        await StartServerAsync(o => o with { MaxRequestBodyBytes = 64 * 1024 });
        var alice = await KeyAsync("alice");
        var valid = OtlpRequests.Logs(OtlpRequests.UserPrompt("x1", "never stored")).ToByteArray();

        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", valid[..^4], "application/x-protobuf")).AsReply(), 400, "runs past the end", "OTL-6");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":true}]}]}]}"u8.ToArray(), "application/json")).AsReply(),
            400, "resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano");
        AssertProblem((await PostOtlpAsync(alice, "/v1/metrics", "[1]"u8.ToArray(), "application/json")).AsReply(), 400, "expected a JSON object");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", [0x7B, 0xFF, 0x7D], "application/json")).AsReply(), 400, "invalid UTF-8");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", valid, "application/x-protobuf", "gzip")).AsReply(), 400, "not valid gzip");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", valid, "text/plain")).AsReply(), 415, "application/x-protobuf or application/json");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", valid, "application/x-protobuf", "br")).AsReply(), 415, "Content-Encoding br");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", Gzip(new byte[2 * 1024 * 1024]), "application/x-protobuf", "gzip")).AsReply(), 413, "expands beyond");
        AssertProblem((await PostOtlpAsync(alice, "/v1/logs", new byte[80 * 1024], "application/x-protobuf")).AsReply(), 413);
        AssertProblem((await PostOtlpAsync(null, "/v1/logs", valid, "application/x-protobuf")).AsReply(), 401);
        AssertProblem((await PostOtlpAsync("cust_" + new string('A', 43), "/v1/metrics", valid, "application/x-protobuf")).AsReply(), 401);

        Assert.Equal(0, await TelemetryRowsAsync());
        Assert.Equal(0, await StoredKeysAsync());
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "CUS-75")]
    public async Task Records_that_cannot_be_stored_are_a_partial_success_and_the_others_are_stored()
    {
        var alice = await KeyAsync("alice");
        var bad = OtlpRequests.UserPrompt("not a session id!", "refused");
        var noSession = OtlpRequests.UserPrompt("", "no session");
        noSession.Attributes.Remove(noSession.Attributes.Single(a => a.Key == "session.id"));

        var reply = await PostOtlpAsync(alice, "/v1/logs", JsonFor(OtlpRequests.Logs(OtlpRequests.UserPrompt("ok-1", "kept"), bad, noSession)), "application/json");

        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        var (rejected, message) = OtlpResponses.Decode(OtlpSignal.Logs, OtlpEncoding.Json, reply.Body);
        Assert.Equal(1, rejected);
        Assert.Contains("session.id", message, StringComparison.Ordinal);
        Assert.Equal(1, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'ok-1'"));
        // A record that names no session is kept with no session: it expires with its retention, no route reads it.
        Assert.Equal(1, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = ''"));
        Assert.Equal(2, await TelemetryRowsAsync());
    }

    /// <summary>OTLP/JSON of a request without ids or bytes: then the protobuf JSON mapping is OTLP/JSON.</summary>
    protected static byte[] JsonFor(IMessage message) => Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message));

    [Fact]
    [Trait("spec", "OTL-6")]
    public async Task A_saturated_writer_answers_503_with_Retry_After_and_the_waiting_batch_is_still_stored_once_the_store_frees()
    {
        await StartServerAsync(o => o with { MaxQueuedTelemetryRecords = 2 });
        var alice = await KeyAsync("alice");
        var writer = Services.GetRequiredService<IngestionWriter>();

        await using var blocker = await Db.OpenConnectionAsync();
        await using (var begin = blocker.CreateCommand())
        {
            // Hold the store's write lock, so the writer's first transaction waits for it.
            begin.CommandText = Db.Kind == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN; LOCK TABLE telemetry_keys IN EXCLUSIVE MODE";
            await begin.ExecuteNonQueryAsync();
        }

        var first = PostLogsAsync(alice, OtlpRequests.Logs(OtlpRequests.UserPrompt("q1", "first"), OtlpRequests.ApiRequest("q1")));
        await EventuallyAsync(() => Task.FromResult(writer.QueuedTelemetry == 2), "the first batch waits in the writer");

        var refused = await PostLogsAsync(alice, OtlpRequests.Logs(OtlpRequests.UserPrompt("q2", "second")));
        var problem = AssertProblem(refused.AsReply(), 503, "saturated", "OTL-6");
        Assert.Equal("1", refused.Response.Headers.RetryAfter?.ToString());
        _ = problem;

        await using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        var stored = await first;
        Assert.True(stored.Status == HttpStatusCode.OK, stored.ToString());
        Assert.Equal(2, await TelemetryRowsAsync());
        Assert.Equal(0, writer.QueuedTelemetry);
        // The exporter's retry of the refused batch goes through.
        Assert.Equal(HttpStatusCode.OK, (await PostLogsAsync(alice, OtlpRequests.Logs(OtlpRequests.UserPrompt("q2", "second")))).Status);
        Assert.Equal(3, await TelemetryRowsAsync());
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "DEL-2")]
    [Trait("spec", "OTL-3")]
    public async Task Deleting_a_session_removes_its_telemetry_with_its_events_and_the_audit_log_records_it()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        var marker = Marker("telemetry-erase");
        await CaptureAsync(alice, "gone", Marker("event"));
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("gone", marker), OtlpRequests.ApiRequest("gone"));
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("only-telemetry", marker));
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("kept", "stays"));
        Assert.Equal(HttpStatusCode.OK, (await PostOtlpAsync(alice, "/v1/metrics", OtlpRequests.Metrics("gone", 5, 1).ToByteArray(), "application/x-protobuf")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/gone", alice)).Status);
        // A session the server knows only from telemetry is the user's to delete too.
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/only-telemetry", alice)).Status);

        AssertProblem(await GetAsync("/v1/sessions/gone/telemetry", alice), 404);
        AssertProblem(await GetAsync("/v1/sessions/only-telemetry/telemetry", alice), 404);
        Assert.Equal(0, await TelemetryRowsAsync(marker));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id IN ('gone', 'only-telemetry')"));
        Assert.Equal(0, await StoredKeysAsync("session_id IN ('gone', 'only-telemetry')"));
        Assert.Single((await TelemetryAsync(alice, "kept")).GetProperty("events").EnumerateArray());
        var deletions = (await AuditEntriesAsync(ops)).Where(e => e.GetProperty("action").GetString() == "session.delete").ToList();
        Assert.Equal(["gone", "only-telemetry"], deletions.Select(e => e.GetProperty("target").GetString()));
        Assert.Contains("telemetry", deletions[0].GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, (await GetAsync("/v1/audit", ops)).Body, StringComparison.Ordinal);
        // And after the deletion a retried delivery is new data, stored again (a retry of erased data is not refused).
        AssertProblem(await DeleteAsync("/v1/sessions/gone", alice), 404);
    }

    [Fact]
    [Trait("spec", "RET-7")]
    [Trait("spec", "OTL-3")]
    public async Task Expired_telemetry_is_invisible_from_the_moment_it_expires_and_then_swept()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        await SetConsentAsync(bob, true);
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("e1", "thirty days"));
        await ExportLogsAsync(bob, OtlpRequests.UserPrompt("e2", "five years"));

        Time.SetUtcNow(T0.AddDays(30).AddMilliseconds(-1));
        Assert.Single((await TelemetryAsync(alice, "e1")).GetProperty("events").EnumerateArray());
        Time.SetUtcNow(T0.AddDays(30));
        AssertProblem(await GetAsync("/v1/sessions/e1/telemetry", alice), 404);
        Assert.Equal(2, await TelemetryRowsAsync());

        Time.SetUtcNow(T0 + DefaultSweepInterval);
        // PostgreSQL drops the expired partition first and trims the keys in the sweep's second transaction.
        await EventuallyAsync(async () => await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'e1'") == 0
            && await StoredKeysAsync("session_id = 'e1'") == 0, "the sweeper deletes the expired telemetry and its keys");
        Assert.Single((await TelemetryAsync(bob, "e2")).GetProperty("events").EnumerateArray());
        var report = await Store.DeleteExpiredAsync(T0.AddYears(5));
        Assert.Equal(1, report.Telemetry);
    }

    [Fact]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-38")]
    public async Task Users_read_their_own_telemetry_org_admins_their_organizations_operators_all_and_others_get_404()
    {
        var dev = await KeyAsync("dev", Role.User, Plan.Team, org: "acme");
        var admin = await KeyAsync("acme-admin", Role.OrgAdmin, Plan.Team, org: "acme");
        var otherAdmin = await KeyAsync("globex-admin", Role.OrgAdmin, Plan.Team, org: "globex");
        var stranger = await KeyAsync("stranger");
        var ops = await OperatorAsync();
        await ExportLogsAsync(dev, OtlpRequests.UserPrompt("acme-s1", "dev's prompt"));

        Assert.Equal("dev", SingleEvent(await TelemetryAsync(dev, "acme-s1"), "claude_code.user_prompt").GetProperty("accountId").GetString());
        Assert.Single((await TelemetryAsync(admin, "acme-s1")).GetProperty("events").EnumerateArray());
        Assert.Single((await TelemetryAsync(ops, "acme-s1")).GetProperty("events").EnumerateArray());
        AssertProblem(await GetAsync("/v1/sessions/acme-s1/telemetry", stranger), 404);
        AssertProblem(await GetAsync("/v1/sessions/acme-s1/telemetry", otherAdmin), 404);
        AssertProblem(await GetAsync("/v1/sessions/no-such/telemetry", dev), 404);
        AssertProblem(await GetAsync("/v1/sessions/acme-s1/telemetry", null), 401);

        var audit = await AuditEntriesAsync(ops);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "session.telemetry.read.denied" && e.GetProperty("actor").GetString() == "stranger");
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "session.telemetry.read" && e.GetProperty("actor").GetString() == "acme-admin"
            && e.GetProperty("details").GetString()!.Contains("otherAccounts=1", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, e => e.GetProperty("action").GetString() == "session.telemetry.read" && e.GetProperty("actor").GetString() == "dev");
    }
}
