using System.Text.Json;
using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary><c>custodian policy --json</c>: the documented shape (INTERFACES.md, "Policy decisions").</summary>
public sealed class PolicyJsonTests
{
    [Fact]
    [Trait("spec", "SET-7")]
    [Trait("spec", "FLW-1")]
    public void The_default_decisions_are_the_documented_example_values()
    {
        using var doc = DecisionsShape.AssertShape(PolicyJson.ToJson(TestPolicy.Decide(PolicyContext.Default)));
        var root = doc.RootElement;
        var body = System.Text.Json.Nodes.JsonNode.Parse(root.GetRawText())!.AsObject();
        body.Remove("trace");
        var expected = System.Text.Json.Nodes.JsonNode.Parse("""
            {
              "category": "consumer",
              "provider": "anthropic",
              "ignoredProviders": [],
              "training": { "sessionData": false, "feedback": false, "surveyRatings": false, "sharedTranscripts": false },
              "serverRetention": { "sessionData": "P30D", "feedback": "P5Y", "sharedTranscripts": "P6M" },
              "feedbackCommand": { "enabled": true, "destination": "upload" },
              "survey": { "enabled": true, "rate": 0.005, "sink": "server", "enabledViaOtelOverride": false },
              "transcriptShare": { "offered": true, "destination": "upload" },
              "localRetention": { "periodDays": 30, "sweep": "run", "pauseReason": null },
              "traffic": { "autoUpdate": true, "metrics": true, "errorReports": true, "feedbackUpload": true,
                           "surveyRatings": true, "transcriptShare": true, "webFetchPreflight": true,
                           "featureFlags": true, "releaseNotes": true }
            }
            """);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, body), body.ToJsonString());
    }

    public static TheoryData<string, string> EveryPlanProviderAndSwitch()
    {
        var data = new TheoryData<string, string>();
        string[] specs =
        [
            "", "CLAUDE_CODE_USE_BEDROCK=1", "CLAUDE_CODE_USE_VERTEX=1", "CLAUDE_CODE_USE_FOUNDRY=1", "CLAUDE_CODE_USE_ANTHROPIC_AWS=1",
            "+gateway", "+noCredentials", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0", "DISABLE_TELEMETRY=1", "DO_NOT_TRACK=1",
            "DISABLE_ERROR_REPORTING=1", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1", "DISABLE_TELEMETRY=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1",
            "DISABLE_FEEDBACK_COMMAND=1", "+dontAskAgain", "+orgFeedbackOff", "+allow", "+invalidDays", "+userExcluded", "+pinned=7",
            "+unreadable", "+skipWebFetch", "+rate=1",
        ];
        foreach (var plan in new[] { "free", "pro", "max", "team", "enterprise", "api", "gov" })
        {
            foreach (var spec in specs) data.Add(plan, spec);
        }

        data.Add("enterprise", "+zdr");
        data.Add("enterprise", "+zdr;CLAUDE_CODE_USE_BEDROCK=1");
        data.Add("api", "+dpp");
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPlanProviderAndSwitch))]
    [Trait("spec", "SET-7")]
    [Trait("spec", "RET-8")]
    [Trait("spec", "LOC-6")]
    public void Every_plan_provider_and_switch_prints_the_documented_shape_and_a_trace_for_each_non_default_decision(string plan, string spec)
    {
        var d = TestPolicy.Decide(ContextSpec.Build(plan, spec));
        var json = PolicyJson.ToJson(d);
        using var doc = DecisionsShape.AssertShape(json);
        var root = doc.RootElement;

        // The trace explains every decision that differs from the default's.
        using var defaults = JsonDocument.Parse(PolicyJson.ToJson(TestPolicy.Decide(PolicyContext.Default)));
        var traced = root.GetProperty("trace").EnumerateArray().ToDictionary(e => e.GetProperty("decision").GetString()!, StringComparer.Ordinal);
        foreach (var (section, keys) in DecisionsShape.Objects)
        {
            if (root.GetProperty(section).ValueKind == JsonValueKind.Null)
            {
                Assert.Equal("RET-8", traced[section].GetProperty("rule").GetString());
                continue;
            }

            foreach (var key in keys)
            {
                var name = section + "." + key;
                var value = DecisionsShape.At(root, name).GetRawText();
                if (value == DecisionsShape.At(defaults.RootElement, name).GetRawText()) continue;
                Assert.True(traced.TryGetValue(name, out var entry), $"{name} differs from the default but has no trace entry");
                Assert.Equal(value, entry.GetProperty("value").GetRawText());
                Assert.Matches(SpecIds.WellFormed, entry.GetProperty("rule").GetString()!);
                Assert.NotEqual(string.Empty, entry.GetProperty("because").GetString());
            }
        }

        // Compact and indented forms carry the same document.
        using var compact = JsonDocument.Parse(PolicyJson.ToJson(d, indented: false));
        Assert.Equal(JsonSerializer.Serialize(root), JsonSerializer.Serialize(compact.RootElement));
        Assert.DoesNotContain('\n', PolicyJson.ToJson(d, indented: false));
    }

    [Fact]
    [Trait("spec", "RET-3")]
    public void Zero_data_retention_prints_P0D_everywhere()
    {
        using var doc = DecisionsShape.AssertShape(PolicyJson.ToJson(TestPolicy.Decide(ContextSpec.Build("enterprise", "+zdr"))));
        var r = doc.RootElement.GetProperty("serverRetention");
        Assert.Equal(["P0D", "P0D", "P0D"], r.EnumerateObject().Select(p => p.Value.GetString()!).ToArray());
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-6")]
    public void A_paused_sweep_prints_a_null_period_and_the_reason()
    {
        using var doc = DecisionsShape.AssertShape(PolicyJson.ToJson(TestPolicy.Decide(ContextSpec.Build("pro", "+userExcluded"))));
        var local = doc.RootElement.GetProperty("localRetention");
        Assert.Equal(JsonValueKind.Null, local.GetProperty("periodDays").ValueKind);
        Assert.Equal("paused", local.GetProperty("sweep").GetString());
        Assert.Equal("user-settings-excluded", local.GetProperty("pauseReason").GetString());
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void Trace_values_keep_their_JSON_types()
    {
        var trace = JsonDocument.Parse(PolicyJson.ToJson(TestPolicy.Decide(ContextSpec.Build("pro", "CLAUDE_CODE_USE_VERTEX=1"))))
            .RootElement.GetProperty("trace").EnumerateArray()
            .ToDictionary(e => e.GetProperty("decision").GetString()!, e => e.GetProperty("value"), StringComparer.Ordinal);
        Assert.Equal(JsonValueKind.String, trace["category"].ValueKind);
        Assert.Equal(JsonValueKind.False, trace["training.sessionData"].ValueKind);
        Assert.Equal(JsonValueKind.Null, trace["serverRetention"].ValueKind);
        Assert.Equal(JsonValueKind.Number, trace["survey.rate"].ValueKind);
        Assert.Equal(JsonValueKind.Number, trace["localRetention.periodDays"].ValueKind);
        Assert.Equal(JsonValueKind.Null, trace["localRetention.pauseReason"].ValueKind);
        Assert.Equal("run", trace["localRetention.sweep"].GetString());
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void Sources_with_quotes_and_non_ASCII_text_stay_valid_and_readable()
    {
        var source = "/home/zoë/\"quoted\" dir\\settings.json";
        var c = PolicyContext.Default with
        {
            Settings = new PolicySettings { CleanupPeriodDays = SourcedValue<long>.Create("cleanupPeriodDays", 5, source) },
        };
        var json = PolicyJson.ToJson(TestPolicy.Decide(c));
        Assert.Contains("zoë", json, StringComparison.Ordinal);
        using var doc = DecisionsShape.AssertShape(json);
        var entry = doc.RootElement.GetProperty("trace").EnumerateArray().Single(e => e.GetProperty("decision").GetString() == "localRetention.periodDays");
        Assert.Equal($"cleanupPeriodDays=5 in {source}", entry.GetProperty("because").GetString());
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void WriteValue_writes_each_kind_of_trace_value()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var v in new object?[] { null, true, 3, 0.25, "text", Destination.LocalArchive })
            {
                PolicyJson.WriteValue(w, v);
            }

            w.WriteEndArray();
        }

        Assert.Equal("""[null,true,3,0.25,"text","LocalArchive"]""", System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void Ignored_providers_are_listed_with_variable_value_and_source_in_Claude_Codes_order()
    {
        var env = ClientEnvironment.FromVariables(
            new Dictionary<string, string> { ["CLAUDE_CODE_USE_VERTEX"] = "1", ["CLAUDE_CODE_USE_ANTHROPIC_AWS"] = "yes", ["CLAUDE_CODE_USE_FOUNDRY"] = "true" },
            name => name == "CLAUDE_CODE_USE_VERTEX" ? "/p/.claude/settings.json" : null);
        using var doc = DecisionsShape.AssertShape(PolicyJson.ToJson(TestPolicy.Decide(PolicyContext.Default with { Environment = env })));

        Assert.Equal("foundry", doc.RootElement.GetProperty("provider").GetString());
        var ignored = doc.RootElement.GetProperty("ignoredProviders").EnumerateArray()
            .Select(e => (e.GetProperty("provider").GetString(), e.GetProperty("variable").GetString(), e.GetProperty("value").GetString(), e.GetProperty("source").GetString()))
            .ToArray();
        Assert.Equal(
            [("anthropic-aws", "CLAUDE_CODE_USE_ANTHROPIC_AWS", "yes", "environment"), ("vertex", "CLAUDE_CODE_USE_VERTEX", "1", "/p/.claude/settings.json")],
            ignored);
    }
}
