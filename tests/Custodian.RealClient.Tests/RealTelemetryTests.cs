using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// The real client's OpenTelemetry, captured by a loopback OTLP/JSON receiver: what an organization's collector
/// (OTL) receives. Identity arrives as attributes (<c>user.id</c>, <c>session.id</c>) that OTL-2 keeps as data, the
/// prompt text only with <c>OTEL_LOG_USER_PROMPTS=1</c>.
/// </summary>
public sealed class RealTelemetryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait("spec", "OTL-2")]
    public async Task The_client_exports_its_session_events_and_metrics_over_otlp(bool logPrompts)
    {
        await using var api = await MessagesStandIn.StartAsync();
        await using var otlp = await OtlpJsonReceiver.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.ExportTelemetryTo(otlp);
        if (logPrompts) sandbox.Environment["OTEL_LOG_USER_PROMPTS"] = "1";
        const string prompt = "Telemetry check: say something short";
        api.Script(prompt, ScriptedTurn.Text("Something short."));

        var run = await sandbox.PrintAsync(prompt);
        Assert.False(run.IsError, run.Describe());

        var userPrompt = await otlp.WaitForLogAsync(r => r.EventName == "user_prompt", TimeSpan.FromSeconds(15));
        Assert.True(userPrompt is not null, "no user_prompt record; received: " + string.Join(", ", otlp.Logs.Select(l => l.EventName)));
        Assert.Equal(run.SessionId, userPrompt["session.id"]);
        Assert.False(string.IsNullOrEmpty(userPrompt["user.id"]));
        Assert.Equal("claude_code.user_prompt", userPrompt.Body);
        Assert.Equal("claude-code", userPrompt.Resource.GetValueOrDefault("service.name"));
        Assert.Equal(ClaudeCodeInstall.Version, userPrompt.Resource.GetValueOrDefault("service.version"));
        Assert.Equal(prompt.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), userPrompt["prompt_length"]);
        Assert.Equal(logPrompts ? prompt : "<REDACTED>", userPrompt["prompt"]);

        var apiRequest = await otlp.WaitForLogAsync(r => r.EventName == "api_request", TimeSpan.FromSeconds(15));
        Assert.True(apiRequest is not null, "no api_request record");
        Assert.Equal(api.Model, apiRequest["model"]);
        Assert.Equal(run.SessionId, apiRequest["session.id"]);

        // Metrics are exported on their own interval; the client flushes them when it exits.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!otlp.MetricNames.Contains("claude_code.token.usage") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Contains("claude_code.session.count", otlp.MetricNames);
        Assert.Contains("claude_code.token.usage", otlp.MetricNames);
        Assert.Contains("claude_code.cost.usage", otlp.MetricNames);
    }
}
