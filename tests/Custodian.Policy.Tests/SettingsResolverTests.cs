using System.Text;
using System.Text.Json.Nodes;
using Custodian.Policy.Account;
using Custodian.Policy.Settings;
using Custodian.Policy.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Custodian.Policy.Tests;

/// <summary>Settings resolution on real files (SET-1..7, LOC-3, LOC-6).</summary>
public sealed class SettingsResolverTests : IDisposable
{
    private readonly SettingsSandbox _s = new();

    public void Dispose() => _s.Dispose();

    private static PolicyDecisions Decide(ResolvedSettings r) => TestPolicy.Decide(new PolicyContext
    {
        Environment = r.ToClientEnvironment(),
        Settings = r.ToPolicySettings(),
    });

    private static int Days(ResolvedSettings r) => (int)r.Values["cleanupPeriodDays"].Value!.GetValue<double>();

    [Fact]
    [Trait("spec", "SET-1")]
    [Trait("spec", "SET-7")]
    [Trait("spec", "CUS-4")]
    public void Five_sources_take_precedence_managed_then_command_line_then_local_then_project_then_user()
    {
        var sources = new (string Path, SettingsScope Scope, int Days)[]
        {
            (_s.ManagedFile, SettingsScope.Managed, 10),
            (_s.CommandLineFile, SettingsScope.CommandLine, 20),
            (_s.LocalFile, SettingsScope.ProjectLocal, 30),
            (_s.ProjectFile, SettingsScope.Project, 40),
            (_s.UserFile, SettingsScope.User, 50),
        };
        foreach (var (path, _, days) in sources)
        {
            _s.Write(path, $"{{\"cleanupPeriodDays\": {days}, \"only{days}\": true}}");
        }

        for (var i = 0; i < sources.Length; i++)
        {
            var r = _s.Resolve(commandLine: i <= 1);
            Assert.Empty(r.Problems);
            var winner = r.Values["cleanupPeriodDays"];
            Assert.Equal(sources[i].Days, Days(r));
            Assert.Equal(sources[i].Path, winner.Source);
            Assert.Equal(sources[i].Scope, winner.Scope);
            // Keys set by one source only keep that source (SET-7).
            foreach (var (path, scope, days) in sources.Skip(i))
            {
                Assert.Equal(path, r.Values[$"only{days}"].Source);
                Assert.Equal(scope, r.Values[$"only{days}"].Scope);
            }

            var d = Decide(r);
            Assert.Equal(sources[i].Days, d.LocalRetention.PeriodDays.Value);
            Assert.Equal($"cleanupPeriodDays={sources[i].Days} in {sources[i].Path}", d.LocalRetention.PeriodDays.Because);
            Assert.Equal(sources[i].Scope == SettingsScope.Managed ? "LOC-6" : "LOC-3", d.LocalRetention.PeriodDays.Rule);
            File.Delete(sources[i].Path);
        }

        var none = _s.Resolve();
        Assert.False(none.Values.ContainsKey("cleanupPeriodDays"));
        Assert.Equal(30, Decide(none).LocalRetention.PeriodDays.Value);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void The_files_are_listed_highest_precedence_first_with_whether_they_exist()
    {
        _s.Write(_s.ProjectFile, "{}");
        _s.Write(_s.DropIn("b.json"), "{}");
        _s.Write(_s.DropIn("a.json"), "{}");
        var files = SettingsResolver.Enumerate(_s.Locations(commandLine: true));
        Assert.Equal(
            [
                (SettingsScope.Managed, _s.DropIn("b.json"), true),
                (SettingsScope.Managed, _s.DropIn("a.json"), true),
                (SettingsScope.Managed, _s.ManagedFile, false),
                (SettingsScope.CommandLine, _s.CommandLineFile, true),
                (SettingsScope.ProjectLocal, _s.LocalFile, false),
                (SettingsScope.Project, _s.ProjectFile, true),
                (SettingsScope.User, _s.UserFile, false),
            ],
            files.Select(f => (f.Scope, f.Path, f.Exists)).ToArray());
        Assert.Equal(files, _s.Resolve(commandLine: true).Files);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void Managed_drop_ins_merge_alphabetically_scalars_later_win_lists_union_objects_deep_merge()
    {
        _s.Write(_s.ManagedFile, """{"a": 1, "list": ["x"], "obj": {"k1": 1, "k2": 1, "inner": {"p": 1}}, "mixed": {"o": 1}}""");
        // Written out of order: the merge follows names, not creation time.
        _s.Write(_s.DropIn("20-second.json"), """{"a": 3, "list": ["x", "z"], "obj": {"k3": 3, "inner": {"q": 2}}, "mixed": 7}""");
        _s.Write(_s.DropIn("10-first.json"), """{"a": 2, "list": ["y"], "obj": {"k2": 2}, "b": "first"}""");
        _s.Write(_s.DropIn("README.txt"), "not settings");
        _s.Write(_s.UserFile, """{"a": 0, "b": "user", "c": "user"}""");

        var r = _s.Resolve();
        Assert.Empty(r.Problems);
        Assert.Equal(3, r.Values["a"].Value!.GetValue<double>());
        Assert.Equal(_s.DropIn("20-second.json"), r.Values["a"].Source);
        Assert.Equal("first", r.Values["b"].Value!.GetValue<string>());
        Assert.Equal(_s.DropIn("10-first.json"), r.Values["b"].Source);
        Assert.Equal("user", r.Values["c"].Value!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""["x", "y", "z"]"""), r.Values["list"].Value), r.Values["list"].Value!.ToJsonString());
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse("""{"k1": 1, "k2": 2, "inner": {"p": 1, "q": 2}, "k3": 3}"""), r.Values["obj"].Value),
            r.Values["obj"].Value!.ToJsonString());
        Assert.Equal(7, r.Values["mixed"].Value!.GetValue<double>());
        Assert.All(r.Values.Values.Where(v => v.Key != "c"), v => Assert.Equal(SettingsScope.Managed, v.Scope));
    }

    [Fact]
    [Trait("spec", "SET-1")]
    [Trait("spec", "CUS-4")]
    public void The_same_merge_applies_across_sources_lists_union_and_objects_deep_merge()
    {
        // SPEC gives the merge rule for managed-settings.d; the resolver applies it to every source (as Claude Code
        // does for permission lists), with the higher source winning for scalars.
        _s.Write(_s.UserFile, """{"permissions": {"allow": ["Read"], "deny": ["Bash"], "mode": "user"}}""");
        _s.Write(_s.ProjectFile, """{"permissions": {"allow": ["Edit", "Read"], "mode": "project"}}""");
        var r = _s.Resolve();
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse("""{"allow": ["Read", "Edit"], "deny": ["Bash"], "mode": "project"}"""), r.Values["permissions"].Value),
            r.Values["permissions"].Value!.ToJsonString());
        Assert.Equal(_s.ProjectFile, r.Values["permissions"].Source);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    [Trait("spec", "SET-6")]
    public void A_broken_drop_in_is_reported_and_the_others_still_apply()
    {
        var broken = _s.Write(_s.DropIn("50-broken.json"), "{\n  \"a\": \n");
        _s.Write(_s.DropIn("40-good.json"), """{"a": 4}""");
        var r = _s.Resolve();
        var problem = Assert.Single(r.Problems);
        Assert.Equal(broken, problem.Source);
        Assert.Equal(SettingsProblemKind.Malformed, problem.Kind);
        Assert.Equal(3, problem.Line);
        Assert.Equal(4, r.Values["a"].Value!.GetValue<double>());
    }

    [Fact]
    [Trait("spec", "SET-2")]
    [Trait("spec", "SET-7")]
    public void Env_blocks_override_the_process_environment_and_show_their_source()
    {
        var process = new Dictionary<string, string> { ["DO_NOT_TRACK"] = "0", ["HOME"] = "/home/u", ["DISABLE_ERROR_REPORTING"] = "1" };
        _s.Write(_s.UserFile, """{"env": {"DO_NOT_TRACK": "1", "DISABLE_TELEMETRY": "1"}}""");
        _s.Write(_s.ProjectFile, """{"env": {"DO_NOT_TRACK": "0"}}""");
        _s.Write(_s.LocalFile, """{"env": {"DISABLE_ERROR_REPORTING": ""}}""");

        var r = _s.Resolve(process);
        Assert.Empty(r.Problems);
        Assert.Equal(("0", _s.ProjectFile), (r.Environment["DO_NOT_TRACK"].Value!.GetValue<string>(), r.Environment["DO_NOT_TRACK"].Source));
        Assert.Equal(SettingsScope.Project, r.Environment["DO_NOT_TRACK"].Scope);
        Assert.Equal(("1", _s.UserFile), (r.Environment["DISABLE_TELEMETRY"].Value!.GetValue<string>(), r.Environment["DISABLE_TELEMETRY"].Source));
        Assert.Equal(("/home/u", ResolvedSettings.ProcessEnvironmentSource), (r.Environment["HOME"].Value!.GetValue<string>(), r.Environment["HOME"].Source));
        Assert.Null(r.Environment["HOME"].Scope);
        Assert.Equal("", r.EnvironmentVariables()["DISABLE_ERROR_REPORTING"]);
        Assert.False(r.Values.ContainsKey("env"));

        var env = r.ToClientEnvironment();
        Assert.False(env.DoNotTrack.On);
        Assert.Equal($"DISABLE_TELEMETRY=1 (from {_s.UserFile})", env.DisableTelemetry.Evidence);
        // An empty value in a settings file overrides the process's "1": the presence switch is off (SET-2, SET-3).
        Assert.False(env.DisableErrorReporting.On);

        var d = Decide(r);
        Assert.False(d.Traffic.Metrics.Value);
        Assert.Equal($"DISABLE_TELEMETRY=1 (from {_s.UserFile})", d.Traffic.Metrics.Because);
        Assert.True(d.Traffic.ErrorReports.Value);
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void A_variable_from_the_process_is_shown_without_a_file()
    {
        var r = _s.Resolve(new Dictionary<string, string> { ["DO_NOT_TRACK"] = "yes" });
        Assert.Equal("DO_NOT_TRACK=yes", r.ToClientEnvironment().DoNotTrack.Evidence);
        Assert.Equal("DO_NOT_TRACK=yes", Decide(r).Survey.Enabled.Because);
    }

    [Fact]
    [Trait("spec", "SET-2")]
    public void Env_values_that_are_numbers_or_booleans_are_taken_as_text()
    {
        _s.Write(_s.UserFile, """{"env": {"DO_NOT_TRACK": 1, "DISABLE_AUTOUPDATER": true, "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY": false}}""");
        var r = _s.Resolve();
        Assert.Empty(r.Problems);
        var vars = r.EnvironmentVariables();
        Assert.Equal("1", vars["DO_NOT_TRACK"]);
        Assert.Equal("true", vars["DISABLE_AUTOUPDATER"]);
        Assert.Equal("false", vars["CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY"]);
        var env = r.ToClientEnvironment();
        Assert.True(env.DoNotTrack.On);
        Assert.True(env.DisableAutoUpdater.On);
        Assert.False(env.DisableFeedbackSurvey.On);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-7")]
    public void An_env_block_of_the_wrong_type_is_reported_with_path_and_line()
    {
        _s.Write(_s.UserFile, "{\n  \"env\": [\"DO_NOT_TRACK=1\"]\n}");
        _s.Write(_s.ProjectFile, "{\n  \"env\": {\n    \"GOOD\": \"1\",\n    \"BAD\": {\"x\": 1}\n  }\n}");
        var r = _s.Resolve();
        Assert.Equal(2, r.Problems.Count);
        var bad = r.Problems.Single(p => p.Source == _s.ProjectFile);
        Assert.Equal((4, "env.BAD", SettingsProblemKind.InvalidValue), (bad.Line!.Value, bad.Field, bad.Kind));
        var wrong = r.Problems.Single(p => p.Source == _s.UserFile);
        Assert.Equal((2, "env", SettingsProblemKind.InvalidValue), (wrong.Line!.Value, wrong.Field, wrong.Kind));
        Assert.Equal("1", r.EnvironmentVariables()["GOOD"]);
        Assert.False(r.Environment.ContainsKey("BAD"));
        Assert.False(Decide(r).LocalRetention.SweepRuns.Value);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void A_problem_stays_on_one_line_when_a_key_holds_an_escaped_line_break()
    {
        _s.Write(_s.UserFile, "{\"env\": {\"A=\\nB\": \"1\"}}");
        var problem = Assert.Single(_s.Resolve().Problems);
        Assert.Equal("env.A=\nB", problem.Field);
        Assert.StartsWith($"{_s.UserFile}:1: env.A=\\nB: not a variable name", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("A=B")]
    [InlineData("NUL\0INSIDE")]
    [Trait("spec", "SET-2")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-7")]
    public void An_env_name_no_process_environment_can_hold_is_a_problem_and_never_takes_effect(string name)
    {
        _s.Write(_s.UserFile, $"{{\n  \"env\": {{\n    \"OK_1\": \"x\",\n    \"{name.Replace("\0", "\\u0000", StringComparison.Ordinal)}\": \"1\"\n  }}\n}}");
        var r = _s.Resolve();
        var problem = Assert.Single(r.Problems);
        Assert.Equal(("env." + name, 4, SettingsProblemKind.InvalidValue), (problem.Field, problem.Line, problem.Kind));
        Assert.False(r.Environment.ContainsKey(name));
        Assert.Equal("x", r.Environment["OK_1"].Value!.GetValue<string>());
    }

    [Theory]
    [InlineData("lowercase")]
    [InlineData("HAS SPACE")]
    [InlineData("HAS-DASH")]
    [InlineData("1STARTS_WITH_DIGIT")]
    [InlineData("_PRIVATE_2")]
    [Trait("spec", "SET-2")]
    [Trait("spec", "CUS-32")]
    public void An_env_name_the_schema_refuses_but_the_client_exports_takes_effect_without_a_problem(string name)
    {
        _s.Write(_s.UserFile, $"{{\"env\": {{\"{name}\": \"1\"}}, \"cleanupPeriodDays\": 10}}");
        var r = _s.Resolve();
        Assert.Empty(r.Problems);
        Assert.Equal("1", r.EnvironmentVariables()[name]);
        Assert.True(Decide(r).LocalRetention.SweepRuns.Value);
    }

    [Theory]
    [InlineData("DISABLE_TELEMETRY", "0", false)]
    [InlineData("DISABLE_TELEMETRY", "false", false)]
    [InlineData("DISABLE_TELEMETRY", "", true)]
    [InlineData("DO_NOT_TRACK", "0", true)]
    [InlineData("DO_NOT_TRACK", "false", true)]
    [InlineData("DO_NOT_TRACK", "TRUE", false)]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    [Trait("spec", "FLW-2")]
    public void Switches_set_in_a_settings_file_are_read_as_presence_or_boolean(string name, string value, bool metrics)
    {
        _s.Write(_s.ProjectFile, $"{{\"env\": {{\"{name}\": \"{value}\"}}}}");
        var d = Decide(_s.Resolve());
        Assert.Equal(metrics, d.Traffic.Metrics.Value);
        if (!metrics) Assert.Equal($"{name}={value} (from {_s.ProjectFile})", d.Traffic.Metrics.Because);
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void A_provider_from_a_settings_file_loses_to_bedrock_from_the_process_and_is_reported_with_its_file()
    {
        _s.Write(_s.UserFile, """{"env": {"CLAUDE_CODE_USE_VERTEX": "1"}}""");
        var r = _s.Resolve(new Dictionary<string, string> { ["CLAUDE_CODE_USE_BEDROCK"] = "true" });
        var env = r.ToClientEnvironment();
        Assert.Equal(Provider.Bedrock, env.Provider);
        Assert.Equal("CLAUDE_CODE_USE_BEDROCK=true", env.ProviderEvidence);
        Assert.Equal([new IgnoredProvider(Provider.Vertex, "CLAUDE_CODE_USE_VERTEX", "1", _s.UserFile, Provider.Bedrock)], env.IgnoredProviders);
        var outcome = PolicyEngine.Evaluate(new PolicyContext { Environment = env, Settings = r.ToPolicySettings() });
        Assert.True(outcome.Succeeded);
        Assert.Equal(Provider.Bedrock, outcome.Decisions!.Provider.Value);
        Assert.Contains($"CLAUDE_CODE_USE_VERTEX=1 (from {_s.UserFile})", outcome.Decisions.Provider.Because, StringComparison.Ordinal);
        Assert.True(outcome.Decisions.LocalRetention.SweepRuns.Value);
    }

    [Fact]
    [Trait("spec", "SET-5")]
    [Trait("spec", "SET-2")]
    public void A_settings_file_can_switch_off_a_provider_set_in_the_process()
    {
        _s.Write(_s.ProjectFile, """{"env": {"CLAUDE_CODE_USE_BEDROCK": "0", "CLAUDE_CODE_USE_FOUNDRY": "1"}}""");
        var env = _s.Resolve(new Dictionary<string, string> { ["CLAUDE_CODE_USE_BEDROCK"] = "1" }).ToClientEnvironment();
        Assert.Empty(env.IgnoredProviders);
        Assert.Equal(Provider.Foundry, env.Provider);
        Assert.Equal($"CLAUDE_CODE_USE_FOUNDRY=1 (from {_s.ProjectFile})", env.ProviderEvidence);
    }

    [Theory]
    [InlineData("{\n  \"cleanupPeriodDays\": 7,\n  \"model\": \n}\n", 4)]
    [InlineData("{\"cleanupPeriodDays\": 7,}", 1)]
    [InlineData("{\n\n\n  \"a\": 1\n  \"b\": 2\n}", 5)]
    [InlineData("{\n  // comments are not JSON\n  \"a\": 1\n}", 2)]
    [InlineData("{\n  \"a\": \"unterminated\n}", 2)]
    [InlineData("{\n  \"a\": 1,\n  \"a\": 2\n}", 3)]
    [InlineData("{\n  \"env\": {\n    \"X\": \"1\",\n    \"X\": \"2\"\n  }\n}", 4)]
    [InlineData("", 1)]
    [InlineData("\n\n", 1)]
    [InlineData("[1, 2]", 1)]
    [InlineData("null", 1)]
    [Trait("spec", "SET-6")]
    [Trait("spec", "LOC-6")]
    public void A_malformed_file_is_reported_with_its_path_and_line_and_pauses_the_sweep(string text, int line)
    {
        _s.Write(_s.UserFile, """{"cleanupPeriodDays": 9}""");
        _s.Write(_s.ProjectFile, text);
        var r = _s.Resolve();
        var problem = Assert.Single(r.Problems);
        Assert.Equal(_s.ProjectFile, problem.Source);
        Assert.Equal(line, problem.Line);
        Assert.Null(problem.Field);
        Assert.Equal(SettingsProblemKind.Malformed, problem.Kind);
        Assert.StartsWith($"{_s.ProjectFile}:{line}: ", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem.ToString());

        var d = Decide(r);
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.SettingsInvalid, d.LocalRetention.PauseReason.Value);
        Assert.Equal(problem.ToString(), d.LocalRetention.PauseReason.Because);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void A_file_that_is_not_UTF8_is_reported_with_its_line()
    {
        File.WriteAllBytes(_s.Write(_s.UserFile, ""), [.. "{\n  \"model\": \""u8, 0xE9, .. "t\u00e9\"\n}"u8]);
        var problem = Assert.Single(_s.Resolve().Problems);
        Assert.Equal((_s.UserFile, 2, SettingsProblemKind.Malformed), (problem.Source, problem.Line!.Value, problem.Kind));
        Assert.Contains("UTF-8", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void A_byte_order_mark_is_accepted()
    {
        File.WriteAllBytes(_s.Write(_s.UserFile, ""), [0xEF, 0xBB, 0xBF, .. "{\"cleanupPeriodDays\": 12}"u8]);
        var r = _s.Resolve();
        Assert.Empty(r.Problems);
        Assert.Equal(12, Days(r));
    }

    [Fact]
    [Trait("spec", "SET-6")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-6")]
    public void An_unreadable_settings_file_is_reported_by_path_and_pauses_the_sweep()
    {
        // The tests run as root, for whom chmod 000 does not stop reading. A directory where the file should be
        // fails for root too, with the same UnauthorizedAccessException an unreadable file gives other users.
        Directory.CreateDirectory(_s.UserFile);
        _s.Write(_s.ProjectFile, """{"cleanupPeriodDays": 9}""");
        var r = _s.Resolve();
        var problem = Assert.Single(r.Problems);
        Assert.Equal(_s.UserFile, problem.Source);
        Assert.Equal(SettingsProblemKind.Unreadable, problem.Kind);
        Assert.Null(problem.Line);
        Assert.StartsWith($"{_s.UserFile}: cannot be read: ", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(9, Days(r));

        var d = Decide(r);
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.SettingsUnreadable, d.LocalRetention.PauseReason.Value);
        Assert.Null(d.LocalRetention.PeriodDays.Value);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void A_missing_settings_file_named_on_the_command_line_is_reported()
    {
        var r = _s.Resolve(commandLine: true);
        var problem = Assert.Single(r.Problems);
        Assert.Equal((_s.CommandLineFile, SettingsProblemKind.Unreadable, "file not found"), (problem.Source, problem.Kind, problem.Message));
        Assert.False(Decide(r).LocalRetention.SweepRuns.Value);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void Missing_optional_files_are_not_problems()
    {
        var r = _s.Resolve();
        Assert.Empty(r.Problems);
        Assert.All(r.Files, f => Assert.False(f.Exists));
        Assert.True(Decide(r).LocalRetention.SweepRuns.Value);
    }

    [Theory]
    [InlineData("0", "must be at least 1")]
    [InlineData("-3", "must be at least 1")]
    [InlineData("2.5", "whole number")]
    [InlineData("\"30\"", "whole number")]
    [InlineData("null", "whole number")]
    [InlineData("true", "whole number")]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-6")]
    [Trait("spec", "CUS-7")]
    public void An_invalid_cleanupPeriodDays_is_reported_with_path_and_line_and_pauses_the_sweep(string value, string message)
    {
        _s.Write(_s.UserFile, """{"cleanupPeriodDays": 9}""");
        _s.Write(_s.ProjectFile, $"{{\n  \"model\": \"x\",\n  \"cleanupPeriodDays\": {value}\n}}");
        var r = _s.Resolve();
        var problem = Assert.Single(r.Problems);
        Assert.Equal((_s.ProjectFile, 3, "cleanupPeriodDays", SettingsProblemKind.InvalidValue), (problem.Source, problem.Line!.Value, problem.Field, problem.Kind));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{_s.ProjectFile}:3: cleanupPeriodDays: ", problem.ToString(), StringComparison.Ordinal);
        // The invalid value never takes effect; the lower source's value shows through, but the sweep still pauses.
        Assert.Equal(_s.UserFile, r.Values["cleanupPeriodDays"].Source);
        var d = Decide(r);
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.SettingsInvalid, d.LocalRetention.PauseReason.Value);
        Assert.Null(d.LocalRetention.PeriodDays.Value);
        Assert.Equal("x", r.Values["model"].Value!.GetValue<string>());
    }

    [Theory]
    [InlineData("2147483648", 2147483648L)]
    [InlineData("1e12", 1_000_000_000_000L)]
    [InlineData("4.0", 4L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("9223372036854775808", long.MaxValue)]
    [InlineData("1e400", long.MaxValue)]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-30")]
    public void A_schema_valid_cleanupPeriodDays_beyond_int32_is_no_problem_and_the_sweep_runs(string value, long days)
    {
        _s.Write(_s.UserFile, $"{{\n  \"cleanupPeriodDays\": {value}\n}}");
        var r = _s.Resolve();
        Assert.Empty(r.Problems);
        var d = Decide(r);
        Assert.True(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(new Decision<long?>(days, "LOC-3", $"cleanupPeriodDays={days} in {_s.UserFile}"), d.LocalRetention.PeriodDays);
        using var json = System.Text.Json.JsonDocument.Parse(PolicyJson.ToJson(d));
        Assert.Equal(days, json.RootElement.GetProperty("localRetention").GetProperty("periodDays").GetInt64());
    }

    [Theory]
    [InlineData("1.5", "whole number")]
    [InlineData("1e-1", "whole number")]
    [InlineData("-1e400", "must be at least 1")]
    [InlineData("-9223372036854775809", "must be at least 1")]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-30")]
    public void A_schema_invalid_cleanupPeriodDays_of_any_size_is_still_a_problem(string value, string message)
    {
        _s.Write(_s.UserFile, $"{{\"cleanupPeriodDays\": {value}}}");
        var problem = Assert.Single(_s.Resolve().Problems);
        Assert.Equal("cleanupPeriodDays", problem.Field);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("feedbackSurveyRate", "3", "must be from 0 to 1")]
    [InlineData("feedbackSurveyRate", "-0.5", "must be from 0 to 1")]
    [InlineData("feedbackSurveyRate", "\"0.1\"", "must be a number")]
    [InlineData("skipWebFetchPreflight", "\"yes\"", "must be true or false")]
    [Trait("spec", "SRV-2")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-7")]
    public void Other_invalid_values_are_reported_and_never_take_effect(string key, string value, string message)
    {
        _s.Write(_s.UserFile, $"{{\"{key}\": {value}}}");
        var r = _s.Resolve();
        var problem = Assert.Single(r.Problems);
        Assert.Equal((key, 1, SettingsProblemKind.InvalidValue), (problem.Field, problem.Line!.Value, problem.Kind));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.False(r.Values.ContainsKey(key));
        var d = Decide(r);
        Assert.Equal(PolicyEngine.BuiltInSurveyRate, d.Survey.Rate.Value);
        Assert.True(d.Traffic.WebFetchPreflight.Value);
        Assert.False(d.LocalRetention.SweepRuns.Value);
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    [Trait("spec", "FLW-2")]
    public void Valid_rate_and_skip_settings_reach_the_decisions_with_their_source()
    {
        _s.Write(_s.LocalFile, """{"feedbackSurveyRate": 0.2, "skipWebFetchPreflight": true}""");
        var d = Decide(_s.Resolve());
        Assert.Equal(new Decision<double>(0.2, "SRV-2", $"feedbackSurveyRate=0.2 in {_s.LocalFile}"), d.Survey.Rate);
        Assert.Equal(new Decision<bool>(false, "FLW-2", $"skipWebFetchPreflight=true in {_s.LocalFile}"), d.Traffic.WebFetchPreflight);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-5")]
    public void A_managed_cleanupPeriodDays_pins_the_period_even_when_the_user_file_is_broken()
    {
        _s.Write(_s.ManagedFile, """{"cleanupPeriodDays": 14}""");
        _s.Write(_s.UserFile, "{ this is not json");
        _s.Write(_s.ProjectFile, """{"cleanupPeriodDays": 0}""");
        var r = _s.Resolve();
        Assert.Equal(2, r.Problems.Count);
        var policy = r.ToPolicySettings();
        Assert.True(policy.CleanupPeriodPinned);
        Assert.Equal(14, policy.CleanupPeriodDays!.Value.Value);
        var d = Decide(r);
        Assert.Equal(new Decision<long?>(14, "LOC-6", $"cleanupPeriodDays=14 in {_s.ManagedFile}"), d.LocalRetention.PeriodDays);
        Assert.True(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.None, d.LocalRetention.PauseReason.Value);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void A_managed_drop_in_pins_the_period_over_a_different_user_value()
    {
        _s.Write(_s.DropIn("retention.json"), """{"cleanupPeriodDays": 21}""");
        _s.Write(_s.UserFile, """{"cleanupPeriodDays": 3}""");
        var d = Decide(_s.Resolve());
        Assert.Equal(21, d.LocalRetention.PeriodDays.Value);
        Assert.Equal("LOC-6", d.LocalRetention.PeriodDays.Rule);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-5")]
    public void An_invalid_managed_period_pins_nothing_and_pauses()
    {
        _s.Write(_s.ManagedFile, """{"cleanupPeriodDays": 0}""");
        _s.Write(_s.UserFile, """{"cleanupPeriodDays": 3}""");
        var r = _s.Resolve();
        Assert.False(r.ToPolicySettings().CleanupPeriodPinned);
        var d = Decide(r);
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.SettingsInvalid, d.LocalRetention.PauseReason.Value);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SET-1")]
    public void Setting_sources_without_user_skip_the_user_file_and_pause_the_sweep()
    {
        _s.Write(_s.UserFile, "{ broken");
        _s.Write(_s.ProjectFile, """{"cleanupPeriodDays": 5}""");
        Assert.True(SettingsLocations.TryParseSettingSources("project,local", out var excluded, out var error));
        Assert.Null(error);
        Assert.Equal([SettingsScope.User], excluded.ToArray());

        var r = _s.Resolve(excluded: excluded);
        Assert.Empty(r.Problems);
        Assert.True(r.UserSettingsExcluded);
        Assert.DoesNotContain(r.Files, f => f.Scope == SettingsScope.User);
        var d = Decide(r);
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.UserSettingsExcluded, d.LocalRetention.PauseReason.Value);
        Assert.Null(d.LocalRetention.PeriodDays.Value);

        _s.Write(_s.ManagedFile, """{"cleanupPeriodDays": 8}""");
        var pinned = Decide(_s.Resolve(excluded: excluded));
        Assert.True(pinned.LocalRetention.SweepRuns.Value);
        Assert.Equal(8, pinned.LocalRetention.PeriodDays.Value);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void Setting_sources_leave_out_project_and_local_too()
    {
        _s.Write(_s.ProjectFile, """{"a": "project"}""");
        _s.Write(_s.LocalFile, """{"a": "local"}""");
        _s.Write(_s.UserFile, """{"a": "user"}""");
        Assert.True(SettingsLocations.TryParseSettingSources(" user , project ", out var excluded, out _));
        Assert.Equal("project", _s.Resolve(excluded: excluded).Values["a"].Value!.GetValue<string>());
        Assert.True(SettingsLocations.TryParseSettingSources("user", out excluded, out _));
        var r = _s.Resolve(excluded: excluded);
        Assert.Equal("user", r.Values["a"].Value!.GetValue<string>());
        Assert.False(r.UserSettingsExcluded);
        Assert.True(SettingsLocations.TryParseSettingSources("user,project,local", out excluded, out _));
        Assert.Empty(excluded);
        Assert.Equal("local", _s.Resolve(excluded: excluded).Values["a"].Value!.GetValue<string>());
    }

    [Theory]
    [InlineData("user,policy", "policy")]
    [InlineData("managed", "managed")]
    [InlineData("User", "User")]
    [Trait("spec", "SET-1")]
    public void An_unknown_setting_source_is_refused_by_name(string list, string bad)
    {
        Assert.False(SettingsLocations.TryParseSettingSources(list, out _, out var error));
        Assert.Equal($"unknown setting source '{bad}' (expected user, project or local)", error);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void The_config_dir_is_the_option_else_CLAUDE_CONFIG_DIR_else_home_dot_claude()
    {
        var home = Path.Combine(_s.Root, "home");
        var custom = Path.Combine(_s.Root, "custom-config");
        var env = new Dictionary<string, string> { ["CLAUDE_CONFIG_DIR"] = custom };
        Assert.Equal(Path.Combine(home, ".claude"), SettingsLocations.ResolveConfigDir(new Dictionary<string, string>(), home, null));
        Assert.Equal(Path.Combine(home, ".claude"), SettingsLocations.ResolveConfigDir(new Dictionary<string, string> { ["CLAUDE_CONFIG_DIR"] = "" }, home, null));
        Assert.Equal(custom, SettingsLocations.ResolveConfigDir(env, home, null));
        Assert.Equal(_s.ConfigDir, SettingsLocations.ResolveConfigDir(env, home, _s.ConfigDir));
        Assert.Equal(Path.GetFullPath("relative-dir"), SettingsLocations.ResolveConfigDir(new Dictionary<string, string> { ["CLAUDE_CONFIG_DIR"] = "relative-dir" }, home, null));
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void Locations_from_the_environment_read_the_user_file_under_CLAUDE_CONFIG_DIR()
    {
        var custom = Path.Combine(_s.Root, "custom-config");
        _s.Write(Path.Combine(custom, "settings.json"), """{"cleanupPeriodDays": 4}""");
        _s.Write(Path.Combine(_s.Root, "home", ".claude", "settings.json"), """{"cleanupPeriodDays": 99}""");
        var env = new Dictionary<string, string>
        {
            ["CLAUDE_CONFIG_DIR"] = custom,
            [SettingsLocations.ManagedDirVariable] = _s.ManagedDir,
        };
        var locations = SettingsLocations.FromEnvironment(env, Path.Combine(_s.Root, "home"), projectDir: _s.ProjectDir);
        Assert.Equal(custom, locations.ConfigDir);
        Assert.Equal(_s.ManagedDir, locations.ManagedDir);
        Assert.Equal(_s.ProjectDir, locations.ProjectDir);
        Assert.Null(locations.CommandLineFile);
        var r = SettingsResolver.Resolve(locations, env);
        Assert.Equal(4, Days(r));
        Assert.Equal(Path.Combine(custom, "settings.json"), r.Values["cleanupPeriodDays"].Source);

        var defaults = SettingsLocations.FromEnvironment(new Dictionary<string, string>(), "/home/someone");
        Assert.Equal(SettingsLocations.DefaultManagedDir, defaults.ManagedDir);
        Assert.Equal("/etc/claude-code", defaults.ManagedDir);
        Assert.Equal("/home/someone/.claude", defaults.ConfigDir);
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void Values_display_as_text()
    {
        Assert.Equal("null", ResolvedSettings.Display(null));
        Assert.Equal("abc", ResolvedSettings.Display(JsonValue.Create("abc")));
        Assert.Equal("0.25", ResolvedSettings.Display(JsonNode.Parse("0.25")));
        Assert.Equal("true", ResolvedSettings.Display(JsonNode.Parse("true")));
        Assert.Equal("[1,2]", ResolvedSettings.Display(JsonNode.Parse("[1, 2]")));
    }

    [Fact]
    [Trait("spec", "SET-1")]
    [Trait("spec", "SET-7")]
    public void The_machine_context_combines_files_environment_and_account()
    {
        _s.Write(Path.Combine(_s.ConfigDir, ".credentials.json"), """{"claudeAiOauth": {"accessToken": "t", "subscriptionType": "team"}}""");
        _s.Write(_s.UserFile, """{"env": {"DISABLE_TELEMETRY": "1"}, "cleanupPeriodDays": 7}""");
        var process = new Dictionary<string, string> { ["CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL"] = "1" };
        var r = _s.Resolve(process);
        var account = LocalAccount.Read(_s.ConfigDir, r.EnvironmentVariables());
        var d = TestPolicy.Decide(MachineContext.Build(r, account));
        Assert.Equal(PlanCategory.Commercial, d.Category.Value);
        Assert.Equal("plan 'team' (commercial)", d.Category.Because);
        Assert.Equal(7, d.LocalRetention.PeriodDays.Value);
        Assert.True(d.Survey.EnabledViaOtelOverride.Value);
        Assert.Equal($"DISABLE_TELEMETRY=1 (from {_s.UserFile})", d.Traffic.Metrics.Because);
    }

    public static Arbitrary<string> SettingsTexts() => Arb.From(Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Select(s => s ?? ""),
        Gen.Elements(
            "{", "}", "[]", "{\"env\": 1}", "{\"env\": {\"A\": []}}", "{\"cleanupPeriodDays\": 1e400}", "{\"cleanupPeriodDays\": -0}",
            "{\"feedbackSurveyRate\": 1e-400}", "{\"a\": {\"b\": {\"c\": [[[[]]]]}}}", "\"\\ud800\"", "{\"\\u0000\": 1}",
            "{\"cleanupPeriodDays\": 2147483648}", "{\"a\":1,\"a\":2}", "{\"env\": {\"A\": \"1\", \"A\": \"2\"}}",
            string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)))));

    [Property(Arbitrary = new[] { typeof(SettingsResolverTests) }, MaxTest = 200)]
    [Trait("spec", "SET-6")]
    public void Any_file_content_resolves_without_an_exception_and_problems_name_the_file(string text)
    {
        using var s = new SettingsSandbox();
        File.WriteAllText(s.Write(s.UserFile, ""), text, new UTF8Encoding(false));
        var r = s.Resolve();
        Assert.All(r.Problems, p => Assert.Equal(s.UserFile, p.Source));
        Assert.All(r.Problems, p => Assert.DoesNotContain('\n', p.ToString()));
        var outcome = PolicyEngine.Evaluate(new PolicyContext { Environment = r.ToClientEnvironment(), Settings = r.ToPolicySettings() });
        Assert.True(outcome.Succeeded);
        Assert.Equal(r.Problems.Count == 0, outcome.Decisions!.LocalRetention.SweepRuns.Value);
    }
}
