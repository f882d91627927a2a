using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Custodian.Web.Tests;

/// <summary>OTLP/JSON export requests of Claude Code's usage counters, as its exporter sends them (delta sums by default).</summary>
internal static class OtlpJson
{
    /// <summary>One delta data point of a Claude Code counter in OTLP/JSON.</summary>
    public static string Point(string session, DateTimeOffset at, double value, params (string Key, string Value)[] attributes)
    {
        var attrs = new[] { ("session.id", session) }.Concat(attributes)
            .Select(a => $"{{\"key\":{JsonSerializer.Serialize(a.Item1)},\"value\":{{\"stringValue\":{JsonSerializer.Serialize(a.Item2)}}}}}");
        var nanos = (at.ToUnixTimeMilliseconds() * 1_000_000L).ToString(CultureInfo.InvariantCulture);
        var start = (at.AddMinutes(-1).ToUnixTimeMilliseconds() * 1_000_000L).ToString(CultureInfo.InvariantCulture);
        return $"{{\"startTimeUnixNano\":\"{start}\",\"timeUnixNano\":\"{nanos}\",\"asDouble\":{value.ToString(CultureInfo.InvariantCulture)},\"attributes\":[{string.Join(",", attrs)}]}}";
    }

    /// <summary>An ExportMetricsServiceRequest in OTLP/JSON with delta sums, as Claude Code exports them by default.</summary>
    public static string Metrics(params (string Name, string[] Points)[] metrics)
    {
        var json = new StringBuilder("{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"claude-code\"}}]},")
            .Append("\"scopeMetrics\":[{\"scope\":{\"name\":\"com.anthropic.claude_code\"},\"metrics\":[");
        json.AppendJoin(",", metrics.Select(m =>
            $"{{\"name\":\"{m.Name}\",\"sum\":{{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":[{string.Join(",", m.Points)}]}}}}"));
        return json.Append("]}]}]}").ToString();
    }

    public static string Tokens(string session, DateTimeOffset at, double tokens, string type, string model) =>
        Metrics(("claude_code.token.usage", [Point(session, at, tokens, ("type", type), ("model", model))]));
}
