using System.Text.Json;
using Custodian.ClaudeCode.Testing;
using Custodian.Postgres.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// The real client exporting its OpenTelemetry to Custodian's own collector (OTL-1): over http/protobuf, http/json
/// and grpc, with the key in <c>OTEL_EXPORTER_OTLP_HEADERS</c>, on SQLite and PostgreSQL. The prompt it sends (with
/// <c>OTEL_LOG_USER_PROMPTS=1</c>) holds a secret: it is stored redacted, and under zero data retention not at all
/// (OTL-3). Read back over the API: its user reads it, another user gets 404 (OTL-7), and erasing the session erases
/// it (DEL-1).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RealCollectorTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData("http/protobuf", "sqlite", false)]
    [InlineData("http/json", "sqlite", false)]
    [InlineData("grpc", "sqlite", false)]
    [InlineData("http/protobuf", "sqlite", true)]
    [InlineData("http/protobuf", "postgres", false)]
    [InlineData("http/json", "postgres", false)]
    [InlineData("grpc", "postgres", true)]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-2")]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "DEL-1")]
    public async Task The_real_client_exports_to_custodian_serve_its_prompt_is_stored_redacted_or_under_ZDR_not_at_all_read_only_by_its_user_and_erased_with_the_session(
        string protocol, string storeKind, bool zeroDataRetention)
    {
        await using var collector = await CollectorServer.StartAsync(storeKind == "postgres" ? cluster : null, zeroDataRetention, grpc: protocol == "grpc");
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        collector.ExportFrom(sandbox, protocol);
        sandbox.Environment["OTEL_LOG_USER_PROMPTS"] = "1";
        var prompt = $"Collector check, deploy with {RealClientKit.GitHubToken} and say ok";
        api.Script(prompt, ScriptedTurn.Text("ok"));

        var run = await sandbox.PrintAsync(prompt);
        Assert.False(run.IsError, run.Describe());

        var path = $"/v1/sessions/{run.SessionId}/telemetry";
        var (status, body) = await CollectorServer.PollAsync(() => collector.SendAsync(HttpMethod.Get, path, collector.DevKey),
            r => r.Status == 200 && r.Body.Contains("\"claude_code.user_prompt\"", StringComparison.Ordinal) && r.Body.Contains("\"claude_code.api_request\"", StringComparison.Ordinal));
        Assert.True(status == 200, body);
        using var telemetry = JsonDocument.Parse(body);
        var events = telemetry.RootElement.GetProperty("events").EnumerateArray().ToList();
        var userPrompt = Assert.Single(events, e => e.GetProperty("name").GetString() == "claude_code.user_prompt");
        Assert.Contains(events, e => e.GetProperty("name").GetString() == "claude_code.api_request");
        Assert.All(events, e => Assert.Equal("dev", e.GetProperty("accountId").GetString()));
        Assert.DoesNotContain(RealClientKit.GitHubToken, body, StringComparison.Ordinal);
        var attributes = userPrompt.GetProperty("attributes");
        Assert.Equal(run.SessionId, attributes.GetProperty("session.id").GetString());
        if (zeroDataRetention)
        {
            Assert.DoesNotContain("Collector check", body, StringComparison.Ordinal);
            Assert.False(attributes.TryGetProperty("prompt", out _));
            Assert.True(attributes.TryGetProperty("prompt_length", out _));
        }
        else
        {
            Assert.StartsWith("Collector check, deploy with [REDACTED:", attributes.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        }

        // Another user of the same organization reads none of it (OTL-7, CUS-17).
        Assert.Equal(404, (await collector.SendAsync(HttpMethod.Get, path, collector.OtherKey)).Status);

        // Erasure takes the telemetry with it (DEL-1); the client has exited, so nothing of the session arrives after it.
        Assert.Equal(204, (await collector.SendAsync(HttpMethod.Delete, $"/v1/sessions/{run.SessionId}", collector.DevKey)).Status);
        Assert.Equal(404, (await collector.SendAsync(HttpMethod.Get, path, collector.DevKey)).Status);
        Assert.Empty(await collector.Store.GetSessionTelemetryAsync(run.SessionId, Custodian.Storage.TelemetryAudience.Everyone, DateTimeOffset.UtcNow));
    }
}
