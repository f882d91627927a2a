using Custodian.Otlp.Proto.Collector.Logs;
using Custodian.Otlp.Proto.Collector.Metrics;
using Custodian.Otlp.Proto.Common;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Custodian.Otlp.Internal;

/// <summary>
/// Protobuf export requests: the bounds are checked by <see cref="WireScan"/> without allocating, then the generated
/// parser reads the request (unknown fields discarded), and its messages become the plain records.
/// </summary>
internal static class ProtobufDecoding
{
    private static readonly MessageParser<ExportLogsServiceRequest> LogsParser = ExportLogsServiceRequest.Parser.WithDiscardUnknownFields(true);
    private static readonly MessageParser<ExportMetricsServiceRequest> MetricsParser = ExportMetricsServiceRequest.Parser.WithDiscardUnknownFields(true);

    public static OtlpDecodeResult<OtlpLogBatch> Logs(ReadOnlySpan<byte> payload, OtlpLimits limits)
    {
        if (WireScan.Check(payload, WireMessage.LogsRequest, limits) is { } problem) return new(null, problem, payload.Length);
        ExportLogsServiceRequest request;
        try
        {
            request = LogsParser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new(null, new OtlpProblem(OtlpProblemKind.Malformed, "ExportLogsServiceRequest: " + e.Message), payload.Length);
        }

        var records = new List<OtlpLogRecord>();
        for (var r = 0; r < request.ResourceLogs.Count; r++)
        {
            var resourceLogs = request.ResourceLogs[r];
            var resource = resourceLogs.Resource is { } res ? new OtlpResource(Attributes(res.Attributes)) : OtlpResource.None;
            for (var s = 0; s < resourceLogs.ScopeLogs.Count; s++)
            {
                var scopeLogs = resourceLogs.ScopeLogs[s];
                var scope = Scope(scopeLogs.Scope);
                for (var l = 0; l < scopeLogs.LogRecords.Count; l++)
                {
                    var log = scopeLogs.LogRecords[l];
                    var at = $"resourceLogs[{r}].scopeLogs[{s}].logRecords[{l}]";
                    if (!TryHex(log.TraceId, 16, out var traceId))
                        return new(null, new OtlpProblem(OtlpProblemKind.Malformed, $"{at}.traceId: {log.TraceId.Length} bytes; a trace id is 16"), payload.Length);
                    if (!TryHex(log.SpanId, 8, out var spanId))
                        return new(null, new OtlpProblem(OtlpProblemKind.Malformed, $"{at}.spanId: {log.SpanId.Length} bytes; a span id is 8"), payload.Length);
                    records.Add(new OtlpLogRecord(resource, scope, log.TimeUnixNano, log.ObservedTimeUnixNano, (int)log.SeverityNumber, log.SeverityText,
                        log.Body is { } body ? Value(body) : null, Attributes(log.Attributes), log.EventName, traceId, spanId));
                }
            }
        }

        return new(new OtlpLogBatch(records), null, payload.Length);
    }

    public static OtlpDecodeResult<OtlpMetricBatch> Metrics(ReadOnlySpan<byte> payload, OtlpLimits limits)
    {
        if (WireScan.Check(payload, WireMessage.MetricsRequest, limits) is { } problem) return new(null, problem, payload.Length);
        ExportMetricsServiceRequest request;
        try
        {
            request = MetricsParser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new(null, new OtlpProblem(OtlpProblemKind.Malformed, "ExportMetricsServiceRequest: " + e.Message), payload.Length);
        }

        var points = new List<OtlpMetricPoint>();
        var unsupported = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = resourceMetrics.Resource is { } res ? new OtlpResource(Attributes(res.Attributes)) : OtlpResource.None;
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scope = Scope(scopeMetrics.Scope);
                foreach (var metric in scopeMetrics.Metrics)
                {
                    switch (metric.DataCase)
                    {
                        case Proto.Metrics.Metric.DataOneofCase.Gauge:
                            foreach (var point in metric.Gauge.DataPoints)
                                points.Add(Point(resource, scope, metric, OtlpMetricKind.Gauge, OtlpTemporality.Unspecified, false, point));
                            break;
                        case Proto.Metrics.Metric.DataOneofCase.Sum:
                            foreach (var point in metric.Sum.DataPoints)
                            {
                                points.Add(Point(resource, scope, metric, OtlpMetricKind.Sum, Temporality((int)metric.Sum.AggregationTemporality),
                                    metric.Sum.IsMonotonic, point));
                            }

                            break;
                        case Proto.Metrics.Metric.DataOneofCase.Histogram:
                            unsupported += metric.Histogram.DataPoints.Count;
                            break;
                        case Proto.Metrics.Metric.DataOneofCase.ExponentialHistogram:
                            unsupported += metric.ExponentialHistogram.DataPoints.Count;
                            break;
                        case Proto.Metrics.Metric.DataOneofCase.Summary:
                            unsupported += metric.Summary.DataPoints.Count;
                            break;
                    }
                }
            }
        }

        return new(new OtlpMetricBatch(points, unsupported), null, payload.Length);
    }

    /// <summary>Unknown enum numbers are kept as unspecified: a newer temporality is not a reason to refuse the point.</summary>
    internal static OtlpTemporality Temporality(int value) => value is 1 or 2 ? (OtlpTemporality)value : OtlpTemporality.Unspecified;

    private static OtlpMetricPoint Point(
        OtlpResource resource, OtlpScope scope, Proto.Metrics.Metric metric, OtlpMetricKind kind, OtlpTemporality temporality, bool monotonic,
        Proto.Metrics.NumberDataPoint point) =>
        new(resource, scope, metric.Name, metric.Unit, kind, temporality, monotonic, point.StartTimeUnixNano, point.TimeUnixNano,
            point.ValueCase == Proto.Metrics.NumberDataPoint.ValueOneofCase.AsDouble ? point.AsDouble : null,
            point.ValueCase == Proto.Metrics.NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : null,
            Attributes(point.Attributes));

    private static OtlpScope Scope(InstrumentationScope? scope) =>
        scope is null ? OtlpScope.None : new OtlpScope(scope.Name, scope.Version, Attributes(scope.Attributes));

    private static OtlpAttribute[] Attributes(RepeatedField<KeyValue> attributes)
    {
        if (attributes.Count == 0) return [];
        var result = new OtlpAttribute[attributes.Count];
        for (var i = 0; i < result.Length; i++) result[i] = new OtlpAttribute(attributes[i].Key, attributes[i].Value is { } v ? Value(v) : OtlpValue.Empty);
        return result;
    }

    private static OtlpValue Value(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => OtlpValue.Of(value.StringValue),
        AnyValue.ValueOneofCase.BoolValue => OtlpValue.Of(value.BoolValue),
        AnyValue.ValueOneofCase.IntValue => OtlpValue.Of(value.IntValue),
        AnyValue.ValueOneofCase.DoubleValue => OtlpValue.Of(value.DoubleValue),
        AnyValue.ValueOneofCase.BytesValue => OtlpValue.OfBytes(value.BytesValue.Memory),
        AnyValue.ValueOneofCase.ArrayValue => OtlpValue.OfArray(value.ArrayValue.Values.Select(Value).ToArray()),
        AnyValue.ValueOneofCase.KvlistValue => OtlpValue.OfEntries(Attributes(value.KvlistValue.Values)),
        _ => OtlpValue.Empty,
    };

    private static bool TryHex(ByteString id, int length, out string hex)
    {
        hex = id.Length == 0 ? string.Empty : Convert.ToHexStringLower(id.Span);
        return id.Length == 0 || id.Length == length;
    }
}
