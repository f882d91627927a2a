using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Otlp;
using Custodian.Redaction;
using Custodian.Storage;

namespace Custodian.Server.Internal;

/// <summary>What the policy made of an export request: the records to store, and those refused with the reasons why.</summary>
/// <param name="Records">The records to store.</param>
/// <param name="Rejected">Records or data points not stored (a partial success, OTL-6).</param>
/// <param name="Message">Why, when any were not (one line, never content).</param>
internal sealed record CapturedTelemetry(IReadOnlyList<TelemetryRecord> Records, int Rejected, string? Message);

/// <summary>
/// The data policy applied to telemetry before it is stored (OTL-3): every string value is redacted (RED-1), under zero
/// data retention nothing that is content is kept (CUS-74), and each record gets its session (by its <c>session.id</c>
/// attribute, CUS-75); the store keys it by its payload (CUS-76). The account is the API key's (OTL-2): identity attributes such
/// as <c>user.id</c>, <c>user.email</c> and <c>organization.id</c> are kept as data and decide nothing.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly bool _zeroDataRetention;
    private readonly bool _surveyEnabled;
    private readonly DateTimeOffset _capturedAt;
    private readonly Redactor _redactor;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;
    private readonly List<TelemetryRecord> _records = [];
    private readonly Dictionary<string, string> _redacted = new(StringComparer.Ordinal);

    // A batch's records share their resource and scope: each is redacted and serialized once per batch (and, under ZDR,
    // once per event name, which decides what is kept), then copied into every record's payload.
    private readonly Dictionary<string, (byte[] Resource, byte[]? Scope)> _shared = new(StringComparer.Ordinal);
    private OtlpResource? _sharedResource;
    private OtlpScope? _sharedScope;

    // Payloads are copied into chunks kept under the large object heap's threshold (85,000 bytes): one array per few
    // dozen records instead of one each, and none in the heap that only a full collection reclaims.
    private const int ChunkBytes = 64 * 1024;
    private byte[] _chunk = [];
    private int _chunkUsed;

    private int _noSession;
    private int _unredactable;

    private TelemetryCapture(bool zeroDataRetention, bool surveyEnabled, DateTimeOffset capturedAt, Redactor redactor)
    {
        _zeroDataRetention = zeroDataRetention;
        _surveyEnabled = surveyEnabled;
        _capturedAt = capturedAt;
        _redactor = redactor;
        _writer = new Utf8JsonWriter(_buffer);
    }

    public void Dispose()
    {
        _writer.Dispose();
    }

    /// <summary>
    /// The log records of a batch as events to store; when the account's survey is enabled, a survey's answer is a
    /// rating too (OTL-4).
    /// </summary>
    public static CapturedTelemetry Logs(OtlpLogBatch batch, bool zeroDataRetention, bool surveyEnabled, DateTimeOffset capturedAt, Redactor redactor)
    {
        using var capture = new TelemetryCapture(zeroDataRetention, surveyEnabled, capturedAt, redactor);
        foreach (var record in batch.Records) capture.Log(record);
        return capture.Result(0);
    }

    /// <summary>The data points of a batch as metrics to store; histograms and summaries are refused (counted).</summary>
    public static CapturedTelemetry Metrics(OtlpMetricBatch batch, bool zeroDataRetention, DateTimeOffset capturedAt, Redactor redactor)
    {
        using var capture = new TelemetryCapture(zeroDataRetention, false, capturedAt, redactor);
        foreach (var point in batch.Points) capture.Metric(point);
        return capture.Result(batch.UnsupportedPoints);
    }

    private CapturedTelemetry Result(int unsupported)
    {
        var reasons = new List<string>();
        if (_noSession > 0) reasons.Add($"{_noSession} had a session.id that is not a session id (1-128 letters, digits, '-', '_', '.' or ':')");
        if (_unredactable > 0) reasons.Add($"{_unredactable} could not be redacted (RED-4)");
        if (unsupported > 0) reasons.Add($"{unsupported} were histogram, exponential histogram or summary points, which the server does not store");
        var rejected = _noSession + _unredactable + unsupported;
        return new CapturedTelemetry(_records, rejected, rejected == 0 ? null : "not stored: " + string.Join("; ", reasons));
    }

    private void Log(OtlpLogRecord record)
    {
        if (!TrySession(record.Attributes, record.Resource, out var session)) return;
        try
        {
            var bodyText = record.Body is { Kind: OtlpValueKind.String } b ? _redactor.Redact(b.String!) : null;
            // Claude Code's event type is the body (claude_code.user_prompt); then the event_name field, then event.name.
            // Under ZDR another body is not taken for a name: a one-word log line is still what someone wrote.
            var name = TelemetryContent.IsName(bodyText) && (!_zeroDataRetention || bodyText!.StartsWith("claude_code.", StringComparison.Ordinal)) ? bodyText!
                : TelemetryContent.IsName(record.EventName) ? record.EventName
                : Find(record.Attributes, "event.name") is { Kind: OtlpValueKind.String } e && TelemetryContent.IsName(e.String) ? e.String!
                : "log";
            var shortName = Find(record.Attributes, "event.name") is { Kind: OtlpValueKind.String } n ? n.String! : name.Replace("claude_code.", "", StringComparison.Ordinal);
            var nanos = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
            var at = Time(nanos);

            var (resource, scope) = Shared(record.Resource, record.Scope, shortName);
            Begin();
            _writer.WriteString("name"u8, name);
            WriteTime("time"u8, at);
            if (record.SeverityNumber != 0) _writer.WriteNumber("severityNumber", record.SeverityNumber);
            if (record.SeverityText.Length > 0 && TelemetryContent.IsName(record.SeverityText)) _writer.WriteString("severityText", record.SeverityText);
            if (record.Body is { } body && !(bodyText is not null && bodyText == name) && (!_zeroDataRetention || body.Kind is not (OtlpValueKind.String or OtlpValueKind.Bytes or OtlpValueKind.Array or OtlpValueKind.KeyValueList)))
            {
                _writer.WritePropertyName("body");
                Value(body);
            }

            if (record.TraceId.Length > 0) _writer.WriteString("traceId", record.TraceId);
            if (record.SpanId.Length > 0) _writer.WriteString("spanId", record.SpanId);
            _writer.WritePropertyName("attributes"u8);
            Attributes(record.Attributes, shortName);
            WriteShared(resource, scope);
            End(session, TelemetryKind.Event, name, at, _surveyEnabled && shortName == "feedback_survey" && session.Length > 0 ? SurveyRating.Of(record.Attributes, _redactor) : null);
        }
        catch (RedactionException)
        {
            // Fail closed (RED-4): a record that could not be redacted is not stored, and the client hears how many.
            _unredactable++;
        }
    }

    private void Metric(OtlpMetricPoint point)
    {
        if (!TrySession(point.Attributes, point.Resource, out var session)) return;
        try
        {
            var name = TelemetryContent.IsName(point.Name) ? point.Name : "metric";
            var nanos = point.TimeUnixNano != 0 ? point.TimeUnixNano : point.StartTimeUnixNano;
            var at = Time(nanos);
            var (resource, scope) = Shared(point.Resource, point.Scope, name);
            Begin();
            _writer.WriteString("name"u8, name);
            WriteTime("time"u8, at);
            if (point.StartTimeUnixNano != 0) WriteTime("startTime"u8, Time(point.StartTimeUnixNano));
            _writer.WriteString("kind", point.Kind == OtlpMetricKind.Sum ? "sum" : "gauge");
            if (point.Unit.Length > 0 && point.Unit.Length <= 64) _writer.WriteString("unit", point.Unit);
            if (point.Kind == OtlpMetricKind.Sum)
            {
                _writer.WriteString("temporality", point.Temporality switch
                {
                    OtlpTemporality.Delta => "delta",
                    OtlpTemporality.Cumulative => "cumulative",
                    _ => "unspecified",
                });
                _writer.WriteBoolean("monotonic", point.IsMonotonic);
            }

            _writer.WritePropertyName("value");
            if (point.AsInt is { } integer) _writer.WriteNumberValue(integer);
            else if (point.AsDouble is { } real) Number(real);
            else _writer.WriteNullValue();
            _writer.WritePropertyName("attributes"u8);
            Attributes(point.Attributes, name);
            WriteShared(resource, scope);
            End(session, TelemetryKind.Metric, name, at, null);
        }
        catch (RedactionException)
        {
            _unredactable++;
        }
    }

    /// <summary>
    /// The record's session: its <c>session.id</c> attribute, else its resource's, else none (""). An id that could not
    /// name a session (a route could never reach it) refuses the record.
    /// </summary>
    private bool TrySession(IReadOnlyList<OtlpAttribute> attributes, OtlpResource resource, out string session)
    {
        var value = Find(attributes, "session.id") ?? Find(resource.Attributes, "session.id");
        session = value is null || value.Kind == OtlpValueKind.Empty ? string.Empty : value.ToString();
        if (session.Length == 0 || SessionEndpoints.IsValidId(session)) return true;
        _noSession++;
        return false;
    }

    /// <summary>A key's value; the last one counts when a key is sent twice (OTLP keys are unique).</summary>
    internal static OtlpValue? Find(IReadOnlyList<OtlpAttribute> attributes, string key)
    {
        for (var i = attributes.Count - 1; i >= 0; i--)
        {
            if (attributes[i].Key == key) return attributes[i].Value;
        }

        return null;
    }

    /// <summary>Unix nanoseconds as a time; 0 (not sent) is the capture time.</summary>
    private DateTimeOffset Time(ulong nanos) =>
        nanos == 0 ? _capturedAt : DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));

    private void Begin(bool startObject = true)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        if (startObject) _writer.WriteStartObject();
    }

    private void End(string session, TelemetryKind kind, string name, DateTimeOffset at, SurveyAnswer? survey)
    {
        _writer.WriteEndObject();
        _writer.Flush();
        // The store keys the record by its payload (CUS-76), which holds the record's own time.
        _records.Add(new TelemetryRecord(session, kind, name, at, Keep(_buffer.WrittenSpan), survey));
    }

    /// <summary>A copy of a record's payload that outlives this capture's buffer.</summary>
    private ReadOnlyMemory<byte> Keep(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ChunkBytes / 4) return payload.ToArray();
        if (_chunk.Length - _chunkUsed < payload.Length)
        {
            _chunk = new byte[ChunkBytes];
            _chunkUsed = 0;
        }

        payload.CopyTo(_chunk.AsSpan(_chunkUsed));
        var kept = new ReadOnlyMemory<byte>(_chunk, _chunkUsed, payload.Length);
        _chunkUsed += payload.Length;
        return kept;
    }

    /// <summary>A time as the round-trip ("O") form, UTC, without a string in between.</summary>
    private void WriteTime(ReadOnlySpan<byte> property, DateTimeOffset at)
    {
        Span<byte> text = stackalloc byte[40];
        at.UtcDateTime.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture);
        _writer.WriteString(property, text[..written]);
    }

    /// <summary>
    /// The resource and scope of a record as their JSON, redacted (and under ZDR filtered for <paramref name="eventName"/>),
    /// serialized once per batch; the scope is null when nothing of it was sent.
    /// </summary>
    private (byte[] Resource, byte[]? Scope) Shared(OtlpResource resource, OtlpScope scope, string eventName)
    {
        if (!ReferenceEquals(resource, _sharedResource) || !ReferenceEquals(scope, _sharedScope))
        {
            _shared.Clear();
            _sharedResource = resource;
            _sharedScope = scope;
        }

        // Only ZDR's filter reads the event name: otherwise one serialization serves every record.
        var cacheKey = _zeroDataRetention ? eventName : string.Empty;
        if (_shared.TryGetValue(cacheKey, out var shared)) return shared;
        Begin(startObject: false);
        Attributes(resource.Attributes, eventName);
        _writer.Flush();
        var resourceJson = _buffer.WrittenSpan.ToArray();
        byte[]? scopeJson = null;
        if (scope.Name.Length > 0 || scope.Version.Length > 0 || scope.Attributes.Count > 0)
        {
            Begin(startObject: false);
            _writer.WriteStartObject();
            if (scope.Name.Length > 0) _writer.WriteString("name"u8, _redactor.Redact(scope.Name));
            if (scope.Version.Length > 0) _writer.WriteString("version"u8, _redactor.Redact(scope.Version));
            if (scope.Attributes.Count > 0)
            {
                _writer.WritePropertyName("attributes"u8);
                Attributes(scope.Attributes, eventName);
            }

            _writer.WriteEndObject();
            _writer.Flush();
            scopeJson = _buffer.WrittenSpan.ToArray();
        }

        shared = (resourceJson, scopeJson);
        // Bounded like the keys: a batch of many resources, or ZDR with many event names, serializes the rest each time.
        if (_shared.Count < 256) _shared[cacheKey] = shared;
        return shared;
    }

    private void WriteShared(byte[] resource, byte[]? scope)
    {
        _writer.WritePropertyName("resource"u8);
        _writer.WriteRawValue(resource, skipInputValidation: true);
        if (scope is null) return;
        _writer.WritePropertyName("scope"u8);
        _writer.WriteRawValue(scope, skipInputValidation: true);
    }

    /// <summary>
    /// An attribute list as a JSON object, keys as sent; a key sent twice keeps its last value (OTLP keys are unique).
    /// Under ZDR only what <see cref="TelemetryContent"/> keeps.
    /// </summary>
    private void Attributes(IReadOnlyList<OtlpAttribute> attributes, string eventName)
    {
        _writer.WriteStartObject();
        for (var i = 0; i < attributes.Count; i++)
        {
            var (key, value) = attributes[i];
            if (IsShadowed(attributes, i)) continue;
            if (_zeroDataRetention && !TelemetryContent.KeepUnderZeroDataRetention(eventName, key, value)) continue;
            _writer.WritePropertyName(Redacted(key));
            Value(value);
        }

        _writer.WriteEndObject();
    }

    /// <summary>
    /// A string redacted (RED-1), keys included (a key may be made of data: a map keyed by what someone typed), once per
    /// batch for the short ones: a batch repeats its keys and most of its values
    /// (session and prompt ids, the model, tool names, the user's email) in record after record, and the redactor's
    /// answer depends on the string alone.
    /// </summary>
    private string Redacted(string text)
    {
        if (text.Length > MaxCachedLength) return _redactor.Redact(text);
        if (_redacted.TryGetValue(text, out var redacted)) return redacted;
        redacted = _redactor.Redact(text);
        // Bounded: a batch with more distinct strings than this redacts the rest each time rather than growing the cache.
        if (_redacted.Count < 4096) _redacted[text] = redacted;
        return redacted;
    }

    /// <summary>The longest string whose redaction is remembered for the batch.</summary>
    private const int MaxCachedLength = 256;

    private static bool IsShadowed(IReadOnlyList<OtlpAttribute> attributes, int index)
    {
        var key = attributes[index].Key;
        for (var j = index + 1; j < attributes.Count; j++)
        {
            if (attributes[j].Key == key) return true;
        }

        return false;
    }

    /// <summary>A value as JSON; every string redacted, at any depth.</summary>
    private void Value(OtlpValue value)
    {
        switch (value.Kind)
        {
            case OtlpValueKind.String:
                _writer.WriteStringValue(Redacted(value.String!));
                break;
            case OtlpValueKind.Bool:
                _writer.WriteBooleanValue(value.Bool);
                break;
            case OtlpValueKind.Int:
                _writer.WriteNumberValue(value.Int);
                break;
            case OtlpValueKind.Double:
                Number(value.Double);
                break;
            case OtlpValueKind.Bytes:
                // Bytes may be text: redacted as such when they are UTF-8, base64 otherwise.
                _writer.WriteStringValue(System.Text.Unicode.Utf8.IsValid(value.Bytes.Span)
                    ? _redactor.Redact(Encoding.UTF8.GetString(value.Bytes.Span))
                    : Convert.ToBase64String(value.Bytes.Span));
                break;
            case OtlpValueKind.Array:
                _writer.WriteStartArray();
                foreach (var item in value.Items) Value(item);
                _writer.WriteEndArray();
                break;
            case OtlpValueKind.KeyValueList:
                _writer.WriteStartObject();
                for (var i = 0; i < value.Entries.Count; i++)
                {
                    if (IsShadowed(value.Entries, i)) continue;
                    _writer.WritePropertyName(Redacted(value.Entries[i].Key));
                    Value(value.Entries[i].Value);
                }

                _writer.WriteEndObject();
                break;
            default:
                _writer.WriteNullValue();
                break;
        }
    }

    /// <summary>JSON has no NaN or infinities: they are written as the JSON mapping's strings.</summary>
    private void Number(double value)
    {
        if (double.IsFinite(value)) _writer.WriteNumberValue(value);
        else _writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }
}
