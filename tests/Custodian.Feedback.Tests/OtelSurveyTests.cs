using Custodian.Feedback.Egress;
using Custodian.Feedback.Otel;
using Custodian.Feedback.Survey;
using Custodian.Policy;

namespace Custodian.Feedback.Tests;

/// <summary>
/// SRV-4 end to end: <c>custodian survey</c> in-process, an OTLP/HTTP receiver and the real Custodian server on
/// 127.0.0.1. In override mode the events reach the collector and nothing reaches the server; otherwise the reverse.
/// </summary>
public sealed class OtelSurveyTests : IAsyncLifetime
{
    private readonly SurveySandbox _sandbox = new();
    private OtlpReceiver _collector = null!;
    private LoopbackCustodianServer _server = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _collector = await OtlpReceiver.StartAsync();
        _server = await LoopbackCustodianServer.StartAsync();
        _key = await _server.KeyAsync("ada");
        _sandbox.Session("s-otel");
        _sandbox.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Endpoint.ToString().TrimEnd('/');
        _sandbox.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        _sandbox.Environment["OTEL_SERVICE_NAME"] = "custodian-survey-test";
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = _server.Address.ToString();
        _sandbox.Environment["CUSTODIAN_API_KEY"] = _key;
    }

    public async Task DisposeAsync()
    {
        await _collector.DisposeAsync();
        await _server.DisposeAsync();
        _sandbox.Dispose();
    }

    [Theory]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "SHR-2")]
    [InlineData("DISABLE_TELEMETRY")]
    [InlineData("DO_NOT_TRACK")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")]
    public async Task With_the_override_the_events_reach_the_collector_and_nothing_reaches_the_server(string telemetrySwitch)
    {
        _sandbox.Environment[telemetrySwitch] = "1";
        _sandbox.Environment["CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL"] = "1";

        var result = await _sandbox.RunAsync("3\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("OpenTelemetry collector only", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Can Anthropic look", result.Stdout, StringComparison.Ordinal);
        var logs = _collector.Text();
        foreach (var expected in new[] { "feedback_survey", "enabled_via_override", "appeared", "responded", "s-otel", "appearance_id", "custodian-survey-test" })
        {
            Assert.Contains(expected, logs, StringComparison.Ordinal);
        }

        Assert.All(_collector.Received, r => Assert.Equal("/v1/logs", r.Path));
        Assert.Empty(_server.Received);
        Assert.Empty(await _server.Store.ListRatingsAsync("ada", DateTimeOffset.UtcNow));
        Assert.False(File.Exists(_sandbox.RatingsPath));
    }

    [Fact]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "SRV-1")]
    public async Task Without_the_override_the_rating_goes_to_the_server_and_nothing_to_the_collector()
    {
        var result = await _sandbox.RunAsync("2\nn\n");

        Assert.Equal(0, result.ExitCode);
        var rating = Assert.Single(await _server.Store.ListRatingsAsync("ada", DateTimeOffset.UtcNow));
        Assert.Equal(("s-otel", 2), (rating.SessionId, rating.Value));
        Assert.Contains("POST /v1/survey/ratings", _server.Received);
        Assert.Empty(_collector.Received);
    }

    [Fact]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SRV-4")]
    public async Task With_a_telemetry_switch_and_no_override_nothing_goes_anywhere()
    {
        _sandbox.Environment["DO_NOT_TRACK"] = "1";

        var result = await _sandbox.RunAsync("3\n");

        Assert.Contains("SRV-3", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(_collector.Received);
        Assert.Empty(_server.Received);
    }

    [Fact]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "FLW-5")]
    public void The_exporter_sends_only_through_the_egress_gate()
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Endpoint.ToString().TrimEnd('/'),
        };
        var appearance = new SurveyAppearance("a1", "s1", SurveyTestKit.Now, SurveySink.Otel, true);
        var sent = new SurveyEvent(SurveyEventType.Appeared, appearance, null, SurveyTestKit.Now);

        // Normal mode: the gate keeps the OTel flow shut, so even an event emitted directly never leaves.
        using (var shut = SurveyTelemetry.Create(environment, FlowCatalog.Evaluate(SurveyTestKit.Decisions())))
        {
            shut.Emit(sent);
            shut.Flush(TimeSpan.FromSeconds(10));
        }

        Assert.Empty(_collector.Received);

        // Override mode: the same emitter reaches the collector, with the protocol defaulting to http/protobuf.
        using (var open = SurveyTelemetry.Create(environment, FlowCatalog.Evaluate(SurveyTestKit.Decisions("DO_NOT_TRACK=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"))))
        {
            Assert.Null(open.DisabledBecause);
            open.Emit(sent);
            Assert.True(open.Flush(TimeSpan.FromSeconds(10)));
        }

        Assert.Contains("feedback_survey", _collector.Text(), StringComparison.Ordinal);
        Assert.Contains(SurveyTelemetry.DefaultServiceName, _collector.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [Trait("spec", "SRV-4")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]
    [InlineData("OTEL_LOGS_EXPORTER", "none")]
    public void Settings_that_would_bypass_the_gate_or_turn_logs_off_export_nothing(string variable, string value)
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Endpoint.ToString().TrimEnd('/'),
            [variable] = value,
        };
        var appearance = new SurveyAppearance("a1", "s1", SurveyTestKit.Now, SurveySink.Otel, true);

        using (var telemetry = SurveyTelemetry.Create(environment, FlowCatalog.Evaluate(SurveyTestKit.Decisions("DO_NOT_TRACK=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"))))
        {
            Assert.Contains(variable, telemetry.DisabledBecause, StringComparison.Ordinal);
            telemetry.Emit(new SurveyEvent(SurveyEventType.Appeared, appearance, null, SurveyTestKit.Now));
            telemetry.Flush(TimeSpan.FromSeconds(5));
        }

        Assert.Empty(_collector.Received);
    }
}
