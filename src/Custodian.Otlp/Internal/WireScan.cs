using System.Globalization;
using System.Text.Unicode;

namespace Custodian.Otlp.Internal;

/// <summary>The message types of the OTLP requests, as far as the scan needs to tell them apart.</summary>
internal enum WireMessage : byte
{
    LogsRequest,
    ResourceLogs,
    ScopeLogs,
    LogRecord,
    MetricsRequest,
    ResourceMetrics,
    ScopeMetrics,
    Metric,
    NumberPoints,
    OtherPoints,
    NumberDataPoint,
    OtherDataPoint,
    Resource,
    Scope,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
}

/// <summary>
/// A walk over a protobuf-encoded export request before it is parsed, with nothing allocated: the generated parser
/// materializes every element it reads (an empty attribute is 2 bytes on the wire and a hundred in memory), so the
/// bounds are checked here first (CUS-73). It also refuses what the parser would let through: string fields that are
/// not UTF-8 (the parser would put U+FFFD in their place), groups, truncated fields.
/// </summary>
internal ref struct WireScan
{
    private readonly OtlpLimits _limits;

    // The field names from the root down to where the scan is, named only when a problem is reported.
    private readonly string[] _path;
    private int _elements;
    private int _records;

    private WireScan(OtlpLimits limits, WireMessage root)
    {
        _limits = limits;
        // Request, resource, scope, metric, points, record, attribute, value, then three levels per nested list: more
        // than the deepest path the limits let through.
        _path = new string[16 + (3 * Math.Max(0, limits.MaxValueDepth))];
        _path[0] = RootName(root);
    }

    /// <summary>Null when <paramref name="data"/> is a well-formed request of <paramref name="root"/> within <paramref name="limits"/>; else why not.</summary>
    public static OtlpProblem? Check(ReadOnlySpan<byte> data, WireMessage root, OtlpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var scan = new WireScan(limits, root);
        return scan.Message(data, root, 0, 1);
    }

    private static string RootName(WireMessage root) => root == WireMessage.LogsRequest ? "ExportLogsServiceRequest" : "ExportMetricsServiceRequest";

    /// <summary>What a length-delimited field of a message is: a child message, a string, or neither (bytes, unknown).</summary>
    private static (WireMessage? Child, bool IsString, string Name) Field(WireMessage message, ulong field) => (message, field) switch
    {
        (WireMessage.LogsRequest, 1) => (WireMessage.ResourceLogs, false, "resourceLogs"),
        (WireMessage.ResourceLogs, 1) => (WireMessage.Resource, false, "resource"),
        (WireMessage.ResourceLogs, 2) => (WireMessage.ScopeLogs, false, "scopeLogs"),
        (WireMessage.ScopeLogs, 1) => (WireMessage.Scope, false, "scope"),
        (WireMessage.ScopeLogs, 2) => (WireMessage.LogRecord, false, "logRecords"),
        (WireMessage.LogRecord, 3) => (null, true, "severityText"),
        (WireMessage.LogRecord, 5) => (WireMessage.AnyValue, false, "body"),
        (WireMessage.LogRecord, 6) => (WireMessage.KeyValue, false, "attributes"),
        (WireMessage.LogRecord, 12) => (null, true, "eventName"),
        (WireMessage.MetricsRequest, 1) => (WireMessage.ResourceMetrics, false, "resourceMetrics"),
        (WireMessage.ResourceMetrics, 1) => (WireMessage.Resource, false, "resource"),
        (WireMessage.ResourceMetrics, 2) => (WireMessage.ScopeMetrics, false, "scopeMetrics"),
        (WireMessage.ScopeMetrics, 1) => (WireMessage.Scope, false, "scope"),
        (WireMessage.ScopeMetrics, 2) => (WireMessage.Metric, false, "metrics"),
        (WireMessage.Metric, 1) => (null, true, "name"),
        (WireMessage.Metric, 2) => (null, true, "description"),
        (WireMessage.Metric, 3) => (null, true, "unit"),
        (WireMessage.Metric, 5) => (WireMessage.NumberPoints, false, "gauge"),
        (WireMessage.Metric, 7) => (WireMessage.NumberPoints, false, "sum"),
        (WireMessage.Metric, 9) => (WireMessage.OtherPoints, false, "histogram"),
        (WireMessage.Metric, 10) => (WireMessage.OtherPoints, false, "exponentialHistogram"),
        (WireMessage.Metric, 11) => (WireMessage.OtherPoints, false, "summary"),
        (WireMessage.NumberPoints, 1) => (WireMessage.NumberDataPoint, false, "dataPoints"),
        (WireMessage.OtherPoints, 1) => (WireMessage.OtherDataPoint, false, "dataPoints"),
        (WireMessage.NumberDataPoint, 7) => (WireMessage.KeyValue, false, "attributes"),
        (WireMessage.Resource, 1) => (WireMessage.KeyValue, false, "attributes"),
        (WireMessage.Scope, 1) => (null, true, "name"),
        (WireMessage.Scope, 2) => (null, true, "version"),
        (WireMessage.Scope, 3) => (WireMessage.KeyValue, false, "attributes"),
        (WireMessage.KeyValue, 1) => (null, true, "key"),
        (WireMessage.KeyValue, 2) => (WireMessage.AnyValue, false, "value"),
        (WireMessage.AnyValue, 1) => (null, true, "stringValue"),
        (WireMessage.AnyValue, 5) => (WireMessage.ArrayValue, false, "arrayValue"),
        (WireMessage.AnyValue, 6) => (WireMessage.KeyValueList, false, "kvlistValue"),
        (WireMessage.ArrayValue, 1) => (WireMessage.AnyValue, false, "values"),
        (WireMessage.KeyValueList, 1) => (WireMessage.KeyValue, false, "values"),
        _ => (null, false, string.Empty),
    };

    /// <summary>Whether children of this field count toward <see cref="OtlpLimits.MaxAttributes"/> of their parent.</summary>
    private static bool IsListOfAttributes(WireMessage parent, WireMessage child) =>
        child == WireMessage.KeyValue || (parent == WireMessage.ArrayValue && child == WireMessage.AnyValue);

    private OtlpProblem? Message(ReadOnlySpan<byte> data, WireMessage type, int valueDepth, int level)
    {
        var position = 0;
        var attributes = 0;
        while (position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out var tag) || tag > uint.MaxValue)
                return Malformed(PathTo(level), "a field tag is truncated or too long");
            var number = tag >> 3;
            var wireType = (int)(tag & 7);
            if (number == 0) return Malformed(PathTo(level), "a field has number 0");
            switch (wireType)
            {
                case 0:
                    if (!TryReadVarint(data, ref position, out _)) return Malformed(PathTo(level), $"field {number}: a varint is truncated or longer than 10 bytes");
                    break;
                case 1:
                    if (data.Length - position < 8) return Malformed(PathTo(level), $"field {number}: a fixed64 is truncated");
                    position += 8;
                    break;
                case 5:
                    if (data.Length - position < 4) return Malformed(PathTo(level), $"field {number}: a fixed32 is truncated");
                    position += 4;
                    break;
                case 2:
                    if (!TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
                        return Malformed(PathTo(level), $"field {number}: its length runs past the end of the message");
                    var content = data.Slice(position, (int)length);
                    position += (int)length;
                    var (child, isString, name) = Field(type, number);
                    if (isString && !Utf8.IsValid(content)) return Malformed(PathTo(level, name), "a string that is not UTF-8");
                    if (child is not { } childType) break;
                    if (IsListOfAttributes(type, childType) && ++attributes > _limits.MaxAttributes)
                        return TooLarge(PathTo(level, name), $"more than {_limits.MaxAttributes} entries (the limit per record, resource, scope or value)");
                    if (++_elements > _limits.MaxElements)
                        return TooLarge(_path[0], $"more than {_limits.MaxElements} elements in one request");
                    if (childType is WireMessage.LogRecord or WireMessage.NumberDataPoint or WireMessage.OtherDataPoint && ++_records > _limits.MaxRecords)
                        return TooLarge(PathTo(level, name), $"more than {_limits.MaxRecords} {(childType == WireMessage.LogRecord ? "log records" : "data points")} in one request");
                    var depth = childType is WireMessage.ArrayValue or WireMessage.KeyValueList ? valueDepth + 1 : valueDepth;
                    if (depth > _limits.MaxValueDepth)
                        return TooLarge(PathTo(level, name), $"attribute values nested more than {_limits.MaxValueDepth} arrays or key-value lists deep");
                    // The path names fields, not indices: no string is built unless a problem is named.
                    _path[level] = name;
                    var problem = Message(content, childType, depth, level + 1);
                    if (problem is not null) return problem;
                    break;
                case 3:
                case 4:
                    return Malformed(PathTo(level), $"field {number} is a group, which OTLP does not use");
                default:
                    return Malformed(PathTo(level), $"field {number} has wire type {wireType.ToString(CultureInfo.InvariantCulture)}, which protobuf does not define");
            }
        }

        return null;
    }

    private readonly string PathTo(int level, string? field = null) =>
        string.Join('.', _path.AsSpan(0, level).ToArray()) + (field is null ? string.Empty : "." + field);

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length) return false;
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return shift < 63 || b <= 1;
        }

        return false;
    }

    private static OtlpProblem Malformed(string path, string what) => new(OtlpProblemKind.Malformed, $"{path}: {what}");

    private static OtlpProblem TooLarge(string path, string what) => new(OtlpProblemKind.TooLarge, $"{path}: {what}");
}
