using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// Differential, on a real terminal: the data-usage page's override case. With telemetry off and
/// <c>CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1</c>, the real client shows the survey and sends the rating to the
/// organization's OpenTelemetry collector only, with no transcript-share follow-up; <c>custodian policy</c> decides
/// the same for the same environment (SRV-1, SRV-4, SHR-2).
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class RealSurveyTests
{
    [Fact]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "SHR-2")]
    public async Task The_override_survey_goes_to_the_collector_only_as_custodian_decides()
    {
        await using var api = await MessagesStandIn.StartAsync();
        await using var otlp = await OtlpJsonReceiver.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.ExportTelemetryTo(otlp);
        sandbox.AllowNonessentialTraffic();
        sandbox.Environment["DISABLE_TELEMETRY"] = "1";
        sandbox.Environment["CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL"] = "1";
        api.Script("Say hello to the survey", ScriptedTurn.Text("Hello from the stand-in."));

        var policy = sandbox.Custodian("policy", "--json");
        Assert.True(policy.ExitCode == 0, policy.Stderr);
        var survey = policy.Json["survey"]!;
        Assert.True(survey["enabled"]!.GetValue<bool>());
        Assert.Equal("otel", survey["sink"]!.GetValue<string>());
        Assert.True(survey["enabledViaOtelOverride"]!.GetValue<bool>());
        Assert.False(policy.Json["transcriptShare"]!["offered"]!.GetValue<bool>());

        // The client's own switch that shows the survey at once instead of at its sampling rate (SRV-2).
        sandbox.Environment["CLAUDE_FORCE_DISPLAY_SURVEY"] = "1";
        using var terminal = await ClaudeCodeTerminal.StartAsync(sandbox);
        // Forced, it appears as soon as the client starts.
        var screen = await terminal.WaitForAsync("How is Claude doing this session?", TimeSpan.FromSeconds(60));
        foreach (var choice in new[] { "1: Bad", "2: Fine", "3: Good", "0: Dismiss" }) Assert.Contains(choice, screen, StringComparison.Ordinal);
        // A digit pressed in the first moment after the survey is drawn goes into the prompt line and the client
        // records the survey as abandoned (seen on 2.1.328: its own guard against a stray keystroke). A person reads
        // the question first; so does the test.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        terminal.SendKeys("3");
        var answered = await otlp.WaitForLogAsync(r => r.EventName == "feedback_survey" && r["event_type"] is "responded" or "abandoned", TimeSpan.FromSeconds(30));
        var responded = answered?["event_type"] == "responded" ? answered : null;
        Assert.True(responded is not null, "no responded feedback_survey record; received: " + string.Join("\n", otlp.Logs.Where(l => l.EventName == "feedback_survey").Select(l => string.Join(" ", l.Attributes.Select(a => a.Key + "=" + a.Value)))));
        Assert.Equal("good", responded["response"]);
        Assert.Equal("session", responded["survey_type"]);
        Assert.Equal("true", responded["enabled_via_override"]);
        Assert.False(string.IsNullOrEmpty(responded["appearance_id"]));
        Assert.Contains(otlp.Logs, r => r.EventName == "feedback_survey" && r["event_type"] == "appeared" && r["appearance_id"] == responded["appearance_id"]);
        // SRV-1: the rating carries no transcript, input or output.
        foreach (var record in otlp.Logs.Where(r => r.EventName == "feedback_survey"))
        {
            Assert.DoesNotContain(record.Attributes.Values, v => v.Contains("Say hello to the survey", StringComparison.Ordinal) || v.Contains("Hello from the stand-in", StringComparison.Ordinal));
        }

        // SHR-2: no follow-up in override mode, and the session goes on.
        terminal.Type("Say hello to the survey");
        terminal.SendKeys("Enter");
        screen = await terminal.WaitForAsync("Hello from the stand-in.", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("look at your session transcript", screen, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "CUS-79")]
    public async Task The_real_survey_answered_3_is_rating_3_with_enabledViaOverride_at_custodians_collector()
    {
        await using var collector = await CollectorServer.StartAsync(null);
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        collector.ExportFrom(sandbox, "http/protobuf");
        sandbox.AllowNonessentialTraffic();
        sandbox.Environment["DISABLE_TELEMETRY"] = "1";
        sandbox.Environment["CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL"] = "1";
        sandbox.Environment["CLAUDE_FORCE_DISPLAY_SURVEY"] = "1";

        using var terminal = await ClaudeCodeTerminal.StartAsync(sandbox);
        await terminal.WaitForAsync("How is Claude doing this session?", TimeSpan.FromSeconds(60));
        // As above: a digit pressed the moment the survey is drawn is taken for a stray keystroke.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        terminal.SendKeys("3");

        var (status, body) = await CollectorServer.PollAsync(() => collector.SendAsync(HttpMethod.Get, "/v1/survey/ratings", collector.DevKey),
            r => r.Status == 200 && r.Body.Contains("\"rating\":", StringComparison.Ordinal));
        Assert.True(status == 200, body);
        using var ratings = System.Text.Json.JsonDocument.Parse(body);
        var rating = Assert.Single(ratings.RootElement.GetProperty("ratings").EnumerateArray());
        Assert.Equal(3, rating.GetProperty("rating").GetInt32());
        Assert.Equal("otel", rating.GetProperty("source").GetString());
        Assert.True(rating.GetProperty("enabledViaOverride").GetBoolean());
        Assert.Equal("dev", rating.GetProperty("accountId").GetString());
        Assert.False(string.IsNullOrEmpty(rating.GetProperty("appearanceId").GetString()));
        // The rating is the session's: the same id the client's survey records carry.
        var session = rating.GetProperty("sessionId").GetString()!;
        var (telemetryStatus, telemetry) = await collector.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}/telemetry", collector.DevKey);
        Assert.True(telemetryStatus == 200, telemetry);
        Assert.Contains("\"appearance_id\":\"" + rating.GetProperty("appearanceId").GetString() + "\"", telemetry, StringComparison.Ordinal);
        // Another user of the organization does not see it (OTL-7).
        Assert.Contains("\"ratings\":[]", (await collector.SendAsync(HttpMethod.Get, "/v1/survey/ratings", collector.OtherKey)).Body, StringComparison.Ordinal);
    }

    /// <summary>Switch sets whose survey decision the client and Custodian must agree on (SRV-3, SRV-4).</summary>
    public static TheoryData<string> SurveySwitches() =>
    [
        "",
        "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1",
        "DISABLE_TELEMETRY=1",
        "DO_NOT_TRACK=1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1",
        "DO_NOT_TRACK=1 CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1",
        "DISABLE_TELEMETRY=1 CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1 CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1",
    ];

    [Theory]
    [MemberData(nameof(SurveySwitches))]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SRV-4")]
    public async Task The_survey_appears_exactly_when_custodian_says_it_is_enabled(string switches)
    {
        await using var api = await MessagesStandIn.StartAsync();
        await using var otlp = await OtlpJsonReceiver.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.ExportTelemetryTo(otlp);
        sandbox.AllowNonessentialTraffic();
        foreach (var assignment in switches.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = (assignment[..assignment.IndexOf('=', StringComparison.Ordinal)], assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            sandbox.Environment[name] = value;
        }

        var policy = sandbox.Custodian("policy", "--json");
        Assert.True(policy.ExitCode == 0, policy.Stderr);
        var enabled = policy.Json["survey"]!["enabled"]!.GetValue<bool>();

        // Forcing the display skips the sampling rate (SRV-2), not the switches: the client still decides whether
        // the survey may appear at all, which is what is compared.
        sandbox.Environment["CLAUDE_FORCE_DISPLAY_SURVEY"] = "1";
        using var terminal = await ClaudeCodeTerminal.StartAsync(sandbox);
        bool shown;
        if (enabled)
        {
            await terminal.WaitForAsync("How is Claude doing this session?", TimeSpan.FromSeconds(30));
            shown = true;
        }
        else
        {
            // When it may appear, it does right after start-up, before the client reports its plugins loaded; give
            // it that and a few seconds more on a loaded machine.
            await otlp.WaitForLogAsync(r => r.EventName == "plugin_loaded", TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(4));
            shown = terminal.Screen().Contains("How is Claude doing this session?", StringComparison.Ordinal)
                || otlp.Logs.Any(r => r.EventName == "feedback_survey");
        }

        Assert.Equal(enabled, shown);
    }
}
