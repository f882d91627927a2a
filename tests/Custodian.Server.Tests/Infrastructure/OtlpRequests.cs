using System.Globalization;
using Custodian.Otlp.Proto.Collector.Logs;
using Custodian.Otlp.Proto.Collector.Metrics;
using Custodian.Otlp.Proto.Common;
using Custodian.Otlp.Proto.Logs;
using Custodian.Otlp.Proto.Metrics;
using Custodian.Otlp.Proto.Resource;

namespace Custodian.Server.Tests.Infrastructure;

/// <summary>OTLP export requests built with the generated message classes, shaped as Claude Code sends them.</summary>
internal static class OtlpRequests
{
    public static readonly ulong T0Nanos = (ulong)new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000UL;

    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static KeyValue Attribute(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    public static KeyValue Attribute(string key, bool value) => new() { Key = key, Value = new AnyValue { BoolValue = value } };

    /// <summary>A Claude Code event: body <c>claude_code.NAME</c>, the standard attributes, and <paramref name="attributes"/>.</summary>
    public static LogRecord Event(string name, string session, int sequence, params KeyValue[] attributes)
    {
        var record = new LogRecord
        {
            TimeUnixNano = T0Nanos + (ulong)sequence * 1_000_000UL,
            ObservedTimeUnixNano = T0Nanos + (ulong)sequence * 1_000_000UL,
            Body = new AnyValue { StringValue = "claude_code." + name },
            Attributes =
            {
                Attribute("event.name", name),
                Attribute("event.timestamp", "2026-03-02T09:00:00.000Z"),
                Attribute("event.sequence", sequence),
                Attribute("session.id", session),
                Attribute("user.id", "install-1234"),
                Attribute("terminal.type", "tmux"),
            },
        };
        record.Attributes.AddRange(attributes);
        return record;
    }

    public static LogRecord UserPrompt(string session, string prompt, int sequence = 1) => Event("user_prompt", session, sequence,
        Attribute("prompt_length", prompt.Length.ToString(CultureInfo.InvariantCulture)), Attribute("prompt", prompt), Attribute("prompt.id", "p-" + sequence));

    public static LogRecord ApiRequest(string session, int sequence = 2) => Event("api_request", session, sequence,
        Attribute("model", "claude-sonnet-4-5"), Attribute("input_tokens", 1200), Attribute("output_tokens", 80), Attribute("duration_ms", "950"),
        Attribute("cost_usd", "0.0123"), Attribute("request_id", "req_1"));

    public static ExportLogsServiceRequest Logs(params LogRecord[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code.events", Version = "2.1.328" } };
        scope.LogRecords.AddRange(records);
        var resource = new ResourceLogs
        {
            Resource = new Resource
            {
                Attributes = { Attribute("service.name", "claude-code"), Attribute("service.version", "2.1.328"), Attribute("os.type", "linux"), Attribute("host.arch", "amd64") },
            },
        };
        resource.ScopeLogs.Add(scope);
        return new ExportLogsServiceRequest { ResourceLogs = { resource } };
    }

    public static ExportMetricsServiceRequest Metrics(string session, double tokens, long seconds)
    {
        var usage = new Sum { AggregationTemporality = AggregationTemporality.Delta, IsMonotonic = true };
        usage.DataPoints.Add(new NumberDataPoint
        {
            StartTimeUnixNano = T0Nanos,
            TimeUnixNano = T0Nanos + 60_000_000_000UL,
            AsDouble = tokens,
            Attributes = { Attribute("session.id", session), Attribute("type", "input"), Attribute("model", "claude-sonnet-4-5") },
        });
        var active = new Sum { AggregationTemporality = AggregationTemporality.Delta, IsMonotonic = true };
        active.DataPoints.Add(new NumberDataPoint
        {
            StartTimeUnixNano = T0Nanos,
            TimeUnixNano = T0Nanos + 60_000_000_000UL,
            AsInt = seconds,
            Attributes = { Attribute("session.id", session), Attribute("type", "user") },
        });
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code", Version = "2.1.328" } };
        scope.Metrics.Add(new Metric { Name = "claude_code.token.usage", Unit = "tokens", Sum = usage });
        scope.Metrics.Add(new Metric { Name = "claude_code.active_time.total", Unit = "s", Sum = active });
        var resource = new ResourceMetrics { Resource = new Resource { Attributes = { Attribute("service.name", "claude-code") } } };
        resource.ScopeMetrics.Add(scope);
        return new ExportMetricsServiceRequest { ResourceMetrics = { resource } };
    }

    /// <summary>Unix nanoseconds of a time.</summary>
    public static ulong Nanos(DateTimeOffset at) => (ulong)at.ToUnixTimeMilliseconds() * 1_000_000UL;

    /// <summary>A data point of a Claude Code counter: its session, the end of its interval, its value and attributes.</summary>
    public static NumberDataPoint Point(string? session, DateTimeOffset start, DateTimeOffset at, double value, params KeyValue[] attributes)
    {
        var point = new NumberDataPoint { StartTimeUnixNano = Nanos(start), TimeUnixNano = Nanos(at), AsDouble = value };
        if (session is not null) point.Attributes.Add(Attribute("session.id", session));
        point.Attributes.AddRange(attributes);
        return point;
    }

    /// <summary>A monotonic sum (Claude Code's counters are all sums) with the given temporality.</summary>
    public static Metric Counter(string name, bool cumulative, params NumberDataPoint[] points)
    {
        var sum = new Sum { AggregationTemporality = cumulative ? AggregationTemporality.Cumulative : AggregationTemporality.Delta, IsMonotonic = true };
        sum.DataPoints.AddRange(points);
        return new Metric { Name = name, Sum = sum };
    }

    /// <summary>An export request holding <paramref name="metrics"/>, scoped as Claude Code's meter.</summary>
    public static ExportMetricsServiceRequest MetricsOf(params Metric[] metrics)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code", Version = "2.1.328" } };
        scope.Metrics.AddRange(metrics);
        var resource = new ResourceMetrics { Resource = new Resource { Attributes = { Attribute("service.name", "claude-code") } } };
        resource.ScopeMetrics.Add(scope);
        return new ExportMetricsServiceRequest { ResourceMetrics = { resource } };
    }
}
