using Custodian.Feedback.Bundles;
using Custodian.Feedback.Egress;
using Custodian.Policy;

namespace Custodian.Feedback.Otel;

/// <summary>Where Claude Code's own OpenTelemetry export goes.</summary>
public enum TelemetryCollector
{
    /// <summary>Not exported: <c>CLAUDE_CODE_ENABLE_TELEMETRY</c> is off, or no <c>otlp</c> exporter is set.</summary>
    None,

    /// <summary>Custodian's own collector (<c>custodian serve</c>), where the data policy is applied at ingest (OTL-3).</summary>
    Custodian,

    /// <summary>Another OpenTelemetry collector, which applies none of Custodian's policy.</summary>
    Other,
}

/// <summary>
/// Claude Code's OpenTelemetry export as this machine's environment configures it (CUS-84): whether it is on, its logs
/// endpoint and protocol, and whether the endpoint is the Custodian server named by <c>CUSTODIAN_SERVER_URL</c>.
/// Decided from the variables alone, offline: the endpoint is Custodian's collector when it has the server's scheme
/// and host and, over HTTP, its port (the gRPC receiver listens on a port of its own, <c>--otlp-grpc-urls</c>).
/// </summary>
/// <param name="Collector">Where it goes.</param>
/// <param name="Endpoint">The logs endpoint as the exporter uses it (null when not exported).</param>
/// <param name="Protocol">The protocol (<c>grpc</c>, <c>http/json</c>, <c>http/protobuf</c>; null when unset).</param>
/// <param name="Because">Why, in one line.</param>
public sealed record TelemetryExport(TelemetryCollector Collector, string? Endpoint, string? Protocol, string Because)
{
    /// <summary>The diagram's name for Custodian's collector.</summary>
    public const string CustodianDestination = "Custodian collector";

    /// <summary>The wire name of <see cref="Collector"/>: <c>none</c>, <c>custodian</c> or <c>other</c>.</summary>
    public string CollectorName => Collector switch
    {
        TelemetryCollector.Custodian => "custodian",
        TelemetryCollector.Other => "other",
        _ => "none",
    };

    /// <summary>The export <paramref name="environment"/> (process and settings <c>env</c>) configures.</summary>
    public static TelemetryExport Resolve(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        if (Get("CLAUDE_CODE_ENABLE_TELEMETRY") is not ("1" or "true"))
            return new(TelemetryCollector.None, null, null, "CLAUDE_CODE_ENABLE_TELEMETRY is not set: Claude Code exports no OpenTelemetry");
        bool Otlp(string name) => Get(name) is { } exporters && exporters.Split(',').Any(e => e.Trim().Equals("otlp", StringComparison.OrdinalIgnoreCase));
        if (!Otlp("OTEL_LOGS_EXPORTER") && !Otlp("OTEL_METRICS_EXPORTER"))
            return new(TelemetryCollector.None, null, null, "neither OTEL_LOGS_EXPORTER nor OTEL_METRICS_EXPORTER is otlp");

        var protocol = Get("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL") ?? Get("OTEL_EXPORTER_OTLP_PROTOCOL");
        var grpc = string.Equals(protocol, "grpc", StringComparison.OrdinalIgnoreCase);
        // A per-signal endpoint is used as it is; the base one gets the signal's path (claude-code-otel.md).
        var perSignal = Get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
        var endpoint = perSignal ?? Get("OTEL_EXPORTER_OTLP_ENDPOINT") ?? (grpc ? "http://localhost:4317" : "http://localhost:4318");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return new(TelemetryCollector.Other, endpoint, protocol, $"the endpoint {endpoint} is not an http(s) URL");

        var serverText = Get(ServerEndpoint.UrlVariable);
        if (serverText is null || !Uri.TryCreate(serverText, UriKind.Absolute, out var server))
            return new(TelemetryCollector.Other, endpoint, protocol, $"{ServerEndpoint.UrlVariable} is not set, so the endpoint is not known to be a Custodian server");
        var sameHost = string.Equals(uri.Scheme, server.Scheme, StringComparison.Ordinal) && string.Equals(uri.IdnHost, server.IdnHost, StringComparison.OrdinalIgnoreCase);
        if (!sameHost || (!grpc && uri.Port != server.Port))
            return new(TelemetryCollector.Other, endpoint, protocol, $"the endpoint is not the Custodian server {server.GetLeftPart(UriPartial.Authority)} ({ServerEndpoint.UrlVariable})");
        if (perSignal is not null && !grpc && !uri.AbsolutePath.TrimEnd('/').EndsWith("/v1/logs", StringComparison.Ordinal))
            return new(TelemetryCollector.Other, endpoint, protocol, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT names the Custodian server without the path /v1/logs, so the exporter posts elsewhere");
        return new(TelemetryCollector.Custodian, endpoint, protocol,
            $"the endpoint is the Custodian server {server.GetLeftPart(UriPartial.Authority)}: redacted, without content under ZDR, with its retention, at ingest (OTL-3)");
    }

    /// <summary>
    /// The diagram's flows with this export: the survey's OTel flow goes where the export goes, and Claude Code's own
    /// telemetry is a flow of its own, to Custodian's collector or another.
    /// </summary>
    public IReadOnlyList<FlowState> Apply(IReadOnlyList<FlowState> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var destination = Collector == TelemetryCollector.Custodian ? CustodianDestination : "OpenTelemetry collector";
        var result = new List<FlowState>(flows.Count + 1);
        foreach (var flow in flows)
        {
            result.Add(flow.Flow == Flow.OtelCollector ? flow with { Destination = destination } : flow);
            if (flow.Flow == Flow.OtelCollector)
            {
                result.Add(new FlowState(Flow.OtelCollector, "otel-export", "Claude Code telemetry (OTel)", destination, false,
                    new Decision<bool>(Collector != TelemetryCollector.None, "OTL-1", Because)));
            }
        }

        return result;
    }
}
