using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Custodian.Otlp.Internal;

/// <summary>A problem found while reading OTLP/JSON; unwinds the recursive reader to <see cref="JsonDecoding"/>'s entry points.</summary>
internal sealed class OtlpJsonException(OtlpProblemKind kind, string message) : Exception(message)
{
    public OtlpProblemKind Kind { get; } = kind;
}

/// <summary>
/// OTLP/JSON (the protobuf JSON mapping with OTLP's deviations), read in one pass with <see cref="Utf8JsonReader"/>
/// and no document tree: lowerCamelCase keys only (others are unknown fields and ignored, as are fields this reader
/// does not know), 64-bit integers as numbers or decimal strings, enums as numbers or names, trace and span ids as hex,
/// bytes as base64, doubles as numbers or <c>"NaN"</c>/<c>"Infinity"</c>/<c>"-Infinity"</c>, <c>null</c> as the field's
/// default. The bounds of <see cref="OtlpLimits"/> are checked as each element is read.
/// </summary>
internal sealed class JsonDecoding
{
    private readonly OtlpLimits _limits;
    private readonly List<(string Name, int Index)> _path = [];
    private int _elements;
    private int _records;

    private JsonDecoding(OtlpLimits limits) => _limits = limits;

    private static JsonReaderOptions Options(OtlpLimits limits) => new()
    {
        // Root, resource, scope, record, attribute, value: a dozen levels, then four per nested list, and room for
        // unknown fields' own structure.
        MaxDepth = Math.Max(64, 16 + (4 * limits.MaxValueDepth)),
        CommentHandling = JsonCommentHandling.Disallow,
    };

    public static OtlpDecodeResult<OtlpLogBatch> Logs(ReadOnlySpan<byte> payload, OtlpLimits limits)
    {
        var decoding = new JsonDecoding(limits);
        if (payload.Trim(" \t\r\n"u8).IsEmpty)
            return new(null, new OtlpProblem(OtlpProblemKind.Malformed, "the body is empty; send a JSON export request object"), payload.Length);
        try
        {
            var reader = new Utf8JsonReader(payload, Options(limits));
            var records = new List<OtlpLogRecord>();
            decoding.Root(ref reader, "ExportLogsServiceRequest", "resourceLogs", (JsonDecoding d, ref Utf8JsonReader r) => d.ResourceLogs(ref r, records));
            return new(new OtlpLogBatch(records), null, payload.Length);
        }
        catch (Exception e) when (Problem(e, decoding) is { } problem)
        {
            return new(null, problem, payload.Length);
        }
    }

    public static OtlpDecodeResult<OtlpMetricBatch> Metrics(ReadOnlySpan<byte> payload, OtlpLimits limits)
    {
        var decoding = new JsonDecoding(limits);
        if (payload.Trim(" \t\r\n"u8).IsEmpty)
            return new(null, new OtlpProblem(OtlpProblemKind.Malformed, "the body is empty; send a JSON export request object"), payload.Length);
        try
        {
            var reader = new Utf8JsonReader(payload, Options(limits));
            var points = new List<OtlpMetricPoint>();
            var unsupported = 0;
            decoding.Root(ref reader, "ExportMetricsServiceRequest", "resourceMetrics",
                (JsonDecoding d, ref Utf8JsonReader r) => unsupported += d.ResourceMetrics(ref r, points));
            return new(new OtlpMetricBatch(points, unsupported), null, payload.Length);
        }
        catch (Exception e) when (Problem(e, decoding) is { } problem)
        {
            return new(null, problem, payload.Length);
        }
    }

    private static OtlpProblem? Problem(Exception e, JsonDecoding decoding) => e switch
    {
        OtlpJsonException otlp => new OtlpProblem(otlp.Kind, otlp.Message),
        JsonException json when json.Message.Contains("maximum configured depth", StringComparison.Ordinal) =>
            new OtlpProblem(OtlpProblemKind.TooLarge, $"{decoding.Path()}: JSON nested deeper than the server reads"),
        JsonException json => new OtlpProblem(OtlpProblemKind.Malformed, $"{decoding.Path()}: invalid JSON: {json.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]}"),
        // Thrown when a string is read whose \u escapes name half of a surrogate pair: well-formed JSON, but no text.
        InvalidOperationException => new OtlpProblem(OtlpProblemKind.Malformed,
            $"{decoding.Path()}: a \\u escape names half of a UTF-16 surrogate pair (U+D800..U+DFFF) without its other half"),
        _ => null,
    };

    private delegate void ItemReader(JsonDecoding decoding, ref Utf8JsonReader reader);

    private void Root(ref Utf8JsonReader reader, string type, string field, ItemReader item)
    {
        _path.Add((type, -1));
        Read(ref reader);
        Expect(ref reader, JsonTokenType.StartObject, "a JSON object");
        while (NextProperty(ref reader) is { } name)
        {
            if (name == field) Array(ref reader, name, item);
            else reader.Skip();
        }

        bool more;
        try
        {
            more = reader.Read();
        }
        catch (JsonException)
        {
            more = true;
        }

        if (more) throw Malformed("more JSON after the request object");
    }

    private void ResourceLogs(ref Utf8JsonReader reader, List<OtlpLogRecord> records)
    {
        Element(ref reader);
        var resource = OtlpResource.None;
        var pending = new List<(OtlpScope Scope, List<PendingLog> Logs)>();
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "resource": resource = Resource(ref reader); break;
                case "scopeLogs": Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) => pending.Add(d.ScopeLogs(ref r))); break;
                default: reader.Skip(); break;
            }
        }

        // The resource may come after the records it belongs to: the records are made once the object is read.
        foreach (var (scope, logs) in pending)
        {
            foreach (var log in logs)
            {
                records.Add(new OtlpLogRecord(resource, scope, log.Time, log.ObservedTime, log.Severity, log.SeverityText, log.Body, log.Attributes,
                    log.EventName, log.TraceId, log.SpanId));
            }
        }
    }

    private (OtlpScope, List<PendingLog>) ScopeLogs(ref Utf8JsonReader reader)
    {
        Element(ref reader);
        var scope = OtlpScope.None;
        var logs = new List<PendingLog>();
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "scope": scope = Scope(ref reader); break;
                case "logRecords": Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) => logs.Add(d.LogRecord(ref r))); break;
                default: reader.Skip(); break;
            }
        }

        return (scope, logs);
    }

    private readonly record struct PendingLog(
        ulong Time, ulong ObservedTime, int Severity, string SeverityText, OtlpValue? Body, IReadOnlyList<OtlpAttribute> Attributes, string EventName,
        string TraceId, string SpanId);

    private PendingLog LogRecord(ref Utf8JsonReader reader)
    {
        Element(ref reader);
        Record();
        ulong time = 0, observed = 0;
        var severity = 0;
        string severityText = string.Empty, eventName = string.Empty, traceId = string.Empty, spanId = string.Empty;
        OtlpValue? body = null;
        IReadOnlyList<OtlpAttribute> attributes = [];
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "timeUnixNano": time = UInt64(ref reader, name); break;
                case "observedTimeUnixNano": observed = UInt64(ref reader, name); break;
                case "severityNumber": severity = Enum(ref reader, name, SeverityName); break;
                case "severityText": severityText = String(ref reader, name); break;
                case "body": body = reader.TokenType == JsonTokenType.Null ? null : Value(ref reader, name, 0); break;
                case "attributes": attributes = Attributes(ref reader, name, 0); break;
                case "eventName": eventName = String(ref reader, name); break;
                case "traceId": traceId = Hex(ref reader, name, 16, "a trace id"); break;
                case "spanId": spanId = Hex(ref reader, name, 8, "a span id"); break;
                default: reader.Skip(); break;
            }
        }

        return new PendingLog(time, observed, severity, severityText, body, attributes, eventName, traceId, spanId);
    }

    private int ResourceMetrics(ref Utf8JsonReader reader, List<OtlpMetricPoint> points)
    {
        Element(ref reader);
        var resource = OtlpResource.None;
        var pending = new List<(OtlpScope Scope, List<PendingMetric> Metrics)>();
        var unsupported = 0;
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "resource": resource = Resource(ref reader); break;
                case "scopeMetrics":
                    Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) =>
                    {
                        var (scope, metrics, other) = d.ScopeMetrics(ref r);
                        pending.Add((scope, metrics));
                        unsupported += other;
                    });
                    break;
                default: reader.Skip(); break;
            }
        }

        foreach (var (scope, metrics) in pending)
        {
            foreach (var metric in metrics)
            {
                foreach (var p in metric.Points)
                {
                    points.Add(new OtlpMetricPoint(resource, scope, metric.Name, metric.Unit, metric.Kind, metric.Temporality, metric.Monotonic,
                        p.Start, p.Time, p.AsDouble, p.AsInt, p.Attributes));
                }
            }
        }

        return unsupported;
    }

    private sealed record PendingMetric(string Name, string Unit, OtlpMetricKind Kind, OtlpTemporality Temporality, bool Monotonic, List<PendingPoint> Points);

    private readonly record struct PendingPoint(ulong Start, ulong Time, double? AsDouble, long? AsInt, IReadOnlyList<OtlpAttribute> Attributes);

    private (OtlpScope, List<PendingMetric>, int) ScopeMetrics(ref Utf8JsonReader reader)
    {
        Element(ref reader);
        var scope = OtlpScope.None;
        var metrics = new List<PendingMetric>();
        var unsupported = 0;
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "scope": scope = Scope(ref reader); break;
                case "metrics":
                    Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) =>
                    {
                        var (metric, other) = d.Metric(ref r);
                        if (metric is not null) metrics.Add(metric);
                        unsupported += other;
                    });
                    break;
                default: reader.Skip(); break;
            }
        }

        return (scope, metrics, unsupported);
    }

    private (PendingMetric?, int) Metric(ref Utf8JsonReader reader)
    {
        Element(ref reader);
        string metricName = string.Empty, unit = string.Empty;
        OtlpMetricKind? kind = null;
        var temporality = OtlpTemporality.Unspecified;
        var monotonic = false;
        var points = new List<PendingPoint>();
        var unsupported = 0;
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "name": metricName = String(ref reader, name); break;
                case "unit": unit = String(ref reader, name); break;
                case "gauge":
                case "sum":
                    if (reader.TokenType == JsonTokenType.Null) break;
                    kind = name == "gauge" ? OtlpMetricKind.Gauge : OtlpMetricKind.Sum;
                    points.Clear();
                    (temporality, monotonic) = NumberPoints(ref reader, name, points);
                    break;
                case "histogram":
                case "exponentialHistogram":
                case "summary":
                    if (reader.TokenType == JsonTokenType.Null) break;
                    unsupported += OtherPoints(ref reader, name);
                    break;
                default: reader.Skip(); break;
            }
        }

        return (kind is { } k ? new PendingMetric(metricName, unit, k, temporality, monotonic, points) : null, unsupported);
    }

    private (OtlpTemporality, bool) NumberPoints(ref Utf8JsonReader reader, string field, List<PendingPoint> points)
    {
        Push(field);
        Element(ref reader);
        var temporality = OtlpTemporality.Unspecified;
        var monotonic = false;
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "dataPoints": Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) => points.Add(d.NumberPoint(ref r))); break;
                case "aggregationTemporality": temporality = ProtobufDecoding.Temporality(Enum(ref reader, name, TemporalityName)); break;
                case "isMonotonic": monotonic = Bool(ref reader, name); break;
                default: reader.Skip(); break;
            }
        }

        Pop();
        return (temporality, monotonic);
    }

    private int OtherPoints(ref Utf8JsonReader reader, string field)
    {
        Push(field);
        Element(ref reader);
        var count = 0;
        while (NextProperty(ref reader) is { } name)
        {
            if (name == "dataPoints")
            {
                Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) =>
                {
                    d.Element(ref r);
                    d.Record();
                    r.Skip();
                    count++;
                });
            }
            else
            {
                reader.Skip();
            }
        }

        Pop();
        return count;
    }

    private PendingPoint NumberPoint(ref Utf8JsonReader reader)
    {
        Element(ref reader);
        Record();
        ulong start = 0, time = 0;
        double? asDouble = null;
        long? asInt = null;
        IReadOnlyList<OtlpAttribute> attributes = [];
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "startTimeUnixNano": start = UInt64(ref reader, name); break;
                case "timeUnixNano": time = UInt64(ref reader, name); break;
                case "asDouble": asDouble = reader.TokenType == JsonTokenType.Null ? null : Double(ref reader, name); break;
                case "asInt": asInt = reader.TokenType == JsonTokenType.Null ? null : Int64(ref reader, name); break;
                case "attributes": attributes = Attributes(ref reader, name, 0); break;
                default: reader.Skip(); break;
            }
        }

        return new PendingPoint(start, time, asDouble, asInt, attributes);
    }

    private OtlpResource Resource(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return OtlpResource.None;
        Push("resource");
        Element(ref reader);
        IReadOnlyList<OtlpAttribute> attributes = [];
        while (NextProperty(ref reader) is { } name)
        {
            if (name == "attributes") attributes = Attributes(ref reader, name, 0);
            else reader.Skip();
        }

        Pop();
        return new OtlpResource(attributes);
    }

    private OtlpScope Scope(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return OtlpScope.None;
        Push("scope");
        Element(ref reader);
        string scopeName = string.Empty, version = string.Empty;
        IReadOnlyList<OtlpAttribute> attributes = [];
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "name": scopeName = String(ref reader, name); break;
                case "version": version = String(ref reader, name); break;
                case "attributes": attributes = Attributes(ref reader, name, 0); break;
                default: reader.Skip(); break;
            }
        }

        Pop();
        return new OtlpScope(scopeName, version, attributes);
    }

    /// <summary>An array of <c>KeyValue</c> objects; <paramref name="depth"/> is how many lists it is already inside.</summary>
    private List<OtlpAttribute> Attributes(ref Utf8JsonReader reader, string field, int depth)
    {
        var attributes = new List<OtlpAttribute>();
        if (reader.TokenType == JsonTokenType.Null) return attributes;
        Array(ref reader, field, (JsonDecoding d, ref Utf8JsonReader r) =>
        {
            if (attributes.Count >= d._limits.MaxAttributes)
                throw TooLarge(d, $"more than {d._limits.MaxAttributes} entries (the limit per record, resource, scope or value)");
            attributes.Add(d.KeyValue(ref r, depth));
        });
        return attributes;
    }

    private OtlpAttribute KeyValue(ref Utf8JsonReader reader, int depth)
    {
        Element(ref reader);
        var key = string.Empty;
        var value = OtlpValue.Empty;
        while (NextProperty(ref reader) is { } name)
        {
            switch (name)
            {
                case "key": key = String(ref reader, name); break;
                case "value": value = reader.TokenType == JsonTokenType.Null ? OtlpValue.Empty : Value(ref reader, name, depth); break;
                default: reader.Skip(); break;
            }
        }

        return new OtlpAttribute(key, value);
    }

    /// <summary>
    /// An <c>AnyValue</c> object; the last of its value fields wins (a well-formed one has one). An array item has no
    /// <paramref name="field"/> of its own: its index is on the path already.
    /// </summary>
    private OtlpValue Value(ref Utf8JsonReader reader, string? field, int depth)
    {
        if (field is not null) Push(field);
        Element(ref reader);
        var value = OtlpValue.Empty;
        while (NextProperty(ref reader) is { } name)
        {
            if (reader.TokenType == JsonTokenType.Null && name is "stringValue" or "boolValue" or "intValue" or "doubleValue" or "bytesValue" or "arrayValue" or "kvlistValue")
                continue;
            switch (name)
            {
                case "stringValue": value = OtlpValue.Of(String(ref reader, name)); break;
                case "boolValue": value = OtlpValue.Of(Bool(ref reader, name)); break;
                case "intValue": value = OtlpValue.Of(Int64(ref reader, name)); break;
                case "doubleValue": value = OtlpValue.Of(Double(ref reader, name)); break;
                case "bytesValue": value = OtlpValue.OfBytes(Bytes(ref reader, name)); break;
                case "arrayValue": value = ArrayValue(ref reader, name, depth + 1); break;
                case "kvlistValue": value = KeyValueList(ref reader, name, depth + 1); break;
                default: reader.Skip(); break;
            }
        }

        if (field is not null) Pop();
        return value;
    }

    private OtlpValue ArrayValue(ref Utf8JsonReader reader, string field, int depth)
    {
        Push(field);
        CheckDepth(depth);
        Element(ref reader);
        var items = new List<OtlpValue>();
        while (NextProperty(ref reader) is { } name)
        {
            if (name == "values" && reader.TokenType != JsonTokenType.Null)
            {
                Array(ref reader, name, (JsonDecoding d, ref Utf8JsonReader r) =>
                {
                    if (items.Count >= d._limits.MaxAttributes) throw TooLarge(d, $"more than {d._limits.MaxAttributes} items in one array value");
                    items.Add(r.TokenType == JsonTokenType.Null ? OtlpValue.Empty : d.Value(ref r, null, depth));
                });
            }
            else
            {
                reader.Skip();
            }
        }

        Pop();
        return OtlpValue.OfArray(items);
    }

    private OtlpValue KeyValueList(ref Utf8JsonReader reader, string field, int depth)
    {
        Push(field);
        CheckDepth(depth);
        Element(ref reader);
        IReadOnlyList<OtlpAttribute> entries = [];
        while (NextProperty(ref reader) is { } name)
        {
            if (name == "values") entries = Attributes(ref reader, name, depth);
            else reader.Skip();
        }

        Pop();
        return OtlpValue.OfEntries(entries);
    }

    private void CheckDepth(int depth)
    {
        if (depth > _limits.MaxValueDepth) throw TooLarge(this, $"attribute values nested more than {_limits.MaxValueDepth} arrays or key-value lists deep");
    }

    // ---- structure ------------------------------------------------------------------------------------------------

    /// <summary>The reader is on an array (or null) named <paramref name="field"/>: each item is read by <paramref name="item"/>.</summary>
    private void Array(ref Utf8JsonReader reader, string field, ItemReader item)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        _path.Add((field, -1));
        Expect(ref reader, JsonTokenType.StartArray, "an array");
        var index = 0;
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) break;
            _path[^1] = (field, index);
            item(this, ref reader);
            index++;
        }

        _path.RemoveAt(_path.Count - 1);
    }

    /// <summary>The reader is on an object's start (or a property within it): the next property's name, with the reader on its value; null at the end.</summary>
    private string? NextProperty(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.EndObject) return null;
        var name = reader.GetString()!;
        Read(ref reader);
        return name;
    }

    /// <summary>The reader is on what should be a message object: counts it toward <see cref="OtlpLimits.MaxElements"/>.</summary>
    private void Element(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "a JSON object");
        if (++_elements > _limits.MaxElements) throw TooLarge(this, $"more than {_limits.MaxElements} elements in one request");
    }

    private void Record()
    {
        if (++_records > _limits.MaxRecords) throw TooLarge(this, $"more than {_limits.MaxRecords} log records or data points in one request");
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("the JSON ends early");
    }

    private void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType != type) throw Malformed($"expected {what}, found {Describe(reader.TokenType)}");
    }

    private void Push(string field) => _path.Add((field, -1));

    private void Pop() => _path.RemoveAt(_path.Count - 1);

    internal string Path()
    {
        var text = new StringBuilder();
        foreach (var (name, index) in _path)
        {
            if (text.Length > 0) text.Append('.');
            text.Append(name);
            if (index >= 0) text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
        }

        return text.ToString();
    }

    private OtlpJsonException Malformed(string what) => new(OtlpProblemKind.Malformed, $"{Path()}: {what}");

    private OtlpJsonException Malformed(string field, string what) => new(OtlpProblemKind.Malformed, $"{Path()}.{field}: {what}");

    private static OtlpJsonException TooLarge(JsonDecoding decoding, string what) => new(OtlpProblemKind.TooLarge, $"{decoding.Path()}: {what}");

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    // ---- scalars --------------------------------------------------------------------------------------------------

    private string String(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Null => string.Empty,
        _ => throw Malformed(field, $"expected a string, found {Describe(reader.TokenType)}"),
    };

    private bool Bool(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False or JsonTokenType.Null => false,
        _ => throw Malformed(field, $"expected true or false, found {Describe(reader.TokenType)}"),
    };

    private ulong UInt64(ref Utf8JsonReader reader, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return 0;
            case JsonTokenType.Number when reader.TryGetUInt64(out var number): return number;
            case JsonTokenType.String when ulong.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed): return parsed;
            default: throw Malformed(field, "expected an unsigned 64-bit integer, as a number or a decimal string");
        }
    }

    private long Int64(ref Utf8JsonReader reader, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return 0;
            case JsonTokenType.Number when reader.TryGetInt64(out var number): return number;
            case JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed): return parsed;
            default: throw Malformed(field, "expected a 64-bit integer, as a number or a decimal string");
        }
    }

    private double Double(ref Utf8JsonReader reader, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return 0;
            case JsonTokenType.Number when reader.TryGetDouble(out var number): return number;
            case JsonTokenType.String:
                var text = reader.GetString();
                switch (text)
                {
                    case "NaN": return double.NaN;
                    case "Infinity": return double.PositiveInfinity;
                    case "-Infinity": return double.NegativeInfinity;
                }

                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)) return parsed;
                break;
        }

        throw Malformed(field, "expected a number, or \"NaN\", \"Infinity\" or \"-Infinity\"");
    }

    private int Enum(ref Utf8JsonReader reader, string field, Func<string, int?> byName)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return 0;
            case JsonTokenType.Number when reader.TryGetInt32(out var number): return number;
            case JsonTokenType.String when byName(reader.GetString()!) is { } named: return named;
            default: throw Malformed(field, "expected an enum number or name");
        }
    }

    private ReadOnlyMemory<byte> Bytes(ref Utf8JsonReader reader, string field)
    {
        var text = String(ref reader, field);
        // The JSON mapping writes standard base64 and reads the URL-safe alphabet too, padding optional.
        var standard = text.Replace('-', '+').Replace('_', '/');
        if (standard.Length % 4 != 0) standard = standard.PadRight(standard.Length + (4 - (standard.Length % 4)), '=');
        var bytes = new byte[(standard.Length / 4) * 3];
        return Convert.TryFromBase64String(standard, bytes, out var written) ? bytes.AsMemory(0, written) : throw Malformed(field, "expected base64");
    }

    private string Hex(ref Utf8JsonReader reader, string field, int length, string what)
    {
        var text = String(ref reader, field);
        if (text.Length == 0) return string.Empty;
        if (text.Length != length * 2 || !text.All(char.IsAsciiHexDigit))
            throw Malformed(field, $"expected {what} as {length * 2} hex digits (OTLP/JSON does not use base64 here)");
        return text.ToLowerInvariant();
    }

    private static int? SeverityName(string name)
    {
        if (!name.StartsWith("SEVERITY_NUMBER_", StringComparison.Ordinal)) return null;
        string[] levels = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
        var rest = name["SEVERITY_NUMBER_".Length..];
        if (rest == "UNSPECIFIED") return 0;
        for (var i = 0; i < levels.Length; i++)
        {
            if (rest == levels[i]) return (i * 4) + 1;
            if (rest.Length == levels[i].Length + 1 && rest.StartsWith(levels[i], StringComparison.Ordinal) && rest[^1] is >= '2' and <= '4')
                return (i * 4) + (rest[^1] - '0');
        }

        return null;
    }

    private static int? TemporalityName(string name) => name switch
    {
        "AGGREGATION_TEMPORALITY_UNSPECIFIED" => 0,
        "AGGREGATION_TEMPORALITY_DELTA" => 1,
        "AGGREGATION_TEMPORALITY_CUMULATIVE" => 2,
        _ => null,
    };
}
