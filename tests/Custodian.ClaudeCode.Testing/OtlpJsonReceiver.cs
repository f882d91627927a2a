using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Custodian.ClaudeCode.Testing;

/// <summary>One OpenTelemetry log record the client exported, flattened: its body, attributes and resource.</summary>
/// <param name="Body">The record's body, e.g. <c>claude_code.user_prompt</c>.</param>
/// <param name="Attributes">Its attributes; values as JSON text for non-strings (<c>true</c>, <c>3</c>).</param>
/// <param name="Resource">The resource attributes of its batch.</param>
public sealed record OtlpLogRecord(string Body, IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource)
{
    /// <summary>The <c>event.name</c> attribute, or the body without its <c>claude_code.</c> prefix.</summary>
    public string EventName => Attributes.TryGetValue("event.name", out var name) ? name : Body.Replace("claude_code.", string.Empty, StringComparison.Ordinal);

    /// <summary>An attribute, or null.</summary>
    public string? this[string name] => Attributes.GetValueOrDefault(name);
}

/// <summary>
/// A loopback OTLP/HTTP receiver for <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/json</c>: it records every body posted to
/// <c>/v1/logs</c> and <c>/v1/metrics</c> and answers with an empty success, as a collector does.
/// </summary>
public sealed class OtlpJsonReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentQueue<(string Path, JsonNode Body)> _posts = new();

    private OtlpJsonReceiver()
    {
    }

    /// <summary>The address to give the client as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Starts the receiver on a free loopback port.</summary>
    public static async Task<OtlpJsonReceiver> StartAsync()
    {
        var receiver = new OtlpJsonReceiver();
        (receiver._app, receiver.Endpoint) = await LoopbackApp.StartAsync(receiver.HandleAsync);
        return receiver;
    }

    /// <summary>The environment that points the client's OpenTelemetry exporters at this receiver, exporting fast.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CLAUDE_CODE_ENABLE_TELEMETRY"] = "1",
        ["OTEL_LOGS_EXPORTER"] = "otlp",
        ["OTEL_METRICS_EXPORTER"] = "otlp",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.ToString().TrimEnd('/'),
        ["OTEL_LOGS_EXPORT_INTERVAL"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
    };

    /// <summary>The paths posted to so far, in order.</summary>
    public IReadOnlyList<string> Paths => [.. _posts.Select(p => p.Path)];

    /// <summary>Every log record received so far.</summary>
    public IReadOnlyList<OtlpLogRecord> Logs
    {
        get
        {
            var records = new List<OtlpLogRecord>();
            foreach (var (path, body) in _posts)
            {
                if (path != "/v1/logs") continue;
                foreach (var resourceLogs in body["resourceLogs"] as JsonArray ?? [])
                {
                    var resource = Attributes(resourceLogs?["resource"]?["attributes"]);
                    foreach (var scopeLogs in resourceLogs?["scopeLogs"] as JsonArray ?? [])
                    {
                        foreach (var record in scopeLogs?["logRecords"] as JsonArray ?? [])
                        {
                            records.Add(new OtlpLogRecord(AnyValue(record?["body"]), Attributes(record?["attributes"]), resource));
                        }
                    }
                }
            }

            return records;
        }
    }

    /// <summary>The names of every metric received so far.</summary>
    public IReadOnlySet<string> MetricNames
    {
        get
        {
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (path, body) in _posts)
            {
                if (path != "/v1/metrics") continue;
                foreach (var resourceMetrics in body["resourceMetrics"] as JsonArray ?? [])
                {
                    foreach (var scopeMetrics in resourceMetrics?["scopeMetrics"] as JsonArray ?? [])
                    {
                        foreach (var metric in scopeMetrics?["metrics"] as JsonArray ?? [])
                        {
                            if (metric?["name"]?.GetValue<string>() is { } name) names.Add(name);
                        }
                    }
                }
            }

            return names;
        }
    }

    /// <summary>Waits until a log record matches (the client exports in batches), or the timeout passes.</summary>
    public async Task<OtlpLogRecord?> WaitForLogAsync(Func<OtlpLogRecord, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Logs.FirstOrDefault(match);
            if (found is not null || DateTime.UtcNow >= deadline) return found;
            await Task.Delay(100);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        try
        {
            if (JsonNode.Parse(text) is { } body) _posts.Enqueue((context.Request.Path.Value ?? "/", body));
        }
        catch (JsonException)
        {
            context.Response.StatusCode = 400;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{}", context.RequestAborted);
    }

    private static Dictionary<string, string> Attributes(JsonNode? list)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in list as JsonArray ?? [])
        {
            if (attribute?["key"]?.GetValue<string>() is { } key) attributes[key] = AnyValue(attribute["value"]);
        }

        return attributes;
    }

    private static string AnyValue(JsonNode? value)
    {
        if (value is not JsonObject obj) return string.Empty;
        // OTLP/JSON writes 64-bit integers as strings; either way the test sees the digits.
        foreach (var (_, inner) in obj)
        {
            return inner is JsonValue scalar && scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : inner?.ToJsonString() ?? string.Empty;
        }

        return string.Empty;
    }
}
