using Custodian.Otlp.Internal;

namespace Custodian.Otlp;

/// <summary>
/// Decodes OTLP export requests (<c>ExportLogsServiceRequest</c>, <c>ExportMetricsServiceRequest</c>) from protobuf or
/// OTLP/JSON into plain records, within <see cref="OtlpLimits"/> (CUS-73). Never throws for bad input: a request that
/// is not valid, or over a bound, is an <see cref="OtlpProblem"/> naming where and why.
/// </summary>
public static class OtlpDecoder
{
    /// <summary>Decodes a logs export request (already decompressed).</summary>
    public static OtlpDecodeResult<OtlpLogBatch> DecodeLogs(ReadOnlySpan<byte> payload, OtlpEncoding encoding, OtlpLimits? limits = null) =>
        encoding == OtlpEncoding.Json
            ? JsonDecoding.Logs(payload, limits ?? OtlpLimits.Default)
            : ProtobufLogs.Decode(payload, limits ?? OtlpLimits.Default);

    /// <summary>Decodes a metrics export request (already decompressed).</summary>
    public static OtlpDecodeResult<OtlpMetricBatch> DecodeMetrics(ReadOnlySpan<byte> payload, OtlpEncoding encoding, OtlpLimits? limits = null) =>
        encoding == OtlpEncoding.Json
            ? JsonDecoding.Metrics(payload, limits ?? OtlpLimits.Default)
            : ProtobufDecoding.Metrics(payload, limits ?? OtlpLimits.Default);
}
