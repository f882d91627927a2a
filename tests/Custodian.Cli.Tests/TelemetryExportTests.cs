using System.Text.Json.Nodes;

namespace Custodian.Cli.Tests;

/// <summary>
/// <c>custodian policy</c> and <c>custodian dataflow</c> show where Claude Code's OpenTelemetry goes, and name
/// Custodian's collector when the endpoint is the Custodian server (OTL-1, CUS-84), from the variables alone.
/// </summary>
public sealed class TelemetryExportTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private void Export(string endpoint, string protocol = "http/protobuf")
    {
        _sandbox.Environment["CLAUDE_CODE_ENABLE_TELEMETRY"] = "1";
        _sandbox.Environment["OTEL_LOGS_EXPORTER"] = "otlp";
        _sandbox.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
        _sandbox.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint;
    }

    private JsonNode TelemetryJson()
    {
        var result = _sandbox.Run("policy", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonNode.Parse(result.Stdout)!["telemetryExport"]!;
    }

    public static TheoryData<string, string, string, string> Endpoints() => new()
    {
        // endpoint, protocol, CUSTODIAN_SERVER_URL, collector
        { "https://custodian.acme.dev", "http/protobuf", "https://custodian.acme.dev", "custodian" },
        { "https://CUSTODIAN.acme.dev:443/", "http/json", "https://custodian.acme.dev/", "custodian" },
        // The gRPC receiver has a port of its own (--otlp-grpc-urls).
        { "http://custodian.acme.dev:4317", "grpc", "http://custodian.acme.dev:8787", "custodian" },
        { "http://custodian.acme.dev:4318", "http/protobuf", "http://custodian.acme.dev:8787", "other" },
        { "https://otel.acme.dev", "http/protobuf", "https://custodian.acme.dev", "other" },
        { "http://custodian.acme.dev", "http/protobuf", "https://custodian.acme.dev", "other" },
        { "https://custodian.acme.dev", "http/protobuf", "", "other" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void The_export_is_custodians_collector_exactly_when_its_endpoint_is_the_custodian_server(string endpoint, string protocol, string server, string collector)
    {
        Export(endpoint, protocol);
        if (server.Length > 0) _sandbox.Environment["CUSTODIAN_SERVER_URL"] = server;

        var telemetry = TelemetryJson();

        Assert.Equal(collector, (string)telemetry["collector"]!);
        Assert.Equal(endpoint, (string)telemetry["endpoint"]!);
        Assert.Equal(protocol, (string)telemetry["protocol"]!);
        Assert.False(string.IsNullOrEmpty((string)telemetry["because"]!));
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void Without_CLAUDE_CODE_ENABLE_TELEMETRY_nothing_is_exported_and_a_per_signal_endpoint_must_name_its_path()
    {
        _sandbox.Environment["OTEL_LOGS_EXPORTER"] = "otlp";
        _sandbox.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "https://custodian.acme.dev";
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = "https://custodian.acme.dev";
        Assert.Equal("none", (string)TelemetryJson()["collector"]!);

        _sandbox.Environment["CLAUDE_CODE_ENABLE_TELEMETRY"] = "1";
        _sandbox.Environment["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "https://custodian.acme.dev";
        var bare = TelemetryJson();
        Assert.Equal("other", (string)bare["collector"]!);
        Assert.Contains("/v1/logs", (string)bare["because"]!, StringComparison.Ordinal);

        _sandbox.Environment["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "https://custodian.acme.dev/v1/logs";
        Assert.Equal("custodian", (string)TelemetryJson()["collector"]!);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void A_settings_env_block_counts_and_the_human_output_names_the_collector()
    {
        _sandbox.Write("home/.claude/settings.json", """
            { "env": { "CLAUDE_CODE_ENABLE_TELEMETRY": "1", "OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                       "OTEL_EXPORTER_OTLP_ENDPOINT": "https://custodian.acme.dev", "CUSTODIAN_SERVER_URL": "https://custodian.acme.dev" } }
            """);

        var result = _sandbox.Run("policy");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("OpenTelemetry: exported to Custodian's collector at https://custodian.acme.dev", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void The_dataflow_diagram_draws_claude_codes_telemetry_to_custodians_collector()
    {
        Export("https://custodian.acme.dev");
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = "https://custodian.acme.dev";

        var result = _sandbox.Run("dataflow", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var diagram = JsonNode.Parse(result.Stdout)!;
        var edge = diagram["edges"]!.AsArray().Single(e => (string)e!["id"]! == "otel-export")!;
        Assert.Equal("custodian-collector", (string)edge["to"]!);
        Assert.True((bool)edge["enabled"]!);
        Assert.Contains(diagram["nodes"]!.AsArray(), n => (string)n!["id"]! == "custodian-collector" && (string)n["label"]! == "Custodian collector");

        // Elsewhere, the same flow goes to another collector; switched off, it is drawn off.
        _sandbox.Environment.Remove("CUSTODIAN_SERVER_URL");
        Assert.Equal("opentelemetry-collector", (string)JsonNode.Parse(_sandbox.Run("dataflow", "--json").Stdout)!["edges"]!.AsArray().Single(e => (string)e!["id"]! == "otel-export")!["to"]!);
        _sandbox.Environment.Remove("CLAUDE_CODE_ENABLE_TELEMETRY");
        Assert.False((bool)JsonNode.Parse(_sandbox.Run("dataflow", "--json").Stdout)!["edges"]!.AsArray().Single(e => (string)e!["id"]! == "otel-export")!["enabled"]!);
    }
}
