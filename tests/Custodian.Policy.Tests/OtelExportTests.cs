namespace Custodian.Policy.Tests;

/// <summary>
/// Where Claude Code's OpenTelemetry goes under an environment (OTL-1), and when that is the configured Custodian
/// server's collector (CUS-84): same scheme, host and port as <c>CUSTODIAN_SERVER_URL</c> and its signal route.
/// </summary>
public sealed class OtelExportTests
{
    private const string Server = "https://custodian.example.com";

    /// <summary>The export of <paramref name="variables"/>; a later definition of a name wins, as a later settings file would.</summary>
    private static OtelExport Read(params (string Name, string Value)[] variables)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in variables) map[name] = value;
        return OtelExport.FromVariables(map);
    }

    private static (string, string)[] Exporting(params (string, string)[] more) =>
    [
        ("CLAUDE_CODE_ENABLE_TELEMETRY", "1"),
        ("OTEL_LOGS_EXPORTER", "otlp"),
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        .. more,
    ];

    [Theory]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    [InlineData(Server, Server)]
    [InlineData(Server + "/", Server)]
    [InlineData(Server, Server + "/")]
    [InlineData(Server, "HTTPS://Custodian.Example.COM:443")]
    [InlineData("http://127.0.0.1:8787", "http://127.0.0.1:8787")]
    [InlineData("https://host.example/custodian/", "https://host.example/custodian")]
    public void The_generic_endpoint_at_the_servers_origin_is_Custodians_collector_for_both_signals(string endpoint, string server)
    {
        var export = Read(Exporting(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("CUSTODIAN_SERVER_URL", server)));

        Assert.True(export.Enabled);
        foreach (var signal in export.Signals)
        {
            Assert.True(signal.Exported, signal.Because);
            Assert.Equal(OtelCollectorKind.Custodian, signal.Collector);
            Assert.EndsWith(signal.Signal == OtelSignal.Logs ? "/v1/logs" : "/v1/metrics", signal.Endpoint!.AbsolutePath, StringComparison.Ordinal);
            Assert.Contains("the collector of CUSTODIAN_SERVER_URL=" + server, signal.Because, StringComparison.Ordinal);
        }
    }

    [Theory]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    [InlineData("http://custodian.example.com")]       // another scheme
    [InlineData("https://custodian.example.com:8443")] // another port
    [InlineData("https://collector.example.com")]      // another host
    [InlineData("https://custodian.example.com.evil")] // a host that only starts the same
    [InlineData("https://custodian.example.com/otlp")] // another path: the exporter posts to /otlp/v1/logs
    [InlineData("not a url")]
    public void Any_other_endpoint_is_another_collector(string endpoint)
    {
        var export = Read(Exporting(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("CUSTODIAN_SERVER_URL", Server)));

        Assert.All(export.Signals, s => Assert.Equal(OtelCollectorKind.Other, s.Collector));
        Assert.All(export.Signals, s => Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint, s.Because, StringComparison.Ordinal));
    }

    [Theory]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    [InlineData(Server + "/v1/logs", true)]
    [InlineData(Server + "/v1/logs/", true)]
    [InlineData(Server, false)]                // used as it is: the exporter would post to /
    [InlineData(Server + "/v1/metrics", false)] // the other signal's route
    public void A_per_signal_endpoint_is_used_as_it_is_and_must_be_the_signals_route(string logsEndpoint, bool custodian)
    {
        var export = Read(Exporting(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", Server),
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", logsEndpoint),
            ("CUSTODIAN_SERVER_URL", Server)));

        Assert.Equal(new Uri(logsEndpoint), export.Logs.Endpoint);
        Assert.Equal(custodian ? OtelCollectorKind.Custodian : OtelCollectorKind.Other, export.Logs.Collector);
        Assert.Contains("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=" + logsEndpoint, export.Logs.Because, StringComparison.Ordinal);
        // The generic endpoint still serves the metrics.
        Assert.Equal(OtelCollectorKind.Custodian, export.Metrics.Collector);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void Without_a_configured_server_no_endpoint_is_taken_for_Custodians()
    {
        var export = Read(Exporting(("OTEL_EXPORTER_OTLP_ENDPOINT", Server)));

        Assert.Null(export.CustodianServer);
        Assert.All(export.Signals, s => Assert.Equal(OtelCollectorKind.Other, s.Collector));
        Assert.Contains("CUSTODIAN_SERVER_URL is not set", export.Logs.Because, StringComparison.Ordinal);

        var unusable = Read(Exporting(("OTEL_EXPORTER_OTLP_ENDPOINT", Server), ("CUSTODIAN_SERVER_URL", "ftp://custodian.example.com")));
        Assert.Null(unusable.CustodianServer);
        Assert.Contains("CUSTODIAN_SERVER_URL: 'ftp://custodian.example.com' is not an absolute http or https URL", unusable.Logs.Because, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void Grpc_is_never_taken_for_Custodians_collector_since_its_address_is_its_own()
    {
        var export = Read(Exporting(
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", Server),
            ("CUSTODIAN_SERVER_URL", Server)));

        Assert.All(export.Signals, s => Assert.Equal("grpc", s.Protocol));
        Assert.All(export.Signals, s => Assert.Equal(new Uri(Server), s.Endpoint));
        Assert.All(export.Signals, s => Assert.Equal(OtelCollectorKind.Other, s.Collector));
        Assert.Contains("over grpc", export.Metrics.Because, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void Per_signal_protocols_beat_the_generic_one()
    {
        var export = Read(Exporting(
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "GRPC"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", Server),
            ("CUSTODIAN_SERVER_URL", Server)));

        Assert.Equal("http/protobuf", export.Logs.Protocol);
        Assert.Equal(OtelCollectorKind.Custodian, export.Logs.Collector);
        Assert.Equal("grpc", export.Metrics.Protocol);
        Assert.Equal(OtelCollectorKind.Other, export.Metrics.Collector);
    }

    [Theory]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "SET-4")]
    [Trait("spec", "CUS-84")]
    [InlineData("CLAUDE_CODE_ENABLE_TELEMETRY", "0", "CLAUDE_CODE_ENABLE_TELEMETRY is not true")]
    [InlineData("OTEL_LOGS_EXPORTER", "none", "OTEL_LOGS_EXPORTER=none: no otlp exporter")]
    [InlineData("OTEL_LOGS_EXPORTER", "console", "OTEL_LOGS_EXPORTER=console: no otlp exporter")]
    [InlineData("OTEL_LOGS_EXPORTER", "", "OTEL_LOGS_EXPORTER is not set")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "", "Claude Code has no default protocol")]
    public void Events_are_exported_only_with_telemetry_on_an_otlp_exporter_and_a_protocol(string name, string value, string because)
    {
        var variables = Exporting(("OTEL_EXPORTER_OTLP_ENDPOINT", Server), ("CUSTODIAN_SERVER_URL", Server))
            .ToDictionary(v => v.Item1, v => v.Item2, StringComparer.Ordinal);
        variables[name] = value;

        var export = OtelExport.FromVariables(variables);

        Assert.False(export.Logs.Exported);
        Assert.Contains(because, export.Logs.Because, StringComparison.Ordinal);
        // Where it would go is still known: the diagram draws the switched-off flow to it.
        Assert.Equal(OtelCollectorKind.Custodian, export.Logs.Collector);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void An_exporter_list_with_otlp_among_others_exports_and_names_its_sources()
    {
        var export = OtelExport.FromVariables(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["CLAUDE_CODE_ENABLE_TELEMETRY"] = "true",
                ["OTEL_METRICS_EXPORTER"] = "prometheus, OTLP",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Server,
                ["CUSTODIAN_SERVER_URL"] = Server,
            },
            name => name.StartsWith("OTEL_", StringComparison.Ordinal) ? "/etc/claude-code/managed-settings.json" : null);

        Assert.True(export.Metrics.Exported);
        Assert.False(export.Logs.Exported);
        Assert.Equal("CLAUDE_CODE_ENABLE_TELEMETRY=true", export.Because);
        Assert.Contains("OTEL_METRICS_EXPORTER=prometheus, OTLP (from /etc/claude-code/managed-settings.json)", export.Metrics.Because, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT=" + Server + " (from /etc/claude-code/managed-settings.json)", export.Metrics.Because, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "CUS-84")]
    public void With_nothing_set_nothing_is_exported_and_the_default_endpoint_is_the_sdks()
    {
        var export = OtelExport.None;

        Assert.False(export.Enabled);
        Assert.All(export.Signals, s => Assert.False(s.Exported));
        Assert.Equal(new Uri("http://localhost:4318/v1/logs"), export.Logs.Endpoint);
        Assert.Equal(new Uri("http://localhost:4318/v1/metrics"), export.Metrics.Endpoint);
        Assert.All(export.Signals, s => Assert.Equal(OtelCollectorKind.Other, s.Collector));
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "CUS-84")]
    public void The_engine_carries_the_export_and_the_switches_of_anthropics_telemetry_leave_it_on()
    {
        var context = PolicyContext.Default with
        {
            Environment = ClientEnvironment.FromVariables(new Dictionary<string, string>(
                Exporting(("OTEL_EXPORTER_OTLP_ENDPOINT", Server), ("CUSTODIAN_SERVER_URL", Server),
                    ("DISABLE_TELEMETRY", "1"), ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"))
                .Select(v => KeyValuePair.Create(v.Item1, v.Item2)), StringComparer.Ordinal)),
        };

        var decisions = PolicyEngine.Evaluate(context).Decisions!;

        Assert.False(decisions.Traffic.Metrics.Value);
        Assert.All(decisions.Telemetry.Signals, s => Assert.True(s.Exported));
        Assert.All(decisions.Telemetry.Signals, s => Assert.Equal(OtelCollectorKind.Custodian, s.Collector));
    }

    [Theory]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "CUS-74")]
    [InlineData(0, 0, 30, "P30D")]
    [InlineData(5, 0, 0, "P5Y")]
    [InlineData(0, 0, 0, "P30D")]
    public void Telemetry_is_kept_as_session_data_and_30_days_under_zero_data_retention(int years, int months, int days, string expected)
    {
        Assert.Equal(expected, ServerRetentionDecisions.TelemetryRetention(new RetentionPeriod(years, months, days)).ToString());
    }
}
