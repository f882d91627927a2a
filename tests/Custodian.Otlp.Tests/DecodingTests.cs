using System.Text;
using Custodian.Otlp.Proto.Common;
using Custodian.Otlp.Proto.Metrics;
using static Custodian.Otlp.Tests.Requests;

namespace Custodian.Otlp.Tests;

/// <summary>Protobuf and OTLP/JSON export requests decode to the same records.</summary>
public sealed class DecodingTests
{
    private static OtlpLogBatch Logs(ReadOnlySpan<byte> payload, OtlpEncoding encoding)
    {
        var result = OtlpDecoder.DecodeLogs(payload, encoding);
        Assert.True(result.Succeeded, result.Problem?.Message);
        return result.Value!;
    }

    private static OtlpValue Get(IReadOnlyList<OtlpAttribute> attributes, string key) => Assert.Single(attributes, a => a.Key == key).Value;

    [Fact]
    [Trait("spec", "OTL-1")]
    public void A_protobuf_logs_request_written_by_the_generated_classes_decodes_with_every_field()
    {
        var record = UserPrompt("session-1", "fix the bug");
        record.TraceId = Google.Protobuf.ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());
        record.SpanId = Google.Protobuf.ByteString.CopyFrom(Enumerable.Range(1, 8).Select(i => (byte)(i * 16)).ToArray());
        record.SeverityNumber = Proto.Logs.SeverityNumber.Info;
        record.Attributes.Add(Attribute("nested", Nested(2)));
        record.Attributes.Add(Attribute("enabled_via_override", true));
        record.Attributes.Add(new KeyValue { Key = "ratio", Value = new AnyValue { DoubleValue = 0.25 } });
        record.Attributes.Add(new KeyValue { Key = "raw", Value = new AnyValue { BytesValue = Google.Protobuf.ByteString.CopyFromUtf8("hi") } });
        var array = new ArrayValue();
        array.Values.Add(new AnyValue { StringValue = "a" });
        array.Values.Add(new AnyValue { IntValue = 2 });
        record.Attributes.Add(new KeyValue { Key = "paths", Value = new AnyValue { ArrayValue = array } });

        var batch = Logs(Bytes(Requests.Logs(record)), OtlpEncoding.Protobuf);

        var log = Assert.Single(batch.Records);
        Assert.Equal("claude_code.user_prompt", log.Body!.String);
        Assert.Equal(1_796_000_000_000_000_001UL, log.TimeUnixNano);
        Assert.Equal(9, log.SeverityNumber);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", log.TraceId);
        Assert.Equal("1020304050607080", log.SpanId);
        Assert.Equal("session-1", Get(log.Attributes, "session.id").String);
        Assert.Equal(1, Get(log.Attributes, "event.sequence").Int);
        Assert.True(Get(log.Attributes, "enabled_via_override").Bool);
        Assert.Equal(0.25, Get(log.Attributes, "ratio").Double);
        Assert.Equal("hi", Encoding.UTF8.GetString(Get(log.Attributes, "raw").Bytes.Span));
        Assert.Equal("{k1={k0=leaf}}", Get(log.Attributes, "nested").ToString());
        Assert.Equal("[a, 2]", Get(log.Attributes, "paths").ToString());
        Assert.Equal("claude-code", Get(log.Resource.Attributes, "service.name").String);
        Assert.Equal("com.anthropic.claude_code.events", log.Scope.Name);
        Assert.Equal("2.1.328", log.Scope.Version);
    }

    /// <summary>The illustrative request of claude-code-otel.md §6, with the JSON mapping's variants on top.</summary>
    private const string SurveyJson = """
        {"resourceLogs":[{"resource":{"attributes":[
           {"key":"service.name","value":{"stringValue":"claude-code"}},
           {"key":"service.version","value":{"stringValue":"2.1.240"}}]},
         "schemaUrl":"https://opentelemetry.io/schemas/1.21.0",
         "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"2.1.240"},
          "logRecords":[{"timeUnixNano":"1796000000000000000","observedTimeUnixNano":1796000000000000001,
           "severityNumber":"SEVERITY_NUMBER_WARN2","traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"",
           "body":{"stringValue":"claude_code.feedback_survey"},
           "some_future_field":{"deep":[1,2,{"x":null}]},
           "attributes":[
            {"key":"event.name","value":{"stringValue":"feedback_survey"}},
            {"key":"event.timestamp","value":{"stringValue":"2026-11-30T12:00:00.000Z"}},
            {"key":"event.sequence","value":{"intValue":42}},
            {"key":"big","value":{"intValue":"9007199254740993"}},
            {"key":"nan","value":{"doubleValue":"NaN"}},
            {"key":"raw","value":{"bytesValue":"aGk="}},
            {"key":"session.id","value":{"stringValue":"1b0c"}},
            {"key":"event_type","value":{"stringValue":"responded"}},
            {"key":"response","value":{"stringValue":"good"}},
            {"key":"nothing","value":{}},
            {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}},
            {"key":"enabled_via_override","value":{"boolValue":true}}]}]}]}]}
        """;

    [Fact]
    [Trait("spec", "OTL-1")]
    public void OTLP_JSON_with_string_integers_enum_names_hex_ids_and_unknown_fields_decodes()
    {
        var batch = Logs(Encoding.UTF8.GetBytes(SurveyJson), OtlpEncoding.Json);

        var log = Assert.Single(batch.Records);
        Assert.Equal("claude_code.feedback_survey", log.Body!.String);
        Assert.Equal(1_796_000_000_000_000_000UL, log.TimeUnixNano);
        Assert.Equal(1_796_000_000_000_000_001UL, log.ObservedTimeUnixNano);
        Assert.Equal(14, log.SeverityNumber);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", log.TraceId);
        Assert.Equal(string.Empty, log.SpanId);
        Assert.Equal(42, Get(log.Attributes, "event.sequence").Int);
        Assert.Equal(9_007_199_254_740_993L, Get(log.Attributes, "big").Int);
        Assert.True(double.IsNaN(Get(log.Attributes, "nan").Double));
        Assert.Equal("hi", Encoding.UTF8.GetString(Get(log.Attributes, "raw").Bytes.Span));
        Assert.Equal(OtlpValueKind.Empty, Get(log.Attributes, "nothing").Kind);
        Assert.Equal("[a, 2]", Get(log.Attributes, "list").ToString());
        Assert.True(Get(log.Attributes, "enabled_via_override").Bool);
        Assert.Equal("2.1.240", Get(log.Resource.Attributes, "service.version").String);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    public void The_same_request_in_protobuf_and_in_JSON_decodes_to_the_same_records()
    {
        var request = Requests.Logs(UserPrompt("s1", "hello"), UserPrompt("s1", "again", 2));
        var json = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}},{"key":"service.version","value":{"stringValue":"2.1.328"}}]},
              "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"2.1.328"},"logRecords":[
                {"timeUnixNano":"1796000000000000001","observedTimeUnixNano":"1796000000000000001","body":{"stringValue":"claude_code.user_prompt"},"attributes":[
                  {"key":"event.name","value":{"stringValue":"user_prompt"}},{"key":"event.timestamp","value":{"stringValue":"2026-11-30T12:00:00.000Z"}},
                  {"key":"event.sequence","value":{"intValue":1}},{"key":"session.id","value":{"stringValue":"s1"}},
                  {"key":"prompt_length","value":{"stringValue":"5"}},{"key":"prompt","value":{"stringValue":"hello"}}]},
                {"attributes":[
                  {"key":"event.name","value":{"stringValue":"user_prompt"}},{"key":"event.timestamp","value":{"stringValue":"2026-11-30T12:00:00.000Z"}},
                  {"key":"event.sequence","value":{"intValue":"2"}},{"key":"session.id","value":{"stringValue":"s1"}},
                  {"key":"prompt_length","value":{"stringValue":"5"}},{"key":"prompt","value":{"stringValue":"again"}}],
                 "body":{"stringValue":"claude_code.user_prompt"},"observedTimeUnixNano":1796000000000000002,"timeUnixNano":1796000000000000002}]}]}]}
            """;

        var fromProtobuf = Logs(Bytes(request), OtlpEncoding.Protobuf);
        var fromJson = Logs(Encoding.UTF8.GetBytes(json), OtlpEncoding.Json);

        Assert.Equal(fromProtobuf.Records.Select(Describe), fromJson.Records.Select(Describe));
        Assert.Equal(2, fromJson.Records.Count);
    }

    private static string Describe(OtlpLogRecord r) =>
        $"{r.TimeUnixNano} {r.ObservedTimeUnixNano} {r.SeverityNumber} {r.Body} [{string.Join(", ", r.Attributes.Select(a => a.Key + "=" + a.Value.Kind + ":" + a.Value))}] "
        + $"resource [{string.Join(", ", r.Resource.Attributes.Select(a => a.Key + "=" + a.Value))}] scope {r.Scope.Name} {r.Scope.Version}";

    [Fact]
    [Trait("spec", "OTL-1")]
    public void Metrics_decode_sums_and_gauges_with_double_or_integer_values_and_count_the_kinds_not_read()
    {
        var tokens = Counter("claude_code.token.usage", "tokens", Point(120, "s1", "input"), Point(30, "s1", "output"));
        var cost = Counter("claude_code.cost.usage", "USD", new NumberDataPoint { AsInt = 7, TimeUnixNano = 5 });
        var gauge = new Metric { Name = "g", Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = 1.5 } } } };
        var histogram = new Metric { Name = "h", Histogram = new Histogram { DataPoints = { new OtherDataPoint(), new OtherDataPoint() } } };

        var result = OtlpDecoder.DecodeMetrics(Bytes(Requests.Metrics(tokens, cost, gauge, histogram)), OtlpEncoding.Protobuf);

        Assert.True(result.Succeeded, result.Problem?.Message);
        var points = result.Value!.Points;
        Assert.Equal(["claude_code.token.usage", "claude_code.token.usage", "claude_code.cost.usage", "g"], points.Select(p => p.Name));
        Assert.Equal(120, points[0].AsDouble);
        Assert.Equal(OtlpTemporality.Delta, points[0].Temporality);
        Assert.True(points[0].IsMonotonic);
        Assert.Equal("tokens", points[0].Unit);
        Assert.Equal("input", Get(points[0].Attributes, "type").String);
        Assert.Equal(7, points[2].AsInt);
        Assert.Null(points[2].AsDouble);
        Assert.Equal(OtlpMetricKind.Gauge, points[3].Kind);
        Assert.Equal(2, result.Value.UnsupportedPoints);
        Assert.Equal("claude-code", Get(points[0].Resource.Attributes, "service.name").String);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    public void OTLP_JSON_metrics_take_temporality_by_number_or_name_and_values_as_numbers_or_strings()
    {
        var json = """
            {"resourceMetrics":[{"scopeMetrics":[{"metrics":[
              {"sum":{"dataPoints":[{"asInt":"12","timeUnixNano":"2","attributes":[{"key":"type","value":{"stringValue":"user"}}]}],
                      "aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true},
               "name":"claude_code.active_time.total","unit":"s"},
              {"name":"claude_code.cost.usage","sum":{"aggregationTemporality":1,"dataPoints":[{"asDouble":0.0125},{"asDouble":"Infinity"}]}},
              {"name":"h","summary":{"dataPoints":[{"count":"3"}]}}]}],
              "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]}}]}
            """;

        var result = OtlpDecoder.DecodeMetrics(Encoding.UTF8.GetBytes(json), OtlpEncoding.Json);

        Assert.True(result.Succeeded, result.Problem?.Message);
        var points = result.Value!.Points;
        Assert.Equal(3, points.Count);
        Assert.Equal(("claude_code.active_time.total", "s", OtlpTemporality.Cumulative, 12L), (points[0].Name, points[0].Unit, points[0].Temporality, points[0].AsInt!.Value));
        Assert.Equal(OtlpTemporality.Delta, points[1].Temporality);
        Assert.Equal(0.0125, points[1].AsDouble);
        Assert.True(double.IsPositiveInfinity(points[2].AsDouble!.Value));
        Assert.Equal(1, result.Value.UnsupportedPoints);
        Assert.Equal("claude-code", Get(points[0].Resource.Attributes, "service.name").String);
    }

    [Theory]
    [InlineData(OtlpEncoding.Protobuf)]
    [InlineData(OtlpEncoding.Json)]
    [Trait("spec", "OTL-1")]
    public void An_empty_request_is_a_success_with_nothing_in_it(OtlpEncoding encoding)
    {
        var payload = encoding == OtlpEncoding.Json ? "{}"u8.ToArray() : [];

        Assert.Empty(Logs(payload, encoding).Records);
        var metrics = OtlpDecoder.DecodeMetrics(payload, encoding);
        Assert.True(metrics.Succeeded);
        Assert.Empty(metrics.Value!.Points);
    }

    [Theory]
    [InlineData(OtlpEncoding.Protobuf, 0, "")]
    [InlineData(OtlpEncoding.Protobuf, 3, "2 records had no usable session.id")]
    [InlineData(OtlpEncoding.Json, 0, "")]
    [InlineData(OtlpEncoding.Json, 3, "2 records had no usable session.id")]
    [Trait("spec", "OTL-6")]
    public void Responses_are_empty_on_success_and_carry_a_partial_success_otherwise(OtlpEncoding encoding, long rejected, string message)
    {
        var logs = OtlpResponses.Encode(OtlpSignal.Logs, encoding, rejected, message);
        var metrics = OtlpResponses.Encode(OtlpSignal.Metrics, encoding, rejected, message);

        if (rejected == 0) Assert.Equal(encoding == OtlpEncoding.Json ? "{}"u8.ToArray() : [], logs);
        Assert.Equal((rejected, message), OtlpResponses.Decode(OtlpSignal.Logs, encoding, logs));
        Assert.Equal((rejected, message), OtlpResponses.Decode(OtlpSignal.Metrics, encoding, metrics));
        if (encoding == OtlpEncoding.Json && rejected > 0)
            Assert.Contains("\"rejectedLogRecords\":\"3\"", Encoding.UTF8.GetString(logs), StringComparison.Ordinal);
    }
}
