using Custodian.Otlp.Proto.Collector.Metrics;
using Custodian.Otlp.Proto.Common;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Custodian.Otlp.Internal;

/// <summary>
/// Protobuf metrics export requests: the bounds are checked by <see cref="WireScan"/> without allocating, then the
/// generated parser reads the request (unknown fields discarded), and its messages become the plain records. (Logs, the
/// collector's volume, are read without the generated messages: <see cref="ProtobufLogs"/>.)
/// </summary>
internal static class ProtobufDecoding
{
    private static readonly MessageParser<ExportMetricsServiceRequest> MetricsParser = ExportMetricsServiceRequest.Parser.WithDiscardUnknownFields(true);

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
}
