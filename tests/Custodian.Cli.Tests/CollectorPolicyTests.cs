using System.Text.Json.Nodes;

namespace Custodian.Cli.Tests;

/// <summary>
/// <c>custodian policy</c> and <c>custodian dataflow</c> on this machine show Custodian's collector as the
/// destination of Claude Code's OpenTelemetry when its endpoint is the configured Custodian server (OTL-1, CUS-84),
/// with the policy the collector applies at ingest (OTL-3).
/// </summary>
public sealed class CollectorPolicyTests : IDisposable
{
    private const string Server = "http://custodian.example:8787";

    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>Telemetry configured the way docs/server.md tells a fleet to, in the user's settings <c>env</c> block.</summary>
    private string ConfigureFleetSettings(string endpoint)
    {
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = Server;
        return _sandbox.Write("home/.claude/settings.json", $$"""
            { "env": {
                "CLAUDE_CODE_ENABLE_TELEMETRY": "1", "OTEL_LOGS_EXPORTER": "otlp", "OTEL_METRICS_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_ENDPOINT": "{{endpoint}}",
                "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer ck_test" } }
            """);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "SET-2")]
    [Trait("spec", "CUS-84")]
    public void Policy_json_names_Custodians_collector_for_both_signals_and_the_policy_at_ingest()
    {
        var settings = ConfigureFleetSettings(Server);

        var result = _sandbox.Run("policy", "--json");

        Assert.Equal(0, result.ExitCode);
        var doc = JsonNode.Parse(result.Stdout)!;
        // Extended, not changed: the documented members are all still there.
        Assert.NotNull(doc["traffic"]);
        Assert.NotNull(doc["trace"]);
        var telemetry = doc["telemetry"]!;
        Assert.True((bool)telemetry["enabled"]!);
        Assert.Equal($"CLAUDE_CODE_ENABLE_TELEMETRY=1 (from {settings})", (string)telemetry["because"]!);
        Assert.Equal(Server + "/", (string)telemetry["custodianServer"]!);
        foreach (var (signal, path) in new[] { ("logs", "/v1/logs"), ("metrics", "/v1/metrics") })
        {
            var s = telemetry[signal]!;
            Assert.True((bool)s["exported"]!);
            Assert.Equal("http/protobuf", (string)s["protocol"]!);
            Assert.Equal(Server + path, (string)s["endpoint"]!);
            Assert.Equal("custodian-collector", (string)s["destination"]!);
            Assert.Equal("CUS-84", (string)s["rule"]!);
            Assert.Contains($"OTEL_EXPORTER_OTLP_ENDPOINT={Server} (from {settings})", (string)s["because"]!, StringComparison.Ordinal);
        }

        var ingest = telemetry["ingest"]!;
        Assert.Equal("OTL-3", (string)ingest["rule"]!);
        Assert.True((bool)ingest["redaction"]!);
        Assert.False((bool)ingest["zeroDataRetention"]!);
        Assert.Equal("P30D", (string)ingest["retention"]!);
        // The bearer key in the headers is never shown.
        Assert.DoesNotContain("ck_test", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "RET-3")]
    [Trait("spec", "CUS-84")]
    public void Under_zero_data_retention_the_collector_keeps_no_content_for_30_days()
    {
        ConfigureFleetSettings(Server);
        _sandbox.Write("home/.claude/custodian/state.json", """{ "plan": "enterprise", "org": { "zeroDataRetention": true } }""");

        var doc = JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;
        var ingest = doc["telemetry"]!["ingest"]!;
        Assert.True((bool)ingest["zeroDataRetention"]!);
        Assert.Equal("P30D", (string)ingest["retention"]!);

        var text = _sandbox.Run("policy").Stdout;
        var line = text.Split('\n').Single(l => l.StartsWith("OpenTelemetry events (logs) from Claude Code:", StringComparison.Ordinal));
        Assert.Contains($"Custodian's collector at {Server}/v1/logs, policy applied at ingest: redaction, zero data retention (no content kept), kept P30D (OTL-3)", line, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void Another_collector_is_named_as_such_and_nothing_is_forecast_for_it()
    {
        ConfigureFleetSettings("https://otel.example:4318");

        var result = _sandbox.Run("policy", "--json");

        var telemetry = JsonNode.Parse(result.Stdout)!["telemetry"]!;
        Assert.Equal("otel-collector", (string)telemetry["logs"]!["destination"]!);
        Assert.Equal("https://otel.example:4318/v1/logs", (string)telemetry["logs"]!["endpoint"]!);
        Assert.Contains($"not the collector of CUSTODIAN_SERVER_URL={Server}", (string)telemetry["logs"]!["because"]!, StringComparison.Ordinal);
        Assert.Null(telemetry["ingest"]);
        var text = _sandbox.Run("policy").Stdout;
        Assert.Contains("OpenTelemetry metrics from Claude Code: an OpenTelemetry collector at https://otel.example:4318/v1/metrics (CUS-84:", text, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void Without_telemetry_on_the_text_says_not_exported()
    {
        var text = _sandbox.Run("policy").Stdout;

        Assert.Contains("OpenTelemetry events (logs) from Claude Code: not exported (CUS-84: CLAUDE_CODE_ENABLE_TELEMETRY is not true", text, StringComparison.Ordinal);
        Assert.Contains("OpenTelemetry metrics from Claude Code: not exported (CUS-84:", text, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "FLW-4")]
    [Trait("spec", "CUS-84")]
    public void Dataflow_draws_the_telemetry_flows_into_Custodians_collector_with_its_ingest_policy()
    {
        ConfigureFleetSettings(Server);

        var doc = JsonNode.Parse(_sandbox.Run("dataflow", "--json").Stdout)!;

        var collector = doc["nodes"]!.AsArray().Single(n => (string)n!["id"]! == "custodian-collector")!;
        Assert.Equal("Custodian collector", (string)collector["label"]!);
        Assert.Equal("policy at ingest: redaction, ZDR, retention", (string)collector["detail"]!);
        Assert.True((bool)collector["enabled"]!);
        Assert.DoesNotContain(doc["nodes"]!.AsArray(), n => (string)n!["id"]! == "opentelemetry-collector");
        foreach (var id in new[] { "otel-events", "otel-metrics" })
        {
            var edge = doc["edges"]!.AsArray().Single(e => (string)e!["id"]! == id)!;
            Assert.Equal("custodian-collector", (string)edge["to"]!);
            Assert.True((bool)edge["enabled"]!);
            Assert.False((bool)edge["required"]!);
            Assert.Equal("CUS-84", (string)edge["rule"]!);
        }

        // The survey's own OTel events go where the logs go, and stay off outside override mode (SRV-4).
        var survey = doc["edges"]!.AsArray().Single(e => (string)e!["id"]! == "otel-survey")!;
        Assert.Equal("custodian-collector", (string)survey["to"]!);
        Assert.False((bool)survey["enabled"]!);

        var mermaid = _sandbox.Run("dataflow").Stdout;
        Assert.Contains("custodian_collector[\"Custodian collector<br/><small>policy at ingest: redaction, ZDR, retention</small>\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("client -.->|\"events (OTel)\"| custodian_collector", mermaid, StringComparison.Ordinal);
        var dot = _sandbox.Run("dataflow", "--format", "dot").Stdout;
        Assert.Contains("custodian_collector [label=\"Custodian collector\\npolicy at ingest: redaction, ZDR, retention\"]", dot, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "FLW-4")]
    [Trait("spec", "CUS-84")]
    public void A_context_files_env_decides_the_diagram_too_but_policy_json_keeps_its_documented_shape()
    {
        var context = _sandbox.Write("ctx.json", $$$"""
            {"env":{"CLAUDE_CODE_ENABLE_TELEMETRY":"1","OTEL_METRICS_EXPORTER":"otlp","OTEL_EXPORTER_OTLP_PROTOCOL":"http/json",
                    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":"{{{Server}}}/v1/metrics","CUSTODIAN_SERVER_URL":"{{{Server}}}"}}
            """);

        var doc = JsonNode.Parse(_sandbox.Run("dataflow", "--context", context, "--json").Stdout)!;
        var edges = doc["edges"]!.AsArray();
        Assert.Equal("custodian-collector", (string)edges.Single(e => (string)e!["id"]! == "otel-metrics")!["to"]!);
        Assert.True((bool)edges.Single(e => (string)e!["id"]! == "otel-metrics")!["enabled"]!);
        var events = edges.Single(e => (string)e!["id"]! == "otel-events")!;
        Assert.Equal("opentelemetry-collector", (string)events["to"]!);
        Assert.Equal("OTEL_LOGS_EXPORTER is not set", (string)events["switch"]!);

        Assert.Null(JsonNode.Parse(_sandbox.Run("policy", "--context", context, "--json").Stdout)!["telemetry"]);
    }
}
