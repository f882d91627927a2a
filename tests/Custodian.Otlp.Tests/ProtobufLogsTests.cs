using System.Globalization;
using Custodian.Otlp.Proto.Collector.Logs;
using Custodian.Otlp.Proto.Common;
using Custodian.Otlp.Proto.Logs;
using Custodian.Otlp.Proto.Resource;
using FsCheck.Xunit;
using Google.Protobuf;

namespace Custodian.Otlp.Tests;

/// <summary>
/// Logs are read straight from the wire (not through the generated messages): whatever the generated classes write,
/// the records say what the generated parser reads from the same bytes.
/// </summary>
public sealed class ProtobufLogsTests
{
    private static readonly string[] Words = ["session.id", "prompt", "model", "claude-sonnet-4-5", "", "héllo wörld", "日本語", "tool_name", "x"];

    [Property(MaxTest = 300)]
    [Trait("spec", "OTL-1")]
    public bool Any_logs_request_decodes_to_what_the_generated_parser_reads(int seed)
    {
        var random = new Random(seed);
        var request = RandomRequest(random);
        var bytes = request.ToByteArray();

        var decoded = OtlpDecoder.DecodeLogs(bytes, OtlpEncoding.Protobuf);
        var expected = Describe(ExportLogsServiceRequest.Parser.ParseFrom(bytes));
        return decoded.Succeeded && string.Join("\n", decoded.Value!.Records.Select(Describe)) == expected;
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    public void Fields_of_another_wire_type_are_unknown_and_skipped_and_a_resource_after_its_records_still_applies()
    {
        // ResourceLogs with its scope_logs first and its resource after; a log record whose time_unix_nano (field 1) is
        // sent as a varint, which the generated parser skips as an unknown field.
        var record = Concat(Tag(1, 0), [0x05], Tag(2, 0), [0x09], Tag(12, 2), Length("ev"));
        var scopeLogs = Concat(Tag(2, 2), Length(record));
        var resource = Concat(Tag(1, 2), Length(Concat(Tag(1, 2), Length("k"u8.ToArray()), Tag(2, 2), Length(Concat(Tag(1, 2), Length("v"u8.ToArray()))))));
        var resourceLogs = Concat(Tag(2, 2), Length(scopeLogs), Tag(1, 2), Length(resource));
        var bytes = Concat(Tag(1, 2), Length(resourceLogs));

        var batch = OtlpDecoder.DecodeLogs(bytes, OtlpEncoding.Protobuf);

        Assert.True(batch.Succeeded, batch.Problem?.Message);
        var log = Assert.Single(batch.Value!.Records);
        Assert.Equal((0UL, 9, "ev"), (log.TimeUnixNano, log.SeverityNumber, log.EventName));
        Assert.Equal("k=v", string.Join(",", log.Resource.Attributes.Select(a => a.Key + "=" + a.Value)));
        Assert.Equal(Describe(ExportLogsServiceRequest.Parser.ParseFrom(bytes)), Describe(log));
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    public void A_trace_id_of_the_wrong_length_is_refused_naming_the_record()
    {
        var request = new ExportLogsServiceRequest
        {
            ResourceLogs = { new ResourceLogs { ScopeLogs = { new ScopeLogs { LogRecords = { new LogRecord(), new LogRecord { TraceId = ByteString.CopyFrom(1, 2, 3) } } } } } },
        };

        var decoded = OtlpDecoder.DecodeLogs(request.ToByteArray(), OtlpEncoding.Protobuf);

        Assert.False(decoded.Succeeded);
        Assert.Equal("resourceLogs[0].scopeLogs[0].logRecords[1].traceId: 3 bytes; a trace id is 16", decoded.Problem!.Message);
    }

    private static byte[] Tag(int field, int wireType) => [(byte)((field << 3) | wireType)];

    private static byte[] Length(string text) => Length(System.Text.Encoding.UTF8.GetBytes(text));

    private static byte[] Length(byte[] content) => [(byte)content.Length, .. content];

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static ExportLogsServiceRequest RandomRequest(Random random)
    {
        var request = new ExportLogsServiceRequest();
        for (var r = random.Next(3); r > 0; r--)
        {
            var resourceLogs = new ResourceLogs { SchemaUrl = Word(random) };
            if (random.Next(4) > 0) resourceLogs.Resource = new Resource { Attributes = { Attributes(random, 3) } };
            for (var s = random.Next(3); s > 0; s--)
            {
                var scopeLogs = new ScopeLogs();
                if (random.Next(3) > 0) scopeLogs.Scope = new InstrumentationScope { Name = Word(random), Version = Word(random), Attributes = { Attributes(random, 2) } };
                for (var l = random.Next(4); l > 0; l--)
                {
                    var log = new LogRecord
                    {
                        TimeUnixNano = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(),
                        ObservedTimeUnixNano = (ulong)random.NextInt64(),
                        SeverityNumber = (SeverityNumber)random.Next(-1, 30),
                        SeverityText = Word(random),
                        EventName = Word(random),
                        Flags = (uint)random.Next(),
                        DroppedAttributesCount = (uint)random.Next(3),
                        Attributes = { Attributes(random, 3) },
                    };
                    if (random.Next(2) == 0) log.Body = Value(random, 2);
                    if (random.Next(2) == 0) log.TraceId = ByteString.CopyFrom(Bytes(random, 16));
                    if (random.Next(2) == 0) log.SpanId = ByteString.CopyFrom(Bytes(random, 8));
                    scopeLogs.LogRecords.Add(log);
                }

                resourceLogs.ScopeLogs.Add(scopeLogs);
            }

            request.ResourceLogs.Add(resourceLogs);
        }

        return request;
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)] + (random.Next(3) == 0 ? random.Next(1000).ToString(CultureInfo.InvariantCulture) : "");

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<KeyValue> Attributes(Random random, int depth)
    {
        for (var i = random.Next(5); i > 0; i--)
        {
            var attribute = new KeyValue { Key = Word(random) };
            if (random.Next(6) > 0) attribute.Value = Value(random, depth);
            yield return attribute;
        }
    }

    private static AnyValue Value(Random random, int depth) => random.Next(depth > 0 ? 9 : 7) switch
    {
        0 => new AnyValue(),
        1 => new AnyValue { StringValue = Word(random) },
        2 => new AnyValue { BoolValue = random.Next(2) == 0 },
        3 => new AnyValue { IntValue = random.NextInt64(long.MinValue, long.MaxValue) },
        4 => new AnyValue { DoubleValue = random.Next(5) == 0 ? double.NaN : (random.NextDouble() - 0.5) * 1e12 },
        5 => new AnyValue { BytesValue = ByteString.CopyFrom(Bytes(random, random.Next(6))) },
        6 => new AnyValue { StringValue = new string('z', random.Next(60, 90)) },
        7 => new AnyValue { ArrayValue = new ArrayValue { Values = { Enumerable.Range(0, random.Next(3)).Select(_ => Value(random, depth - 1)) } } },
        _ => new AnyValue { KvlistValue = new KeyValueList { Values = { Attributes(random, depth - 1) } } },
    };

    private static string Describe(OtlpLogRecord r) =>
        $"{r.TimeUnixNano} {r.ObservedTimeUnixNano} {r.SeverityNumber} '{r.SeverityText}' '{r.EventName}' {r.TraceId} {r.SpanId} body {(r.Body is null ? "none" : Describe(r.Body))} "
        + $"[{Describe(r.Attributes)}] resource [{Describe(r.Resource.Attributes)}] scope '{r.Scope.Name}' '{r.Scope.Version}' [{Describe(r.Scope.Attributes)}]";

    private static string Describe(IReadOnlyList<OtlpAttribute> attributes) => string.Join(", ", attributes.Select(a => a.Key + "=" + Describe(a.Value)));

    private static string Describe(OtlpValue v) => v.Kind switch
    {
        OtlpValueKind.Array => "[" + string.Join(", ", v.Items.Select(Describe)) + "]",
        OtlpValueKind.KeyValueList => "{" + Describe(v.Entries) + "}",
        _ => v.Kind + ":" + v,
    };

    /// <summary>The same description, from the generated parser's messages.</summary>
    private static string Describe(ExportLogsServiceRequest request) => string.Join("\n",
        from resourceLogs in request.ResourceLogs
        from scopeLogs in resourceLogs.ScopeLogs
        from log in scopeLogs.LogRecords
        select $"{log.TimeUnixNano} {log.ObservedTimeUnixNano} {(int)log.SeverityNumber} '{log.SeverityText}' '{log.EventName}' {Convert.ToHexStringLower(log.TraceId.Span)} "
            + $"{Convert.ToHexStringLower(log.SpanId.Span)} body {(log.Body is null ? "none" : Describe(log.Body))} [{Describe(log.Attributes)}] "
            + $"resource [{(resourceLogs.Resource is null ? "" : Describe(resourceLogs.Resource.Attributes))}] "
            + $"scope '{scopeLogs.Scope?.Name}' '{scopeLogs.Scope?.Version}' [{(scopeLogs.Scope is null ? "" : Describe(scopeLogs.Scope.Attributes))}]");

    private static string Describe(IEnumerable<KeyValue> attributes) => string.Join(", ", attributes.Select(a => a.Key + "=" + (a.Value is null ? "Empty:" : Describe(a.Value))));

    private static string Describe(AnyValue v) => v.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => "String:" + v.StringValue,
        AnyValue.ValueOneofCase.BoolValue => "Bool:" + (v.BoolValue ? "true" : "false"),
        AnyValue.ValueOneofCase.IntValue => "Int:" + v.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => "Double:" + v.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => "Bytes:" + Convert.ToBase64String(v.BytesValue.Span),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", v.ArrayValue.Values.Select(Describe)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + Describe(v.KvlistValue.Values) + "}",
        _ => "Empty:",
    };
}
