using System.IO.Compression;
using System.Text;
using Custodian.Otlp.Proto.Logs;
using static Custodian.Otlp.Tests.Requests;

namespace Custodian.Otlp.Tests;

/// <summary>Malformed requests are refused naming the problem (OTL-6); every bound holds before memory is spent (CUS-73).</summary>
public sealed class BoundsTests
{
    private static OtlpProblem Problem(ReadOnlySpan<byte> payload, OtlpEncoding encoding, OtlpLimits? limits = null)
    {
        var result = OtlpDecoder.DecodeLogs(payload, encoding, limits);
        Assert.False(result.Succeeded, "decoded, but should not have");
        Assert.Null(result.Value);
        return result.Problem!;
    }

    private static OtlpProblem Malformed(string json)
    {
        var problem = Problem(Encoding.UTF8.GetBytes(json), OtlpEncoding.Json);
        Assert.Equal(OtlpProblemKind.Malformed, problem.Kind);
        return problem;
    }

    [Theory]
    [InlineData("", "the body is empty")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("{\"resourceLogs\":{}}", "ExportLogsServiceRequest.resourceLogs: expected an array")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"soon\"}]}]}]}",
        "ExportLogsServiceRequest.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano: expected an unsigned 64-bit integer")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":-1}]}]}]}", "timeUnixNano: expected an unsigned 64-bit integer")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"AQIDBAUGBwgJCgsMDQ4PEA==\"}]}]}]}",
        "logRecords[0].traceId: expected a trace id as 32 hex digits")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":\"a\",\"value\":{\"intValue\":1.5}}]}]}]}]}",
        "logRecords[0].attributes[0].value.intValue: expected a 64-bit integer")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":7}]}]}]}]}", "attributes[0].key: expected a string, found a number")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":\"LOUD\"}]}]}]}", "severityNumber: expected an enum number or name")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"bytesValue\":\"%%%\"}}]}]}]}", "body.bytesValue: expected base64")]
    [InlineData("{\"resourceLogs\":[null]}", "resourceLogs[0]: expected a JSON object, found null")]
    [InlineData("{\"resourceLogs\":[]} {}", "more JSON after the request object")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"\\uD800\"}}]}]}]}", "surrogate")]
    [InlineData("{\"resourceLogs\":[", "invalid JSON")]
    [Trait("spec", "OTL-6")]
    public void Malformed_JSON_is_refused_naming_where_and_what(string json, string expected)
    {
        Assert.Contains(expected, Malformed(json).Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    public void Snake_case_keys_are_unknown_fields_and_ignored_as_OTLP_JSON_requires()
    {
        var result = OtlpDecoder.DecodeLogs("{\"resource_logs\":[{\"scope_logs\":[{\"log_records\":[{}]}]}]}"u8, OtlpEncoding.Json);

        Assert.True(result.Succeeded, result.Problem?.Message);
        Assert.Empty(result.Value!.Records);
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    public void Malformed_protobuf_is_refused_naming_the_problem()
    {
        var valid = Bytes(Logs(UserPrompt("s1", "hello")));

        Assert.Contains("runs past the end", Problem(valid.AsSpan(0, valid.Length - 3), OtlpEncoding.Protobuf).Message, StringComparison.Ordinal);
        Assert.Contains("group", Problem([0x0B, 0x0C], OtlpEncoding.Protobuf).Message, StringComparison.Ordinal);
        Assert.Contains("wire type 7", Problem([0x0F], OtlpEncoding.Protobuf).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Problem([0x08, 0xFF], OtlpEncoding.Protobuf).Message, StringComparison.Ordinal);
        Assert.Contains("number 0", Problem([0x02, 0x00], OtlpEncoding.Protobuf).Message, StringComparison.Ordinal);

        var shortTrace = Logs(UserPrompt("s1", "hello"));
        shortTrace.ResourceLogs[0].ScopeLogs[0].LogRecords[0].TraceId = Google.Protobuf.ByteString.CopyFrom(1, 2, 3);
        Assert.Equal("resourceLogs[0].scopeLogs[0].logRecords[0].traceId: 3 bytes; a trace id is 16", Problem(Bytes(shortTrace), OtlpEncoding.Protobuf).Message);
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "CUS-36")]
    public void A_protobuf_string_that_is_not_UTF8_is_refused_rather_than_stored_with_replacement_characters()
    {
        var request = Bytes(Logs(UserPrompt("s1", "PROMPTX")));
        var at = request.AsSpan().IndexOf("PROMPTX"u8);
        request[at + 6] = 0xFF;

        var problem = Problem(request, OtlpEncoding.Protobuf);

        Assert.Equal(OtlpProblemKind.Malformed, problem.Kind);
        Assert.Equal("ExportLogsServiceRequest.resourceLogs.scopeLogs.logRecords.attributes.value.stringValue: a string that is not UTF-8", problem.Message);
    }

    [Theory]
    [InlineData(OtlpEncoding.Protobuf)]
    [InlineData(OtlpEncoding.Json)]
    [Trait("spec", "CUS-73")]
    public void Each_bound_refuses_a_request_one_past_it_and_takes_one_at_it(OtlpEncoding encoding)
    {
        var limits = new OtlpLimits { MaxRecords = 3, MaxAttributes = 6, MaxValueDepth = 2, MaxElements = 1_000 };
        byte[] Encode(ExportLogsRequestBuilder build) => encoding == OtlpEncoding.Json ? Encoding.UTF8.GetBytes(ToJson(build())) : Bytes(build());

        // Records.
        Assert.True(OtlpDecoder.DecodeLogs(Encode(() => Logs(UserPrompt("s", "1"), UserPrompt("s", "2"), UserPrompt("s", "3"))), encoding, limits).Succeeded);
        var records = Problem(Encode(() => Logs(UserPrompt("s", "1"), UserPrompt("s", "2"), UserPrompt("s", "3"), UserPrompt("s", "4"))), encoding, limits);
        Assert.Equal(OtlpProblemKind.TooLarge, records.Kind);
        Assert.Contains("more than 3", records.Message, StringComparison.Ordinal);

        // Attributes of one record (a user_prompt has six).
        var seven = UserPrompt("s", "x");
        seven.Attributes.Add(Attribute("one", "more"));
        var attributes = Problem(Encode(() => Logs(seven)), encoding, limits);
        Assert.Equal(OtlpProblemKind.TooLarge, attributes.Kind);
        Assert.Contains("more than 6 entries", attributes.Message, StringComparison.Ordinal);

        // Depth of nested values.
        var deep = new LogRecord { Attributes = { Attribute("v", Nested(2)) } };
        Assert.True(OtlpDecoder.DecodeLogs(Encode(() => Logs(deep)), encoding, limits).Succeeded);
        var deeper = new LogRecord { Attributes = { Attribute("v", Nested(3)) } };
        var depth = Problem(Encode(() => Logs(deeper)), encoding, limits);
        Assert.Equal(OtlpProblemKind.TooLarge, depth.Kind);
        Assert.Contains("nested more than 2", depth.Message, StringComparison.Ordinal);

        // Elements in all.
        var few = new OtlpLimits { MaxElements = 20 };
        var elements = Problem(Encode(() => Logs(UserPrompt("s", "1"), UserPrompt("s", "2"))), encoding, few);
        Assert.Equal(OtlpProblemKind.TooLarge, elements.Kind);
        Assert.Contains("more than 20 elements", elements.Message, StringComparison.Ordinal);
    }

    private delegate Proto.Collector.Logs.ExportLogsServiceRequest ExportLogsRequestBuilder();

    /// <summary>OTLP/JSON of a request: the protobuf JSON mapping, which for these messages (no ids, no bytes) is OTLP/JSON.</summary>
    private static string ToJson(Google.Protobuf.IMessage message) => Google.Protobuf.JsonFormatter.Default.Format(message);

    [Fact]
    [Trait("spec", "CUS-73")]
    public void A_hundred_thousand_empty_attributes_in_two_hundred_kilobytes_are_refused_before_they_are_materialized()
    {
        // 2 bytes on the wire each, a hundred in memory: the scan counts them before the parser makes any.
        var record = new byte[200_000];
        for (var i = 0; i < record.Length; i += 2) (record[i], record[i + 1]) = (0x32, 0x00); // LogRecord.attributes (6), empty
        var request = Wrap(1, Wrap(2, Wrap(2, record))); // ExportLogsServiceRequest.resource_logs(1).scope_logs(2).log_records(2)

        var problem = Problem(request, OtlpEncoding.Protobuf);

        Assert.Equal(OtlpProblemKind.TooLarge, problem.Kind);
        Assert.Contains("more than 1024 entries", problem.Message, StringComparison.Ordinal);
    }

    private static byte[] Wrap(int field, byte[] content)
    {
        using var output = new MemoryStream();
        var writer = new Google.Protobuf.CodedOutputStream(output);
        writer.WriteTag(field, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        writer.WriteBytes(Google.Protobuf.ByteString.CopyFrom(content));
        writer.Flush();
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize)) gzip.Write(data);
        return output.ToArray();
    }

    [Fact]
    [Trait("spec", "CUS-73")]
    public void Gzip_bodies_expand_within_their_ratio_and_the_size_limit_and_a_bomb_stops_at_the_bound()
    {
        var telemetry = Bytes(Logs(Enumerable.Range(0, 200).Select(i => UserPrompt("s", "prompt " + i, i)).ToArray()));
        var ok = OtlpCompression.Gunzip(Gzip(telemetry), maxBytes: 32 * 1024 * 1024);
        Assert.Null(ok.Problem);
        Assert.Equal(telemetry, ok.Data.ToArray());

        // 64 MiB of zeros gzip to about 64 KiB: over 100 times, refused at the ratio long before 64 MiB are written.
        var bomb = Gzip(new byte[64 * 1024 * 1024]);
        var ratio = OtlpCompression.Gunzip(bomb, maxBytes: long.MaxValue);
        Assert.Equal(OtlpProblemKind.TooLarge, ratio.Problem!.Kind);
        Assert.Contains("100 times its compressed size", ratio.Problem.Message, StringComparison.Ordinal);

        var size = OtlpCompression.Gunzip(Gzip(new byte[2 * 1024 * 1024]), maxBytes: 1024 * 1024, maxRatio: 100_000);
        Assert.Equal(OtlpProblemKind.TooLarge, size.Problem!.Kind);
        Assert.Contains("the 1048576 bytes the server accepts", size.Problem.Message, StringComparison.Ordinal);

        var small = OtlpCompression.Gunzip(Gzip(new byte[512 * 1024]), maxBytes: 32 * 1024 * 1024);
        Assert.Null(small.Problem); // under the 1 MiB every body may expand to, whatever its ratio

        var garbage = OtlpCompression.Gunzip("not gzip at all"u8.ToArray(), maxBytes: 1024);
        Assert.Equal(OtlpProblemKind.Malformed, garbage.Problem!.Kind);
        Assert.Contains("not valid gzip", garbage.Problem.Message, StringComparison.Ordinal);
    }
}
