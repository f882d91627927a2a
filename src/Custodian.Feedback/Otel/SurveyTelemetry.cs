using Custodian.Feedback.Egress;
using Custodian.Feedback.Survey;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace Custodian.Feedback.Otel;

/// <summary>
/// The survey's OpenTelemetry events in OTel-override mode (SRV-4): each <see cref="SurveyEvent"/> becomes one
/// log record named <c>feedback_survey</c> with <c>enabled_via_override=true</c>, exported by the OpenTelemetry
/// .NET SDK's OTLP exporter to the collector the standard <c>OTEL_*</c> variables configure, and to nowhere
/// else. The exporter's HTTP goes through the <see cref="EgressGate"/> as <see cref="Flow.OtelCollector"/>.
/// </summary>
public sealed class SurveyTelemetry : IDisposable
{
    /// <summary>The protocol used when neither <c>OTEL_EXPORTER_OTLP_LOGS_PROTOCOL</c> nor <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> is set.</summary>
    public const string DefaultProtocol = "http/protobuf";

    /// <summary>The service name used when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "custodian";

    private static readonly EventId EventId = new(1, SurveyEvent.Name);
    private readonly ServiceProvider? _services;
    private readonly LoggerProvider? _provider;
    private readonly ILogger? _logger;
    private readonly HttpClient? _client;

    private SurveyTelemetry(ServiceProvider? services, HttpClient? client, string? disabledBecause, string endpoint)
    {
        _services = services;
        _client = client;
        _logger = services?.GetRequiredService<ILoggerFactory>().CreateLogger("Custodian.Survey");
        _provider = services?.GetService<LoggerProvider>();
        DisabledBecause = disabledBecause;
        Endpoint = endpoint;
    }

    /// <summary>Why no event will be exported (for example <c>OTEL_LOGS_EXPORTER=none</c>); null when they will be.</summary>
    public string? DisabledBecause { get; }

    /// <summary>The collector's address as configured, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// The exporter for <paramref name="environment"/> (the effective environment, whose <c>OTEL_*</c> variables
    /// configure the SDK), sending through a gate over <paramref name="flows"/> to <paramref name="transport"/>
    /// (the network by default).
    /// </summary>
    public static SurveyTelemetry Create(
        IReadOnlyDictionary<string, string> environment, IReadOnlyList<FlowState> flows, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(flows);
        var otel = environment.Where(kv => kv.Key.StartsWith("OTEL_", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);

        // The OTel specification's default protocol is http/protobuf (the .NET SDK's is gRPC); only HTTP/protobuf
        // lets the exporter's requests be sent through the egress gate (its HttpClientFactory is not used for gRPC).
        var protocol = Value(otel, "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL") ?? Value(otel, "OTEL_EXPORTER_OTLP_PROTOCOL");
        if (protocol is null) otel["OTEL_EXPORTER_OTLP_PROTOCOL"] = DefaultProtocol;
        if (Value(otel, "OTEL_SERVICE_NAME") is null) otel["OTEL_SERVICE_NAME"] = DefaultServiceName;
        var endpoint = Value(otel, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") ?? Value(otel, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? "http://localhost:4318 (the SDK's default)";

        if (protocol is not null && !string.Equals(protocol.Trim(), DefaultProtocol, StringComparison.OrdinalIgnoreCase))
            return new SurveyTelemetry(null, null, $"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: Custodian exports survey events over http/protobuf only", endpoint);
        if (Value(otel, "OTEL_LOGS_EXPORTER") is { } exporters && exporters.Split(',').Select(e => e.Trim()).Contains("none", StringComparer.OrdinalIgnoreCase))
            return new SurveyTelemetry(null, null, "OTEL_LOGS_EXPORTER=none", endpoint);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(otel).Build();
        var gate = new EgressGate(flows, transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
        var client = new HttpClient(new FlowTaggingHandler(Flow.OtelCollector, gate));
        var services = new ServiceCollection();
        // Registered before the SDK's own registration, which only adds the process environment if none is there:
        // so the SDK reads the OTEL_* variables of this invocation's environment (settings env blocks included).
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddOpenTelemetry(options =>
            {
                options.IncludeFormattedMessage = false;
                options.IncludeScopes = false;
                options.AddOtlpExporter((exporter, processor) =>
                {
                    processor.ExportProcessorType = OpenTelemetry.ExportProcessorType.Batch;
                    client.Timeout = TimeSpan.FromMilliseconds(exporter.TimeoutMilliseconds);
                    exporter.HttpClientFactory = () => client;
                });
            });
        });
        var provider = services.BuildServiceProvider();
        return new SurveyTelemetry(provider, client, null, endpoint);
    }

    /// <summary>Queues one event for export.</summary>
    public void Emit(SurveyEvent surveyEvent)
    {
        ArgumentNullException.ThrowIfNull(surveyEvent);
        if (_logger is null) return;
        var appearance = surveyEvent.Appearance;
        var type = surveyEvent.Type == SurveyEventType.Appeared ? "appeared" : "responded";
        var attributes = new List<KeyValuePair<string, object?>>(9)
        {
            new("event.name", SurveyEvent.Name),
            new("event.type", type),
            new("event.timestamp", surveyEvent.At.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            new("enabled_via_override", appearance.EnabledViaOtelOverride),
            new("session.id", appearance.SessionId),
            new("appearance_id", appearance.AppearanceId),
        };
        if (surveyEvent.Rating is { } rating)
        {
            attributes.Add(new("rating", (int)rating));
            attributes.Add(new("rating_label", rating.WireName()));
        }

        // The message template is the event's name, so the record's body reads feedback_survey too.
        attributes.Add(new("{OriginalFormat}", SurveyEvent.Name));
        _logger.Log(LogLevel.Information, EventId, attributes, null, static (_, _) => SurveyEvent.Name);
    }

    /// <summary>Exports everything queued, waiting at most <paramref name="timeout"/>; false when it could not.</summary>
    public bool Flush(TimeSpan timeout)
    {
        return _provider?.ForceFlush((int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue)) ?? true;
    }

    /// <summary>Flushes (bounded by the exporter's own timeout) and shuts the exporter down.</summary>
    public void Dispose()
    {
        // Disposing the providers flushes the batch and shuts the exporter down; the client goes last.
        _services?.Dispose();
        _client?.Dispose();
    }

    private static string? Value(Dictionary<string, string?> values, string key) =>
        values.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
