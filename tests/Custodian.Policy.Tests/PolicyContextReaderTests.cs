using System.Text;
using Custodian.Policy.Context;
using Custodian.Policy.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Custodian.Policy.Tests;

/// <summary>The strict reader of <c>--context</c> files (INTERFACES.md, "Policy context file").</summary>
public sealed class PolicyContextReaderTests
{
    private const string Name = "ctx.json";

    /// <summary>The example of INTERFACES.md, with a real plan in place of the list of plans.</summary>
    private const string InterfacesExample = """
        {
          "plan": "pro",
          "gateway": false,
          "user": { "allowModelImprovement": true, "surveyDontAskAgain": false },
          "org":  { "developmentPartnerProgram": false, "zeroDataRetention": false, "productFeedbackDisabled": false },
          "serverCredentials": true,
          "env": { "DISABLE_TELEMETRY": "1" },
          "settings": { "feedbackSurveyRate": 0.1, "cleanupPeriodDays": 30, "skipWebFetchPreflight": false }
        }
        """;

    private static ContextReadResult Parse(string json) => PolicyContextReader.Parse(Encoding.UTF8.GetBytes(json), Name);

    private static PolicyContext Read(string json)
    {
        var result = Parse(json);
        Assert.True(result.Error is null, result.Error);
        Assert.NotNull(result.Context);
        return result.Context!;
    }

    private static string Error(string json)
    {
        var result = Parse(json);
        Assert.Null(result.Context);
        Assert.NotNull(result.Error);
        Assert.DoesNotContain('\n', result.Error!);
        Assert.StartsWith(Name + ":", result.Error, StringComparison.Ordinal);
        return result.Error!;
    }

    [Fact]
    [Trait("spec", "SET-7")]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "SRV-3")]
    public void The_example_of_INTERFACES_parses_and_evaluates()
    {
        var c = Read(InterfacesExample);
        Assert.Equal(Plan.Pro, c.Plan);
        Assert.False(c.Gateway);
        Assert.Equal(new UserPreferences(AllowModelImprovement: true, SurveyDontAskAgain: false), c.User);
        Assert.Equal(OrganizationPolicy.Default, c.Org);
        Assert.True(c.ServerCredentials);
        Assert.True(c.Environment.DisableTelemetry.On);
        Assert.Equal(0.1, c.Settings.FeedbackSurveyRate!.Value.Value);
        Assert.Equal("ctx.json (settings)", c.Settings.FeedbackSurveyRate.Value.Source);
        Assert.Equal(30, c.Settings.CleanupPeriodDays!.Value.Value);
        Assert.False(c.Settings.CleanupPeriodPinned);
        Assert.False(c.Settings.SkipWebFetchPreflight!.Value.Value);
        Assert.Empty(c.Settings.Problems);

        var d = TestPolicy.Decide(c);
        Assert.True(d.Training.SessionData.Value);
        Assert.False(d.Survey.Enabled.Value);
        Assert.Equal("DISABLE_TELEMETRY=1", d.Survey.Enabled.Because);
        Assert.Equal(0.1, d.Survey.Rate.Value);
        Assert.Equal("feedbackSurveyRate=0.1 in ctx.json (settings)", d.Survey.Rate.Because);
        Assert.Equal(30, d.LocalRetention.PeriodDays.Value);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("  {\n}\n")]
    [InlineData("\uFEFF{}")]
    [InlineData("""{"user": {}, "org": {}, "env": {}, "settings": {}}""")]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "RET-1")]
    [Trait("spec", "LOC-3")]
    public void An_empty_object_gives_the_defaults_of_a_new_pro_user(string json)
    {
        var c = Read(json);
        Assert.Equal(Plan.Pro, c.Plan);
        Assert.False(c.Gateway);
        Assert.Equal(UserPreferences.Default, c.User);
        Assert.False(c.User.AllowModelImprovement);
        Assert.Equal(OrganizationPolicy.Default, c.Org);
        Assert.True(c.ServerCredentials);
        Assert.Null(c.PublishedSurveyRate);
        Assert.Equal(Provider.Anthropic, c.Environment.Provider);
        Assert.Equal(PolicyJson.ToJson(TestPolicy.Decide(PolicyContext.Default)), PolicyJson.ToJson(TestPolicy.Decide(c)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t\r\n")]
    [InlineData("\uFEFF")]
    [Trait("spec", "SET-6")]
    public void An_empty_file_is_an_error_that_says_so(string json)
    {
        var e = Error(json);
        Assert.StartsWith("ctx.json:1: ", e, StringComparison.Ordinal);
        Assert.Contains("empty", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello", 1)]
    [InlineData("{\"plan\": \"pro\",}", 1)]
    [InlineData("{\n  \"plan\": \"pro\",\n  \"gateway\": tru\n}", 3)]
    [InlineData("{\n  \"plan\": \"pro\"\n  \"gateway\": true\n}", 3)]
    [InlineData("{\n  \"plan\": \"pro\",\n\n\n", 5)]
    [InlineData("{\"plan\": \"pro\"} trailing", 1)]
    [InlineData("{\n// a comment\n}", 2)]
    [Trait("spec", "SET-6")]
    public void Text_that_is_not_JSON_is_an_error_with_its_line(string json, int line)
    {
        var e = Error(json);
        Assert.StartsWith($"ctx.json:{line}: not valid JSON", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"plan\": \"pro\"}]")]
    [InlineData("\"pro\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    [Trait("spec", "SET-6")]
    public void A_top_level_value_that_is_not_an_object_is_an_error(string json) =>
        Assert.Equal("ctx.json:1: expected a JSON object at the top level", Error(json));

    [Theory]
    [InlineData("{\n  \"plan\": 3\n}", "ctx.json:2: plan: must be a string, not a number")]
    [InlineData("{\"plan\": [\"pro\"]}", "ctx.json:1: plan: must be a string, not an array")]
    [InlineData("{\n\n  \"gateway\": \"yes\"\n}", "ctx.json:3: gateway: must be true or false, not a string")]
    [InlineData("{\"gateway\": 1}", "ctx.json:1: gateway: must be true or false, not a number")]
    [InlineData("{\"serverCredentials\": \"true\"}", "ctx.json:1: serverCredentials: must be true or false, not a string")]
    [InlineData("{\n  \"env\": {\n    \"X\": 1\n  }\n}", "ctx.json:3: env.X: must be a string (environment variables are text, e.g. \"1\")")]
    [InlineData("{\"env\": {\"DISABLE_TELEMETRY\": true}}", "ctx.json:1: env.DISABLE_TELEMETRY: must be a string (environment variables are text, e.g. \"1\")")]
    [InlineData("{\"env\": [\"DISABLE_TELEMETRY=1\"]}", "ctx.json:1: env: must be an object, not an array")]
    [InlineData("{\n  \"settings\": {\n    \"cleanupPeriodDays\": \"30\"\n  }\n}", "ctx.json:3: settings.cleanupPeriodDays: must be a number, not a string")]
    [InlineData("{\"settings\": {\"feedbackSurveyRate\": \"0.1\"}}", "ctx.json:1: settings.feedbackSurveyRate: must be a number, not a string")]
    [InlineData("{\"settings\": {\"skipWebFetchPreflight\": \"false\"}}", "ctx.json:1: settings.skipWebFetchPreflight: must be a boolean, not a string")]
    [InlineData("{\"settings\": {\"skipWebFetchPreflight\": 0}}", "ctx.json:1: settings.skipWebFetchPreflight: must be a boolean, not a number")]
    [InlineData("{\"user\": {\"allowModelImprovement\": \"yes\"}}", "ctx.json:1: user.allowModelImprovement: must be true or false, not a string")]
    [InlineData("{\"org\": {\"zeroDataRetention\": 1}}", "ctx.json:1: org.zeroDataRetention: must be true or false, not a number")]
    [InlineData("{\"user\": true}", "ctx.json:1: user: must be an object, not a boolean")]
    [InlineData("{\"settings\": 30}", "ctx.json:1: settings: must be an object, not a number")]
    [InlineData("{\"settingSources\": \"user\"}", "ctx.json:1: settingSources: must be an array of \"user\", \"project\" or \"local\"")]
    [InlineData("{\"serverConfig\": {\"feedbackSurveyRate\": \"x\"}}", "ctx.json:1: serverConfig.feedbackSurveyRate: must be a number, not a string")]
    [Trait("spec", "SET-6")]
    public void A_wrong_type_is_an_error_naming_the_key_and_line(string json, string expected) => Assert.Equal(expected, Error(json));

    [Theory]
    [InlineData("{\"foo\": 1}", "foo", 1)]
    [InlineData("{\n  \"plan\": \"pro\",\n  \"Plan\": \"max\"\n}", "Plan", 3)]
    [InlineData("{\"user\": {\"allowTraining\": true}}", "user.allowTraining", 1)]
    [InlineData("{\n  \"org\": {\n    \"zdr\": true\n  }\n}", "org.zdr", 3)]
    [InlineData("{\"settings\": {\"cleanupPeriod\": 3}}", "settings.cleanupPeriod", 1)]
    [InlineData("{\"managedSettings\": {\"model\": \"x\"}}", "managedSettings.model", 1)]
    [InlineData("{\"serverConfig\": {\"cleanupPeriodDays\": 3}}", "serverConfig.cleanupPeriodDays", 1)]
    [Trait("spec", "SET-6")]
    public void An_unknown_key_is_an_error_naming_it_and_the_keys_expected(string json, string key, int line)
    {
        var e = Error(json);
        Assert.StartsWith($"ctx.json:{line}: {key}: unknown key (expected one of: ", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"plan\": null}", "plan")]
    [InlineData("{\"gateway\": null}", "gateway")]
    [InlineData("{\"user\": null}", "user")]
    [InlineData("{\"env\": null}", "env")]
    [InlineData("{\"user\": {\"allowModelImprovement\": null}}", "user.allowModelImprovement")]
    [InlineData("{\"org\": {\"productFeedbackDisabled\": null}}", "org.productFeedbackDisabled")]
    [InlineData("{\"settings\": {\"cleanupPeriodDays\": null}}", "settings.cleanupPeriodDays")]
    [InlineData("{\"env\": {\"DO_NOT_TRACK\": null}}", "env.DO_NOT_TRACK")]
    [InlineData("{\"settingSources\": [null]}", "settingSources")]
    [Trait("spec", "SET-6")]
    public void A_null_value_is_an_error_naming_the_key(string json, string key) =>
        Assert.StartsWith($"ctx.json:1: {key}: ", Error(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("premium")]
    [InlineData("Pro")]
    [InlineData("")]
    [InlineData("bedrock")]
    [Trait("spec", "SET-6")]
    public void An_unknown_plan_is_an_error_listing_the_plans(string plan)
    {
        var e = Error($"{{\"plan\": \"{plan}\"}}");
        Assert.Equal($"ctx.json:1: plan: unknown plan '{plan}' (expected one of free, pro, max, team, enterprise, api, gov)", e);
    }

    [Theory]
    [InlineData("free")]
    [InlineData("pro")]
    [InlineData("max")]
    [InlineData("team")]
    [InlineData("api")]
    [InlineData("gov")]
    [Trait("spec", "RET-3")]
    public void Zero_data_retention_on_a_non_enterprise_plan_is_an_error_naming_the_key(string plan)
    {
        var e = Error($"{{\n  \"plan\": \"{plan}\",\n  \"org\": {{\n    \"zeroDataRetention\": true\n  }}\n}}");
        Assert.StartsWith("ctx.json:4: org.zeroDataRetention: zero data retention exists only for enterprise", e, StringComparison.Ordinal);
        Assert.Contains("RET-3", e, StringComparison.Ordinal);
        Assert.Contains($"'{plan}'", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("free")]
    [InlineData("pro")]
    [InlineData("max")]
    [InlineData("team")]
    [InlineData("enterprise")]
    [InlineData("gov")]
    [Trait("spec", "DPP-2")]
    public void The_program_on_a_non_api_plan_is_an_error_naming_the_key(string plan)
    {
        var e = Error($"{{\"plan\": \"{plan}\", \"org\": {{\"developmentPartnerProgram\": true}}}}");
        Assert.StartsWith("ctx.json:1: org.developmentPartnerProgram: the Development Partner Program is available only to first-party API organizations (DPP-2)", e, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "DPP-2")]
    [Trait("spec", "CUS-8")]
    public void The_program_on_an_api_plan_over_a_platform_is_an_error()
    {
        var e = Error("""{"plan": "api", "org": {"developmentPartnerProgram": true}, "env": {"CLAUDE_CODE_USE_FOUNDRY": "1"}}""");
        Assert.Contains("org.developmentPartnerProgram", e, StringComparison.Ordinal);
        Assert.Contains("foundry", e, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "DPP-1")]
    [Trait("spec", "DPP-3")]
    public void The_program_on_an_api_plan_is_read_and_makes_session_data_training_eligible()
    {
        var d = TestPolicy.Decide(Read("""{"plan": "api", "org": {"developmentPartnerProgram": true}}"""));
        Assert.Equal(new Decision<bool>(true, "DPP-3", d.Training.SessionData.Because), d.Training.SessionData);
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void Two_providers_in_env_pick_Claude_Codes_choice_and_report_the_other_with_the_context_file()
    {
        var c = Read("{\n  \"env\": {\n    \"CLAUDE_CODE_USE_VERTEX\": \"true\",\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\"\n  }\n}");
        var d = TestPolicy.Decide(c);
        Assert.Equal(Provider.Bedrock, d.Provider.Value);
        var ignored = Assert.Single(d.IgnoredProviders);
        Assert.Equal(new IgnoredProvider(Provider.Vertex, "CLAUDE_CODE_USE_VERTEX", "true", Name + " (env)", Provider.Bedrock), ignored);
        Assert.Contains("CLAUDE_CODE_USE_VERTEX=true", d.Provider.Because, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("free")]
    [InlineData("max")]
    [InlineData("enterprise")]
    [Trait("spec", "SET-5")]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "RET-8")]
    public void A_provider_variable_makes_a_third_party_session_whatever_the_plan(string plan)
    {
        var d = TestPolicy.Decide(Read("{\"plan\": \"" + plan + "\", \"user\": {\"allowModelImprovement\": true}, \"env\": {\"CLAUDE_CODE_USE_BEDROCK\": \"1\"}}"));
        Assert.Equal(Provider.Bedrock, d.Provider.Value);
        Assert.Equal(PlanCategory.Commercial, d.Category.Value);
        Assert.False(d.Training.SessionData.Value);
        Assert.False(d.ServerRetention.ReachesServer.Value);
    }

    [Theory]
    [InlineData("{\n  \"settings\": {\n    \"cleanupPeriodDays\": 0\n  }\n}", "settings.cleanupPeriodDays", 3, "must be at least 1")]
    [InlineData("{\"settings\": {\"cleanupPeriodDays\": -5}}", "settings.cleanupPeriodDays", 1, "must be at least 1")]
    [InlineData("{\"settings\": {\"cleanupPeriodDays\": 1.5}}", "settings.cleanupPeriodDays", 1, "whole number")]
    [InlineData("{\n  \"settings\": {\"feedbackSurveyRate\": 3}\n}", "settings.feedbackSurveyRate", 2, "must be from 0 to 1")]
    [InlineData("{\"settings\": {\"feedbackSurveyRate\": -0.1}}", "settings.feedbackSurveyRate", 1, "must be from 0 to 1")]
    [InlineData("{\"managedSettings\": {\"cleanupPeriodDays\": 0}}", "managedSettings.cleanupPeriodDays", 1, "must be at least 1")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SRV-2")]
    [Trait("spec", "CUS-6")]
    [Trait("spec", "CUS-7")]
    public void An_invalid_settings_value_is_not_an_error_but_pauses_the_sweep(string json, string key, int line, string message)
    {
        var c = Read(json);
        var problem = Assert.Single(c.Settings.Problems);
        Assert.Equal(Name, problem.Source);
        Assert.Equal(line, problem.Line);
        Assert.Equal(key, problem.Field);
        Assert.Equal(SettingsProblemKind.InvalidValue, problem.Kind);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Null(c.Settings.CleanupPeriodDays);
        Assert.Null(c.Settings.FeedbackSurveyRate);

        var d = TestPolicy.Decide(c);
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.SettingsInvalid, d.LocalRetention.PauseReason.Value);
        Assert.Contains($"ctx.json:{line}: {key}: ", d.LocalRetention.PauseReason.Because, StringComparison.Ordinal);
        Assert.Equal(PolicyEngine.BuiltInSurveyRate, d.Survey.Rate.Value);
        using var doc = DecisionsShape.AssertShape(PolicyJson.ToJson(d));
        Assert.Equal("paused", doc.RootElement.GetProperty("localRetention").GetProperty("sweep").GetString());
        Assert.Equal("settings-invalid", doc.RootElement.GetProperty("localRetention").GetProperty("pauseReason").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(3650)]
    [Trait("spec", "LOC-3")]
    public void A_valid_period_is_used(int days)
    {
        var d = TestPolicy.Decide(Read($"{{\"settings\": {{\"cleanupPeriodDays\": {days}}}}}"));
        Assert.Equal(days, d.LocalRetention.PeriodDays.Value);
        Assert.True(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(5, TestPolicy.Decide(Read("{\"settings\": {\"cleanupPeriodDays\": 5.0}}")).LocalRetention.PeriodDays.Value);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void Managed_settings_in_a_context_pin_the_period_over_settings_and_problems()
    {
        var c = Read("""{"settings": {"cleanupPeriodDays": 0}, "managedSettings": {"cleanupPeriodDays": 14}, "settingSources": ["project"]}""");
        Assert.True(c.Settings.CleanupPeriodPinned);
        Assert.True(c.Settings.UserSettingsExcluded);
        Assert.Single(c.Settings.Problems);
        var d = TestPolicy.Decide(c);
        Assert.Equal(new Decision<long?>(14, "LOC-6", "cleanupPeriodDays=14 in ctx.json (managedSettings)"), d.LocalRetention.PeriodDays);
        Assert.True(d.LocalRetention.SweepRuns.Value);
    }

    [Theory]
    [InlineData("[\"project\", \"local\"]", true)]
    [InlineData("[]", true)]
    [InlineData("[\"user\"]", false)]
    [InlineData("[\"local\", \"user\", \"project\"]", false)]
    [Trait("spec", "LOC-6")]
    public void Setting_sources_without_user_pause_the_sweep(string sources, bool excluded)
    {
        var d = TestPolicy.Decide(Read($"{{\"settingSources\": {sources}}}"));
        Assert.Equal(!excluded, d.LocalRetention.SweepRuns.Value);
        Assert.Equal(excluded ? SweepPauseReason.UserSettingsExcluded : SweepPauseReason.None, d.LocalRetention.PauseReason.Value);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void An_unknown_setting_source_is_an_error() =>
        Assert.Equal(
            "ctx.json:1: settingSources: unknown setting source \"policy\" (expected \"user\", \"project\" or \"local\")",
            Error("{\"settingSources\": [\"user\", \"policy\"]}"));

    [Fact]
    [Trait("spec", "SRV-2")]
    public void The_server_published_rate_is_read_and_checked()
    {
        Assert.Equal(0.02, TestPolicy.Decide(Read("{\"serverConfig\": {\"feedbackSurveyRate\": 0.02}}")).Survey.Rate.Value);
        Assert.Equal("ctx.json:1: serverConfig.feedbackSurveyRate: must be from 0 to 1", Error("{\"serverConfig\": {\"feedbackSurveyRate\": 2}}"));
    }

    [Theory]
    [InlineData("{\"plan\": \"pro\", \"plan\": \"max\"}")]
    [InlineData("{\n  \"env\": {\n    \"DO_NOT_TRACK\": \"1\",\n    \"DO_NOT_TRACK\": \"0\"\n  }\n}")]
    [InlineData("{\"user\": {\"allowModelImprovement\": true, \"allowModelImprovement\": false}}")]
    [Trait("spec", "SET-6")]
    public void A_duplicate_key_is_an_error_not_a_crash(string json)
    {
        var e = Error(json);
        Assert.Contains("Duplicate", e, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void The_duplicate_key_error_names_its_line() =>
        Assert.StartsWith("ctx.json:4: ", Error("{\n  \"env\": {\n    \"DO_NOT_TRACK\": \"1\",\n    \"DO_NOT_TRACK\": \"0\"\n  }\n}"), StringComparison.Ordinal);

    [Theory]
    [InlineData("{\"org\": {\"zero\\nDataRetention\": true}}", "ctx.json:1: org.zero\\nDataRetention: unknown key")]
    [InlineData("{\"plan\": \"pro\\r\\n\"}", "ctx.json:1: plan: unknown plan 'pro\\n'")]
    [InlineData("{\"env\": {\"A\\u2028B\": 1}}", "ctx.json:1: env.A\\nB: must be a string")]
    [Trait("spec", "SET-6")]
    public void An_escaped_line_break_in_a_key_or_value_keeps_the_error_on_one_line(string json, string start) =>
        Assert.StartsWith(start, Error(json), StringComparison.Ordinal);

    [Fact]
    [Trait("spec", "SET-6")]
    public void Deep_nesting_and_invalid_UTF8_are_errors_not_crashes()
    {
        Assert.Contains("not valid JSON", Error("{\"user\": " + new string('[', 100) + new string(']', 100) + "}"), StringComparison.Ordinal);
        var bad = PolicyContextReader.Parse([(byte)'{', (byte)'\n', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], Name);
        Assert.Null(bad.Context);
        Assert.Equal("ctx.json:2: not valid UTF-8 text (byte 3)", bad.Error);
        var badValue = PolicyContextReader.Parse([.. "{\"plan\": \""u8, 0xFF, .. "\"}"u8], Name);
        Assert.Equal("ctx.json:1: not valid UTF-8 text (byte 10)", badValue.Error);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void ReadFile_reports_a_missing_or_unreadable_file_by_path()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "nope.json");
        Assert.Equal($"{missing}: no such file", PolicyContextReader.ReadFile(missing).Error);
        var folder = dir.Mkdir("folder.json");
        var e = PolicyContextReader.ReadFile(folder).Error;
        Assert.StartsWith($"{folder}: cannot be read", e, StringComparison.Ordinal);
        var good = dir.Write("good.json", "{\"plan\": \"team\"}");
        Assert.Equal(Plan.Team, PolicyContextReader.ReadFile(good).Context!.Plan);
        var bad = dir.Write("bad.json", "{\"plan\": 3}");
        Assert.Equal($"{bad}:1: plan: must be a string, not a number", PolicyContextReader.ReadFile(bad).Error);
    }

    [Property(MaxTest = 500)]
    [Trait("spec", "SET-6")]
    public void Arbitrary_bytes_give_a_context_or_an_error_never_an_exception(byte[] bytes)
    {
        var result = PolicyContextReader.Parse(bytes, Name);
        Assert.True((result.Context is null) != (result.Error is null));
    }

    public static Arbitrary<string> MutatedDocuments() => Arb.From(
        from cut in Gen.Choose(0, InterfacesExample.Length)
        from at in Gen.Choose(0, InterfacesExample.Length - 1)
        from ch in Gen.Elements('{', '}', '[', ']', '"', ',', ':', 'x', '0', ' ', '\n', 'n', 't', '\\')
        from mode in Gen.Choose(0, 2)
        select mode switch
        {
            0 => InterfacesExample[..cut],
            1 => InterfacesExample[..at] + ch + InterfacesExample[(at + 1)..],
            _ => InterfacesExample[..at] + ch + InterfacesExample[at..],
        });

    [Property(Arbitrary = new[] { typeof(PolicyContextReaderTests) }, MaxTest = 500)]
    [Trait("spec", "SET-6")]
    public void A_damaged_context_file_gives_a_context_or_a_one_line_error_naming_the_file(string json)
    {
        var result = Parse(json);
        Assert.True((result.Context is null) != (result.Error is null));
        if (result.Error is { } e)
        {
            Assert.StartsWith(Name + ":", e, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e);
        }
        else
        {
            Assert.True(PolicyEngine.Evaluate(result.Context!).Succeeded);
        }
    }
}
