using System.Globalization;
using System.Text.Json;
using Custodian.Otlp.Proto.Collector.Logs;
using Custodian.Otlp.Proto.Collector.Metrics;
using Google.Protobuf;

namespace Custodian.Otlp;

/// <summary>Which OTLP signal a request carries.</summary>
public enum OtlpSignal
{
    /// <summary>Logs (Claude Code's events).</summary>
    Logs,

    /// <summary>Metrics.</summary>
    Metrics,
}

/// <summary>
/// The success answers of OTLP export requests (<c>Export&lt;Signal&gt;ServiceResponse</c>): empty when everything was
/// accepted, else a partial success counting the records or points not stored and saying why. The client must not
/// retry a partial success.
/// </summary>
public static class OtlpResponses
{
    /// <summary>The response body in <paramref name="encoding"/>: <c>{}</c> or an empty protobuf message when nothing was rejected.</summary>
    public static byte[] Encode(OtlpSignal signal, OtlpEncoding encoding, long rejected, string? errorMessage)
    {
        var partial = rejected > 0 || !string.IsNullOrEmpty(errorMessage);
        if (encoding == OtlpEncoding.Json)
        {
            if (!partial) return "{}"u8.ToArray();
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteStartObject("partialSuccess");
                // int64 in the JSON mapping is a decimal string.
                writer.WriteString(signal == OtlpSignal.Logs ? "rejectedLogRecords" : "rejectedDataPoints", rejected.ToString(CultureInfo.InvariantCulture));
                writer.WriteString("errorMessage", errorMessage ?? string.Empty);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            return buffer.ToArray();
        }

        if (!partial) return [];
        IMessage message = signal == OtlpSignal.Logs
            ? new ExportLogsServiceResponse { PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = rejected, ErrorMessage = errorMessage ?? string.Empty } }
            : new ExportMetricsServiceResponse { PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = rejected, ErrorMessage = errorMessage ?? string.Empty } };
        return message.ToByteArray();
    }

    /// <summary>Reads a response back (for tests and clients): the rejected count and message, both zero/empty for full success.</summary>
    public static (long Rejected, string ErrorMessage) Decode(OtlpSignal signal, OtlpEncoding encoding, ReadOnlySpan<byte> body)
    {
        if (encoding == OtlpEncoding.Json)
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            if (!doc.RootElement.TryGetProperty("partialSuccess", out var partial)) return (0, string.Empty);
            var count = partial.TryGetProperty(signal == OtlpSignal.Logs ? "rejectedLogRecords" : "rejectedDataPoints", out var c)
                ? c.ValueKind == JsonValueKind.String ? long.Parse(c.GetString()!, CultureInfo.InvariantCulture) : c.GetInt64()
                : 0;
            return (count, partial.TryGetProperty("errorMessage", out var m) ? m.GetString() ?? string.Empty : string.Empty);
        }

        if (signal == OtlpSignal.Logs)
        {
            var logs = ExportLogsServiceResponse.Parser.ParseFrom(body);
            return (logs.PartialSuccess?.RejectedLogRecords ?? 0, logs.PartialSuccess?.ErrorMessage ?? string.Empty);
        }

        var metrics = ExportMetricsServiceResponse.Parser.ParseFrom(body);
        return (metrics.PartialSuccess?.RejectedDataPoints ?? 0, metrics.PartialSuccess?.ErrorMessage ?? string.Empty);
    }

    /// <summary>The media type of an encoding.</summary>
    public static string MediaType(OtlpEncoding encoding) => encoding == OtlpEncoding.Json ? "application/json" : "application/x-protobuf";
}
