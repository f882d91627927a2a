using System.Buffers.Binary;
using System.Text;

namespace Custodian.Otlp.Internal;

/// <summary>
/// A protobuf <c>ExportLogsServiceRequest</c> read straight into records, once <see cref="WireScan"/> has found it well
/// formed and within bounds. The generated parser's messages (a <c>KeyValue</c> and an <c>AnyValue</c> for every
/// attribute, then converted) were most of what the collector allocated per record, and kept alive while a batch waits
/// for its group commit; here each string is decoded once, and the short ones (keys, model and tool names, ids a batch
/// repeats) are shared within the request. Fields are matched by number and wire type as the generated parser matches
/// them: anything else is skipped as an unknown field. A singular message sent twice is merged as protobuf merges it
/// (repeated fields appended, scalars last), except a value's <c>oneof</c>, where the last one sent wins whole.
/// </summary>
internal static class ProtobufLogs
{
    private const uint VarintType = 0, Fixed64Type = 1, DelimitedType = 2;

    public static OtlpDecodeResult<OtlpLogBatch> Decode(ReadOnlySpan<byte> payload, OtlpLimits limits)
    {
        if (WireScan.Check(payload, WireMessage.LogsRequest, limits) is { } problem) return new(null, problem, payload.Length);
        var decoder = new Decoder();
        var request = new Wire(payload);
        var resourceIndex = 0;
        while (request.Next(out var tag))
        {
            if (tag != Tag(1, DelimitedType))
            {
                request.Skip(tag);
                continue;
            }

            if (decoder.ResourceLogs(request.Delimited(), resourceIndex++) is { } invalid) return new(null, invalid, payload.Length);
        }

        return new(new OtlpLogBatch(decoder.Records), null, payload.Length);
    }

    private static uint Tag(uint field, uint wireType) => (field << 3) | wireType;

    private sealed class Decoder
    {
        private readonly StringTable _strings = new();
        private readonly List<OtlpAttribute> _attributes = [];

        public List<OtlpLogRecord> Records { get; } = [];

        public OtlpProblem? ResourceLogs(ReadOnlySpan<byte> data, int r)
        {
            // The resource may come after the records that share it: read it first.
            OtlpResource? resource = null;
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                if (tag == Tag(1, DelimitedType)) resource = Resource(fields.Delimited(), resource);
                else fields.Skip(tag);
            }

            fields = new Wire(data);
            var s = 0;
            while (fields.Next(out var tag))
            {
                if (tag != Tag(2, DelimitedType))
                {
                    fields.Skip(tag);
                    continue;
                }

                if (ScopeLogs(fields.Delimited(), resource ?? OtlpResource.None, r, s++) is { } problem) return problem;
            }

            return null;
        }

        private OtlpProblem? ScopeLogs(ReadOnlySpan<byte> data, OtlpResource resource, int r, int s)
        {
            OtlpScope? scope = null;
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                if (tag == Tag(1, DelimitedType)) scope = Scope(fields.Delimited(), scope);
                else fields.Skip(tag);
            }

            fields = new Wire(data);
            var l = 0;
            while (fields.Next(out var tag))
            {
                if (tag != Tag(2, DelimitedType))
                {
                    fields.Skip(tag);
                    continue;
                }

                if (LogRecord(fields.Delimited(), resource, scope ?? OtlpScope.None, r, s, l++) is { } problem) return problem;
            }

            return null;
        }

        private OtlpProblem? LogRecord(ReadOnlySpan<byte> data, OtlpResource resource, OtlpScope scope, int r, int s, int l)
        {
            ulong time = 0, observed = 0;
            var severity = 0;
            string severityText = string.Empty, eventName = string.Empty, traceId = string.Empty, spanId = string.Empty;
            OtlpValue? body = null;
            var start = _attributes.Count;
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                switch (tag)
                {
                    case 1 << 3 | Fixed64Type: time = fields.Fixed64(); break;
                    case 2 << 3 | VarintType: severity = (int)fields.Varint(); break;
                    case 3 << 3 | DelimitedType: severityText = _strings.Get(fields.Delimited()); break;
                    case 5 << 3 | DelimitedType: body = Value(fields.Delimited()); break;
                    case 6 << 3 | DelimitedType: _attributes.Add(KeyValue(fields.Delimited())); break;
                    case 9 << 3 | DelimitedType:
                        var trace = fields.Delimited();
                        if (trace.Length is not (0 or 16)) return Malformed(r, s, l, $"traceId: {trace.Length} bytes; a trace id is 16");
                        traceId = trace.Length == 0 ? string.Empty : Convert.ToHexStringLower(trace);
                        break;
                    case 10 << 3 | DelimitedType:
                        var span = fields.Delimited();
                        if (span.Length is not (0 or 8)) return Malformed(r, s, l, $"spanId: {span.Length} bytes; a span id is 8");
                        spanId = span.Length == 0 ? string.Empty : Convert.ToHexStringLower(span);
                        break;
                    case 11 << 3 | Fixed64Type: observed = fields.Fixed64(); break;
                    case 12 << 3 | DelimitedType: eventName = _strings.Get(fields.Delimited()); break;
                    default: fields.Skip(tag); break;
                }
            }

            Records.Add(new OtlpLogRecord(resource, scope, time, observed, severity, severityText, body, TakeAttributes(start), eventName, traceId, spanId));
            return null;
        }

        private static OtlpProblem Malformed(int r, int s, int l, string what) =>
            new(OtlpProblemKind.Malformed, $"resourceLogs[{r}].scopeLogs[{s}].logRecords[{l}].{what}");

        private OtlpResource Resource(ReadOnlySpan<byte> data, OtlpResource? merged)
        {
            var start = _attributes.Count;
            if (merged is not null) _attributes.AddRange(merged.Attributes);
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                if (tag == Tag(1, DelimitedType)) _attributes.Add(KeyValue(fields.Delimited()));
                else fields.Skip(tag);
            }

            return new OtlpResource(TakeAttributes(start));
        }

        private OtlpScope Scope(ReadOnlySpan<byte> data, OtlpScope? merged)
        {
            var name = merged?.Name ?? string.Empty;
            var version = merged?.Version ?? string.Empty;
            var start = _attributes.Count;
            if (merged is not null) _attributes.AddRange(merged.Attributes);
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                switch (tag)
                {
                    case 1 << 3 | DelimitedType: name = _strings.Get(fields.Delimited()); break;
                    case 2 << 3 | DelimitedType: version = _strings.Get(fields.Delimited()); break;
                    case 3 << 3 | DelimitedType: _attributes.Add(KeyValue(fields.Delimited())); break;
                    default: fields.Skip(tag); break;
                }
            }

            return new OtlpScope(name, version, TakeAttributes(start));
        }

        private OtlpAttribute KeyValue(ReadOnlySpan<byte> data)
        {
            var key = string.Empty;
            var value = OtlpValue.Empty;
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                switch (tag)
                {
                    case 1 << 3 | DelimitedType: key = _strings.Get(fields.Delimited()); break;
                    case 2 << 3 | DelimitedType: value = Value(fields.Delimited()); break;
                    default: fields.Skip(tag); break;
                }
            }

            return new OtlpAttribute(key, value);
        }

        private OtlpValue Value(ReadOnlySpan<byte> data)
        {
            var value = OtlpValue.Empty;
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                switch (tag)
                {
                    case 1 << 3 | DelimitedType: value = OtlpValue.Of(_strings.Get(fields.Delimited())); break;
                    case 2 << 3 | VarintType: value = OtlpValue.Of(fields.Varint() != 0); break;
                    case 3 << 3 | VarintType: value = OtlpValue.Of((long)fields.Varint()); break;
                    case 4 << 3 | Fixed64Type: value = OtlpValue.Of(BitConverter.UInt64BitsToDouble(fields.Fixed64())); break;
                    case 5 << 3 | DelimitedType: value = OtlpValue.OfArray(Items(fields.Delimited())); break;
                    case 6 << 3 | DelimitedType: value = OtlpValue.OfEntries(Entries(fields.Delimited())); break;
                    // Copied: the request's buffer is reused once the request is answered.
                    case 7 << 3 | DelimitedType: value = OtlpValue.OfBytes(fields.Delimited().ToArray()); break;
                    default: fields.Skip(tag); break;
                }
            }

            return value;
        }

        private OtlpValue[] Items(ReadOnlySpan<byte> data)
        {
            var items = new List<OtlpValue>();
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                if (tag == Tag(1, DelimitedType)) items.Add(Value(fields.Delimited()));
                else fields.Skip(tag);
            }

            return [.. items];
        }

        private OtlpAttribute[] Entries(ReadOnlySpan<byte> data)
        {
            var start = _attributes.Count;
            var fields = new Wire(data);
            while (fields.Next(out var tag))
            {
                if (tag == Tag(1, DelimitedType)) _attributes.Add(KeyValue(fields.Delimited()));
                else fields.Skip(tag);
            }

            return TakeAttributes(start);
        }

        /// <summary>The attributes added since <paramref name="start"/>, as an array, off the shared list (nested lists stack on it).</summary>
        private OtlpAttribute[] TakeAttributes(int start)
        {
            var count = _attributes.Count - start;
            if (count == 0) return [];
            var taken = new OtlpAttribute[count];
            _attributes.CopyTo(start, taken, 0, count);
            _attributes.RemoveRange(start, count);
            return taken;
        }
    }

    /// <summary>
    /// Strings of a request, the short ones shared: a batch of Claude Code events repeats the same keys and many of the
    /// same values in every record. Bounded, so a request of distinct strings only stops sharing.
    /// </summary>
    private sealed class StringTable
    {
        private const int MaxSharedBytes = 64;
        private const int MaxShared = 4096;
        private readonly HashSet<string> _shared = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public StringTable() => _lookup = _shared.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>The string of UTF-8 <paramref name="utf8"/> (checked valid by the scan).</summary>
        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length == 0) return string.Empty;
            if (utf8.Length > MaxSharedBytes) return Encoding.UTF8.GetString(utf8);
            Span<char> chars = stackalloc char[MaxSharedBytes];
            var length = Encoding.UTF8.GetChars(utf8, chars);
            if (_lookup.TryGetValue(chars[..length], out var shared)) return shared;
            var text = new string(chars[..length]);
            if (_shared.Count < MaxShared) _shared.Add(text);
            return text;
        }
    }

    /// <summary>A cursor over one message's fields; the scan has checked every tag, length and varint already.</summary>
    private ref struct Wire(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out uint tag)
        {
            if (_position >= _data.Length)
            {
                tag = 0;
                return false;
            }

            tag = (uint)Varint();
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
        }

        public ulong Fixed64()
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
            _position += 8;
            return value;
        }

        public ReadOnlySpan<byte> Delimited()
        {
            var length = (int)Varint();
            var content = _data.Slice(_position, length);
            _position += length;
            return content;
        }

        public void Skip(uint tag)
        {
            switch (tag & 7)
            {
                case VarintType: Varint(); break;
                case Fixed64Type: _position += 8; break;
                case DelimitedType: Delimited(); break;
                default: _position += 4; break; // fixed32: the scan refuses groups and undefined wire types
            }
        }
    }
}
