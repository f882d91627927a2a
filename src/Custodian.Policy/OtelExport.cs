namespace Custodian.Policy;

/// <summary>The two OpenTelemetry signals Claude Code exports: events (OTLP logs) and metrics.</summary>
public enum OtelSignal
{
    /// <summary>Events, exported as OTLP logs (<c>/v1/logs</c>).</summary>
    Logs,
    /// <summary>Metrics (<c>/v1/metrics</c>).</summary>
    Metrics,
}

/// <summary>Where one signal goes: a collector the client cannot identify, or Custodian's own (CUS-84).</summary>
public enum OtelCollectorKind
{
    /// <summary>An OpenTelemetry collector Custodian knows nothing about.</summary>
    Other,
    /// <summary>The collector of the Custodian server this client is configured for, which applies the data policy at ingest (OTL-3).</summary>
    Custodian,
}

/// <summary>How Claude Code exports one signal under the effective environment (CUS-84).</summary>
/// <param name="Signal">The signal.</param>
/// <param name="Exported">Whether Claude Code exports it over OTLP at all.</param>
/// <param name="Protocol">The OTLP protocol (<c>http/protobuf</c>, <c>http/json</c>, <c>grpc</c>) as set, else null.</param>
/// <param name="Endpoint">The URL the exporter sends to; null when the endpoint variable is not an absolute http or https URL.</param>
/// <param name="Collector">Whose collector <paramref name="Endpoint"/> is.</param>
/// <param name="ExportBecause">The variables that decided <paramref name="Exported"/>, with their sources; when it is false, the cause comes first, before a colon.</param>
/// <param name="CollectorBecause">The variables that decided <paramref name="Endpoint"/> and <paramref name="Collector"/>.</param>
public sealed record OtelSignalExport(
    OtelSignal Signal, bool Exported, string? Protocol, Uri? Endpoint, OtelCollectorKind Collector, string ExportBecause, string CollectorBecause)
{
    /// <summary>Both reasons in one phrase: whether it is exported, then where to.</summary>
    public string Because => $"{ExportBecause}; {CollectorBecause}";

    /// <summary><c>logs</c> or <c>metrics</c>.</summary>
    public string Name => Signal == OtelSignal.Logs ? "logs" : "metrics";
}

/// <summary>
/// Claude Code's export of OpenTelemetry to the organization's collector (OTL-1), as the effective environment
/// configures it, and whether that collector is the configured Custodian server's (CUS-84). This is the
/// organization's own channel: the switches of Anthropic's telemetry (<c>DISABLE_TELEMETRY</c>, <c>DO_NOT_TRACK</c>,
/// nonessential traffic) leave it alone. Decided from the variables only, never by asking the network, so that
/// <c>custodian policy</c> stays offline and fast.
/// </summary>
/// <param name="Enabled">Whether <c>CLAUDE_CODE_ENABLE_TELEMETRY</c> is true (SET-4), without which nothing is exported.</param>
/// <param name="Because">The evidence for <paramref name="Enabled"/>.</param>
/// <param name="CustodianServer">The configured Custodian server (<c>CUSTODIAN_SERVER_URL</c>) when it is a usable URL, else null.</param>
/// <param name="Logs">Events.</param>
/// <param name="Metrics">Metrics.</param>
public sealed record OtelExport(bool Enabled, string Because, Uri? CustodianServer, OtelSignalExport Logs, OtelSignalExport Metrics)
{
    /// <summary>Turns on Claude Code's OpenTelemetry export (boolean, SET-4).</summary>
    public const string EnableTelemetryVariable = "CLAUDE_CODE_ENABLE_TELEMETRY";

    /// <summary>The Custodian server the client uploads to (docs/feedback.md); its origin identifies Custodian's collector.</summary>
    public const string CustodianServerUrlVariable = "CUSTODIAN_SERVER_URL";

    /// <summary>The signal's default endpoint over OTLP/HTTP, as the OpenTelemetry exporter specification sets it.</summary>
    public const string DefaultHttpEndpoint = "http://localhost:4318";

    /// <summary>The default endpoint over gRPC.</summary>
    public const string DefaultGrpcEndpoint = "http://localhost:4317";

    /// <summary>The export with no variable set.</summary>
    public static readonly OtelExport None = FromVariables(new Dictionary<string, string>());

    /// <summary>Both signals, logs first.</summary>
    public IReadOnlyList<OtelSignalExport> Signals => [Logs, Metrics];

    /// <summary>The signal's export.</summary>
    public OtelSignalExport this[OtelSignal signal] => signal == OtelSignal.Logs ? Logs : Metrics;

    /// <summary>
    /// Reads the export from <paramref name="variables"/> (the effective environment: the process's overridden by
    /// settings <c>env</c> blocks); <paramref name="sourceOf"/> names where a variable came from, as for
    /// <see cref="ClientEnvironment.FromVariables"/>.
    /// </summary>
    public static OtelExport FromVariables(IReadOnlyDictionary<string, string> variables, Func<string, string?>? sourceOf = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        string? Value(string name) => variables.TryGetValue(name, out var v) && v.Trim().Length > 0 ? v.Trim() : null;
        string Evidence(string name) => ClientEnvironment.Evidence(name, variables[name], sourceOf);

        var enabled = ClientEnvironment.IsTrue(variables.GetValueOrDefault(EnableTelemetryVariable));
        var because = enabled
            ? Evidence(EnableTelemetryVariable)
            : $"{EnableTelemetryVariable} is not true: Claude Code exports no OpenTelemetry";

        Uri? server = null;
        string serverNote;
        if (Value(CustodianServerUrlVariable) is not { } serverText)
        {
            serverNote = $"{CustodianServerUrlVariable} is not set, so no endpoint is known to be a Custodian server";
        }
        else if (Uri.TryCreate(serverText, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
        {
            server = parsed.AbsoluteUri.EndsWith('/') ? parsed : new Uri(parsed.AbsoluteUri + "/");
            serverNote = $"not the collector of {Evidence(CustodianServerUrlVariable)}";
        }
        else
        {
            serverNote = $"{CustodianServerUrlVariable}: '{serverText}' is not an absolute http or https URL";
        }

        OtelSignalExport Signal(OtelSignal signal, string upper, string path)
        {
            var exporterName = $"OTEL_{upper}_EXPORTER";
            var protocolName = Value($"OTEL_EXPORTER_OTLP_{upper}_PROTOCOL") is not null ? $"OTEL_EXPORTER_OTLP_{upper}_PROTOCOL"
                : Value("OTEL_EXPORTER_OTLP_PROTOCOL") is not null ? "OTEL_EXPORTER_OTLP_PROTOCOL"
                : null;
            var protocol = protocolName is null ? null : Value(protocolName)!.ToLowerInvariant();
            var grpc = protocol == "grpc";

            // The per-signal endpoint is used as it is; the generic one gets the signal's path (HTTP only).
            var signalEndpointName = $"OTEL_EXPORTER_OTLP_{upper}_ENDPOINT";
            string endpointText;
            string endpointEvidence;
            if (Value(signalEndpointName) is { } own)
            {
                endpointText = own;
                endpointEvidence = Evidence(signalEndpointName);
            }
            else if (Value("OTEL_EXPORTER_OTLP_ENDPOINT") is { } generic)
            {
                endpointText = grpc ? generic : generic.TrimEnd('/') + path;
                endpointEvidence = Evidence("OTEL_EXPORTER_OTLP_ENDPOINT");
            }
            else
            {
                endpointText = grpc ? DefaultGrpcEndpoint : DefaultHttpEndpoint + path;
                endpointEvidence = "no OTLP endpoint is set (the exporter's default)";
            }

            var endpoint = Uri.TryCreate(endpointText, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u : null;
            var collector = endpoint is not null && server is not null && !grpc && IsCollectorOf(server, endpoint, path)
                ? OtelCollectorKind.Custodian
                : OtelCollectorKind.Other;

            string where = endpoint is null
                ? $"{endpointEvidence}: not an absolute http or https URL"
                : collector == OtelCollectorKind.Custodian
                    ? $"{endpointEvidence}: the collector of {Evidence(CustodianServerUrlVariable)}"
                    : grpc && server is not null
                        ? $"{endpointEvidence}: over grpc, which Custodian's collector serves on an address of its own that {CustodianServerUrlVariable} does not name"
                        : $"{endpointEvidence}: {serverNote}";

            bool exported;
            string why;
            var exporters = Value(exporterName);
            if (!enabled)
            {
                (exported, why) = (false, because);
            }
            else if (exporters is null || !exporters.Split(',').Any(e => e.Trim().Equals("otlp", StringComparison.OrdinalIgnoreCase)))
            {
                (exported, why) = (false, exporters is null ? $"{exporterName} is not set: no exporter" : $"{Evidence(exporterName)}: no otlp exporter");
            }
            else if (protocol is null)
            {
                (exported, why) = (false, $"no OTLP protocol set: Claude Code has no default protocol, so {Evidence(exporterName)} needs OTEL_EXPORTER_OTLP_PROTOCOL");
            }
            else
            {
                (exported, why) = (true, $"{Evidence(exporterName)}, {Evidence(protocolName!)}");
            }

            return new OtelSignalExport(signal, exported, protocol, endpoint, collector, why, where);
        }

        return new OtelExport(enabled, because, server, Signal(OtelSignal.Logs, "LOGS", "/v1/logs"), Signal(OtelSignal.Metrics, "METRICS", "/v1/metrics"));
    }

    /// <summary>
    /// True when <paramref name="endpoint"/> is the OTLP/HTTP route <paramref name="path"/> of the server at
    /// <paramref name="server"/>: the same scheme, host and port (the origin) and the server's path followed by the
    /// signal's. Only the HTTP receivers share the server's address, so only they can be recognised from it.
    /// </summary>
    public static bool IsCollectorOf(Uri server, Uri endpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(path);
        var sameOrigin = string.Equals(server.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(server.IdnHost, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
            && server.Port == endpoint.Port;
        return sameOrigin && string.Equals(
            server.AbsolutePath.TrimEnd('/') + path, endpoint.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);
    }
}
