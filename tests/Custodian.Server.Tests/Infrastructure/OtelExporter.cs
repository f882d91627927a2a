using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Custodian.Server.Tests.Infrastructure;

/// <summary>
/// The OpenTelemetry .NET SDK with its OTLP exporter, as a real client of the server's collector: events are log records
/// whose body is the event name (as Claude Code's are), metrics are delta counters, both with Claude Code's resource.
/// </summary>
internal sealed class OtelExporter : IDisposable
{
    private readonly ILoggerFactory _logs;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly MeterProvider _meters;

    /// <param name="endpoint">The server's base address (HTTP) or the gRPC listener's address.</param>
    /// <param name="key">The API key, sent as <c>Authorization: Bearer</c> (OTEL_EXPORTER_OTLP_HEADERS).</param>
    /// <param name="protocol">http/protobuf or grpc.</param>
    public OtelExporter(Uri endpoint, string key, OtlpExportProtocol protocol)
    {
        void Configure(OtlpExporterOptions exporter, string path)
        {
            exporter.Protocol = protocol;
            // A programmatic HTTP endpoint is used as given, so it names the signal's path; gRPC takes the address alone.
            exporter.Endpoint = protocol == OtlpExportProtocol.Grpc ? endpoint : new Uri(endpoint, path);
            exporter.Headers = "Authorization=Bearer " + key;
            exporter.TimeoutMilliseconds = 30_000;
        }

        var resource = ResourceBuilder.CreateEmpty().AddService("claude-code", serviceVersion: "2.1.328");
        _logs = LoggerFactory.Create(logging => logging.AddOpenTelemetry(options =>
        {
            options.SetResourceBuilder(resource);
            options.IncludeFormattedMessage = false;
            options.AddOtlpExporter((exporter, processor) =>
            {
                Configure(exporter, "/v1/logs");
                // Exported as each record is written: the test reads the store right after.
                processor.ExportProcessorType = ExportProcessorType.Simple;
            });
        }));
        _logger = _logs.CreateLogger("com.anthropic.claude_code.events");
        _meter = new Meter("com.anthropic.claude_code", "2.1.328");
        _meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(_meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, "/v1/metrics");
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue;
            })
            .Build();
    }

    /// <summary>One event: a log record with body <paramref name="name"/> and these attributes.</summary>
    public void Event(string name, params (string Key, object? Value)[] attributes)
    {
        var state = attributes.Select(a => new KeyValuePair<string, object?>(a.Key, a.Value)).ToList();
        state.Add(new KeyValuePair<string, object?>("{OriginalFormat}", name));
        _logger.Log(LogLevel.Information, default, state, null, (_, _) => name);
    }

    /// <summary>Adds to a counter.</summary>
    public void Count(string name, double value, params (string Key, object? Value)[] attributes)
    {
        var counter = _meter.CreateCounter<double>(name, unit: "tokens");
        counter.Add(value, [.. attributes.Select(a => new KeyValuePair<string, object?>(a.Key, a.Value))]);
    }

    /// <summary>Exports the metrics collected so far (log records went out as they were written).</summary>
    public bool Flush() => _meters.ForceFlush(30_000);

    public void Dispose()
    {
        _meters.Dispose();
        _meter.Dispose();
        _logs.Dispose();
    }
}
