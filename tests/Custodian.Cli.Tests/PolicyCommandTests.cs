using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Custodian.Cli.Tests;

public sealed class PolicyCommandTests : IDisposable
{
    private static readonly string[] Plans = ["free", "pro", "max", "team", "enterprise", "api", "gov"];

    private static readonly Dictionary<string, string[]> DocumentedShape = new()
    {
        [""] = ["category", "provider", "ignoredProviders", "training", "serverRetention", "feedbackCommand", "survey", "transcriptShare", "localRetention", "traffic", "trace"],
        ["training"] = ["sessionData", "feedback", "surveyRatings", "sharedTranscripts"],
        ["serverRetention"] = ["sessionData", "feedback", "sharedTranscripts"],
        ["feedbackCommand"] = ["enabled", "destination"],
        ["survey"] = ["enabled", "rate", "sink", "enabledViaOtelOverride"],
        ["transcriptShare"] = ["offered", "destination"],
        ["localRetention"] = ["periodDays", "sweep", "pauseReason"],
        ["traffic"] = ["autoUpdate", "metrics", "errorReports", "feedbackUpload", "surveyRatings", "transcriptShare", "webFetchPreflight", "featureFlags", "releaseNotes"],
    };

    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>Every plan, with and without each provider and each switch the policy reads.</summary>
    public static TheoryData<string> Contexts()
    {
        var data = new TheoryData<string>();
        (string Name, string Value)[] envs =
        [
            ("", ""),
            ("CLAUDE_CODE_USE_BEDROCK", "1"), ("CLAUDE_CODE_USE_VERTEX", "true"), ("CLAUDE_CODE_USE_FOUNDRY", "yes"), ("CLAUDE_CODE_USE_ANTHROPIC_AWS", "on"),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "0"), ("DISABLE_TELEMETRY", "false"), ("DISABLE_ERROR_REPORTING", "1"),
            ("DO_NOT_TRACK", "1"), ("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY", "1"), ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL", "1"),
            ("DISABLE_FEEDBACK_COMMAND", "1"), ("DISABLE_BUG_COMMAND", "true"),
        ];
        foreach (var plan in Plans)
        {
            foreach (var (name, value) in envs)
            {
                var env = name.Length == 0 ? "{}" : $"{{\"{name}\":\"{value}\"}}";
                data.Add($"{{\"plan\":\"{plan}\",\"env\":{env}}}");
                data.Add($"{{\"plan\":\"{plan}\",\"gateway\":true,\"serverCredentials\":false,\"user\":{{\"allowModelImprovement\":true}},\"env\":{env}}}");
            }

            // Several providers at once: Claude Code's order picks one, the others are reported (SET-5).
            data.Add($"{{\"plan\":\"{plan}\",\"env\":{{\"CLAUDE_CODE_USE_VERTEX\":\"1\",\"CLAUDE_CODE_USE_ANTHROPIC_AWS\":\"1\",\"CLAUDE_CODE_USE_FOUNDRY\":\"true\"}}}}");
        }

        data.Add("""{"plan":"enterprise","org":{"zeroDataRetention":true}}""");
        data.Add("""{"plan":"api","org":{"developmentPartnerProgram":true}}""");
        data.Add("""{"plan":"team","org":{"productFeedbackDisabled":true}}""");
        data.Add("""{"env":{"DISABLE_TELEMETRY":"1","CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1"}}""");
        data.Add("""{"user":{"surveyDontAskAgain":true},"settings":{"feedbackSurveyRate":0.25,"cleanupPeriodDays":7,"skipWebFetchPreflight":true}}""");
        data.Add("""{"serverConfig":{"feedbackSurveyRate":0.02}}""");
        return data;
    }

    [Theory]
    [MemberData(nameof(Contexts))]
    [Trait("spec", "SET-5")]
    [Trait("spec", "SET-7")]
    public void Policy_json_has_the_documented_shape_and_the_trace_explains_every_non_default_decision(string contextJson)
    {
        var result = Policy(contextJson);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        var doc = JsonNode.Parse(result.Stdout)!.AsObject();
        AssertShape(doc);

        var defaults = JsonNode.Parse(Policy("{}").Stdout)!.AsObject();
        var trace = doc["trace"]!.AsArray().Select(e => e!.AsObject()).ToList();
        foreach (var (path, value) in Leaves(doc))
        {
            var defaultValue = Leaves(defaults).GetValueOrDefault(path);
            if (JsonNode.DeepEquals(value, defaultValue)) continue;

            var entry = trace.FirstOrDefault(e => (string)e["decision"]! == path
                || (path.StartsWith("serverRetention", StringComparison.Ordinal) && (string)e["decision"]! == "serverRetention")
                || (path == "ignoredProviders" && (string)e["decision"]! == "provider"));
            Assert.True(entry is not null, $"no trace entry explains {path} = {value?.ToJsonString()} in {contextJson}");
            Assert.Matches(new Regex("^(SET|TRN|DPP|RET|FBK|SRV|SHR|LOC|FLW|CUS)-[0-9]+$"), (string)entry["rule"]!);
            Assert.False(string.IsNullOrWhiteSpace((string)entry["because"]!));
        }
    }

    [Fact]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SET-4")]
    public void Do_not_track_disables_the_survey_and_the_trace_names_the_rule_and_the_variable()
    {
        var doc = JsonNode.Parse(Policy("""{"env":{"DO_NOT_TRACK":"1"}}""").Stdout)!;

        Assert.False((bool)doc["survey"]!["enabled"]!);
        var entry = doc["trace"]!.AsArray().Single(e => (string)e!["decision"]! == "survey.enabled")!;
        Assert.False((bool)entry["value"]!);
        Assert.Equal("SRV-3", (string)entry["rule"]!);
        Assert.Equal("DO_NOT_TRACK=1", (string)entry["because"]!);
    }

    [Theory]
    [Trait("spec", "SET-6")]
    [InlineData("", "empty")]
    [InlineData("   \n", "empty")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"plan\":3}", "plan: must be a string")]
    [InlineData("{\"plan\":\"platinum\"}", "plan: unknown plan 'platinum'")]
    [InlineData("{\"gateway\":\"yes\"}", "gateway: must be true or false")]
    [InlineData("{\"env\":{\"DO_NOT_TRACK\":1}}", "env.DO_NOT_TRACK: must be a string")]
    [InlineData("{\"settings\":{\"cleanupPeriodDays\":\"30\"}}", "settings.cleanupPeriodDays: must be a number")]
    [InlineData("{\"settings\":{\"skipWebFetchPreflight\":1}}", "settings.skipWebFetchPreflight: must be a boolean")]
    [InlineData("{\"colour\":\"blue\"}", "colour: unknown key")]
    [InlineData("{\"user\":{\"allowTraining\":true}}", "user.allowTraining: unknown key")]
    [InlineData("{\"plan\":null}", "plan: must not be null")]
    [InlineData("{\"plan\":\"team\",\"org\":{\"zeroDataRetention\":true}}", "org.zeroDataRetention: zero data retention exists only for enterprise")]
    [InlineData("{\"plan\":\"enterprise\",\"org\":{\"developmentPartnerProgram\":true}}", "org.developmentPartnerProgram: the Development Partner Program is available only")]
    [InlineData("{\"plan\":\"api\",\"org\":{\"developmentPartnerProgram\":true},\"env\":{\"CLAUDE_CODE_USE_VERTEX\":\"1\"}}", "org.developmentPartnerProgram")]
    public void Bad_context_files_exit_2_with_one_line_naming_the_file_and_key(string content, string expected)
    {
        var path = _sandbox.Write("context.json", content);

        var result = _sandbox.Run("policy", "--context", path, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("custodian: " + path, line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void A_bad_value_names_its_line()
    {
        var path = _sandbox.Write("context.json", "{\n  \"plan\": \"pro\",\n  \"gateway\": 7\n}\n");

        var result = _sandbox.Run("policy", "--context", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}:3: gateway:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_context_file_or_unknown_flag_is_a_usage_error()
    {
        var missing = _sandbox.Run("policy", "--context", Path.Combine(_sandbox.Root, "nope.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.json: no such file", missing.Stderr, StringComparison.Ordinal);

        var flag = _sandbox.Run("policy", "--frobnicate");
        Assert.Equal(2, flag.ExitCode);
        Assert.Contains("--frobnicate", flag.Stderr, StringComparison.Ordinal);
        Assert.Single(flag.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SRV-2")]
    [InlineData("{\"settings\":{\"cleanupPeriodDays\":0}}", "settings.cleanupPeriodDays")]
    [InlineData("{\"settings\":{\"cleanupPeriodDays\":2.5}}", "settings.cleanupPeriodDays")]
    [InlineData("{\"settings\":{\"feedbackSurveyRate\":3}}", "settings.feedbackSurveyRate")]
    public void Invalid_settings_values_are_not_usage_errors_but_pause_the_sweep(string content, string field)
    {
        var result = Policy(content);

        Assert.Equal(0, result.ExitCode);
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("paused", (string)doc["localRetention"]!["sweep"]!);
        Assert.Equal("settings-invalid", (string)doc["localRetention"]!["pauseReason"]!);
        Assert.Null(doc["localRetention"]!["periodDays"]);
        Assert.Equal(0.005, (double)doc["survey"]!["rate"]!);
        var entry = doc["trace"]!.AsArray().Single(e => (string)e!["decision"]! == "localRetention.sweep")!;
        Assert.Contains(field, (string)entry["because"]!, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void Managed_cleanup_period_pins_the_period_in_a_context()
    {
        var doc = JsonNode.Parse(Policy("""{"settings":{"cleanupPeriodDays":0},"managedSettings":{"cleanupPeriodDays":14}}""").Stdout)!;

        Assert.Equal(14, (int)doc["localRetention"]!["periodDays"]!);
        Assert.Equal("run", (string)doc["localRetention"]!["sweep"]!);
    }

    [Fact]
    public void Human_output_is_a_table_with_a_why_column()
    {
        var path = _sandbox.Write("context.json", """{"plan":"max","env":{"DISABLE_TELEMETRY":"1"}}""");

        var result = _sandbox.Run("policy", "--context", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Why", result.Stdout, StringComparison.Ordinal);
        var metrics = result.Stdout.Split('\n').Single(l => l.Contains("traffic.metrics", StringComparison.Ordinal));
        Assert.Contains("no", metrics, StringComparison.Ordinal);
        Assert.Contains("FLW-2", metrics, StringComparison.Ordinal);
        Assert.Contains("DISABLE_TELEMETRY=1", metrics, StringComparison.Ordinal);
    }

    private CliResult Policy(string contextJson)
    {
        var path = _sandbox.Write($"ctx-{Guid.NewGuid():N}.json", contextJson);
        return _sandbox.Run("policy", "--context", path, "--json");
    }

    private static void AssertShape(JsonObject doc)
    {
        Assert.Equal(DocumentedShape[""], doc.Select(p => p.Key));
        Assert.Contains((string)doc["category"]!, new[] { "consumer", "commercial" });
        Assert.Contains((string)doc["provider"]!, new[] { "anthropic", "bedrock", "vertex", "foundry", "anthropic-aws" });
        foreach (var (section, keys) in DocumentedShape.Where(s => s.Key.Length > 0))
        {
            if (section == "serverRetention" && doc[section] is null) continue;
            Assert.Equal(keys, doc[section]!.AsObject().Select(p => p.Key));
        }

        if (doc["serverRetention"] is JsonObject retention)
        {
            foreach (var (_, value) in retention)
            {
                Assert.Matches("^P([0-9]+Y)?([0-9]+M)?([0-9]+D)?$", (string)value!);
            }
        }

        Assert.Contains((string)doc["feedbackCommand"]!["destination"]!, new[] { "upload", "local-archive", "none" });
        Assert.Contains((string)doc["transcriptShare"]!["destination"]!, new[] { "upload", "local-archive", "none" });
        Assert.Contains((string)doc["survey"]!["sink"]!, new[] { "server", "otel", "none" });
        Assert.Contains((string)doc["localRetention"]!["sweep"]!, new[] { "run", "paused" });
        var rate = (double)doc["survey"]!["rate"]!;
        Assert.InRange(rate, 0, 1);
        foreach (var (_, flow) in doc["traffic"]!.AsObject())
        {
            Assert.True(flow!.GetValueKind() is JsonValueKind.True or JsonValueKind.False, $"traffic flow {flow.ToJsonString()} is not a boolean");
        }

        foreach (var entry in doc["trace"]!.AsArray())
        {
            Assert.Equal(new[] { "decision", "value", "rule", "because" }, entry!.AsObject().Select(p => p.Key));
        }
    }

    private static Dictionary<string, JsonNode?> Leaves(JsonObject doc)
    {
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in doc)
        {
            if (key == "trace") continue;
            if (value is JsonObject section)
            {
                foreach (var (inner, leaf) in section) leaves[key + "." + inner] = leaf;
            }
            else if (key == "serverRetention")
            {
                foreach (var inner in DocumentedShape["serverRetention"]) leaves[key + "." + inner] = null;
            }
            else
            {
                leaves[key] = value;
            }
        }

        return leaves;
    }
}
