using Custodian.Otlp.Proto.Collector.Logs;
using Custodian.Otlp.Proto.Collector.Metrics;
using Custodian.Otlp.Proto.Common;
using Custodian.Otlp.Proto.Logs;
using Custodian.Otlp.Proto.Metrics;
using Custodian.Otlp.Proto.Resource;
using Google.Protobuf;

namespace Custodian.Otlp.Tests;

/// <summary>Export requests built with the generated message classes, as an OTLP exporter writes them.</summary>
internal static class Requests
{
    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static KeyValue Attribute(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    public static KeyValue Attribute(string key, bool value) => new() { Key = key, Value = new AnyValue { BoolValue = value } };

    public static KeyValue Attribute(string key, AnyValue value) => new() { Key = key, Value = value };

    public static AnyValue Nested(int depth)
    {
        var value = new AnyValue { StringValue = "leaf" };
        for (var i = 0; i < depth; i++)
        {
            var list = new KeyValueList();
            list.Values.Add(new KeyValue { Key = "k" + i, Value = value });
            value = new AnyValue { KvlistValue = list };
        }

        return value;
    }

    /// <summary>A Claude Code <c>user_prompt</c> event as the real client sends it.</summary>
    public static LogRecord UserPrompt(string session, string prompt, int sequence = 1) => new()
    {
        TimeUnixNano = 1_796_000_000_000_000_000UL + (ulong)sequence,
        ObservedTimeUnixNano = 1_796_000_000_000_000_000UL + (ulong)sequence,
        Body = new AnyValue { StringValue = "claude_code.user_prompt" },
        Attributes =
        {
            Attribute("event.name", "user_prompt"),
            Attribute("event.timestamp", "2026-11-30T12:00:00.000Z"),
            Attribute("event.sequence", sequence),
            Attribute("session.id", session),
            Attribute("prompt_length", prompt.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Attribute("prompt", prompt),
        },
    };

    public static ExportLogsServiceRequest Logs(params LogRecord[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code.events", Version = "2.1.328" } };
        scope.LogRecords.AddRange(records);
        var resource = new ResourceLogs
        {
            Resource = new Resource { Attributes = { Attribute("service.name", "claude-code"), Attribute("service.version", "2.1.328") } },
        };
        resource.ScopeLogs.Add(scope);
        return new ExportLogsServiceRequest { ResourceLogs = { resource } };
    }

    public static ExportMetricsServiceRequest Metrics(params Metric[] metrics)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code", Version = "2.1.328" } };
        scope.Metrics.AddRange(metrics);
        var resource = new ResourceMetrics { Resource = new Resource { Attributes = { Attribute("service.name", "claude-code") } } };
        resource.ScopeMetrics.Add(scope);
        return new ExportMetricsServiceRequest { ResourceMetrics = { resource } };
    }

    public static Metric Counter(string name, string unit, params NumberDataPoint[] points)
    {
        var sum = new Sum { AggregationTemporality = AggregationTemporality.Delta, IsMonotonic = true };
        sum.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = unit, Sum = sum };
    }

    public static NumberDataPoint Point(double value, string session, string type) => new()
    {
        StartTimeUnixNano = 1_796_000_000_000_000_000UL,
        TimeUnixNano = 1_796_000_060_000_000_000UL,
        AsDouble = value,
        Attributes = { Attribute("session.id", session), Attribute("type", type) },
    };

    public static byte[] Bytes(IMessage message) => message.ToByteArray();
}
