using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Custodian.Cli.Tests;

/// <summary><c>custodian policy</c> and <c>custodian settings</c> on real settings files and variables.</summary>
public sealed class MachinePolicyTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    [Trait("spec", "SET-1")]
    [Trait("spec", "SET-2")]
    [Trait("spec", "SET-7")]
    public void Settings_env_blocks_override_the_process_and_decisions_name_the_file()
    {
        _sandbox.Environment["DO_NOT_TRACK"] = "0";
        var user = _sandbox.Write("home/.claude/settings.json", """{ "env": { "DO_NOT_TRACK": "1" } }""");

        var result = _sandbox.Run("policy", "--json");

        Assert.Equal(0, result.ExitCode);
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.False((bool)doc["traffic"]!["metrics"]!);
        var entry = doc["trace"]!.AsArray().Single(e => (string)e!["decision"]! == "traffic.metrics")!;
        Assert.Equal($"DO_NOT_TRACK=1 (from {user})", (string)entry["because"]!);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    [Trait("spec", "LOC-6")]
    public void Managed_settings_pin_the_period_over_project_and_user_settings()
    {
        _sandbox.Write("home/.claude/settings.json", """{ "cleanupPeriodDays": 90 }""");
        _sandbox.Write("work/project/.claude/settings.json", """{ "cleanupPeriodDays": 60 }""");
        _sandbox.Write("work/project/.claude/settings.local.json", """{ "cleanupPeriodDays": 45 }""");
        var managed = _sandbox.Write("etc-claude-code/managed-settings.json", """{ "cleanupPeriodDays": 10 }""");
        var dropIn = _sandbox.Write("etc-claude-code/managed-settings.d/20-retention.json", """{ "cleanupPeriodDays": 14 }""");

        var doc = JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;

        Assert.Equal(14, (int)doc["localRetention"]!["periodDays"]!);
        var entry = doc["trace"]!.AsArray().Single(e => (string)e!["decision"]! == "localRetention.periodDays")!;
        Assert.Equal("LOC-6", (string)entry["rule"]!);
        Assert.Contains(dropIn, (string)entry["because"]!, StringComparison.Ordinal);
        Assert.True(File.Exists(managed));
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void Project_local_settings_beat_project_and_user_settings()
    {
        _sandbox.Write("home/.claude/settings.json", """{ "cleanupPeriodDays": 90 }""");
        _sandbox.Write("work/project/.claude/settings.json", """{ "cleanupPeriodDays": 60 }""");
        var local = _sandbox.Write("work/project/.claude/settings.local.json", """{ "cleanupPeriodDays": 45 }""");

        var doc = JsonNode.Parse(_sandbox.Run("settings", "--json").Stdout)!;

        Assert.Equal(45, (int)doc["values"]!["cleanupPeriodDays"]!["value"]!);
        Assert.Equal(local, (string)doc["values"]!["cleanupPeriodDays"]!["source"]!);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void Settings_flag_beats_project_settings_and_a_missing_file_is_a_usage_error()
    {
        _sandbox.Write("work/project/.claude/settings.json", """{ "feedbackSurveyRate": 0.5 }""");
        var extra = _sandbox.Write("extra.json", """{ "feedbackSurveyRate": 0.25 }""");

        var doc = JsonNode.Parse(_sandbox.Run("policy", "--json", "--settings", extra).Stdout)!;
        Assert.Equal(0.25, (double)doc["survey"]!["rate"]!);

        var missing = _sandbox.Run("policy", "--settings", Path.Combine(_sandbox.Root, "missing.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--settings: no such file", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    [Trait("spec", "LOC-6")]
    public void A_malformed_settings_file_is_reported_with_path_and_line_and_pauses_the_sweep()
    {
        var user = _sandbox.Write("home/.claude/settings.json", "{\n  \"cleanupPeriodDays\": 30,\n  oops\n}\n");

        var result = _sandbox.Run("policy", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"custodian: warning: {user}:3: not valid JSON", result.Stderr, StringComparison.Ordinal);
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("paused", (string)doc["localRetention"]!["sweep"]!);
        Assert.Equal("settings-invalid", (string)doc["localRetention"]!["pauseReason"]!);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    [Trait("spec", "LOC-6")]
    public void An_unreadable_settings_file_never_crashes_and_pauses_the_sweep()
    {
        // Tests run as root, for whom chmod 000 still reads; a directory in the file's place cannot be read by anyone.
        var user = Path.Combine(_sandbox.ConfigDir, "settings.json");
        Directory.CreateDirectory(user);

        var result = _sandbox.Run("policy", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"{user}: cannot be read", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("settings-unreadable", (string)JsonNode.Parse(result.Stdout)!["localRetention"]!["pauseReason"]!);
    }

    [Fact]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "SET-6")]
    public void Cleanup_period_zero_in_a_settings_file_names_file_line_and_field()
    {
        var user = _sandbox.Write("home/.claude/settings.json", "{\n  \"model\": \"opus\",\n  \"cleanupPeriodDays\": 0\n}\n");

        var result = _sandbox.Run("settings");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{user}:3: cleanupPeriodDays: must be at least 1", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("the retention sweep pauses", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void Excluding_the_user_source_pauses_the_sweep()
    {
        var doc = JsonNode.Parse(_sandbox.Run("policy", "--json", "--setting-sources", "project,local").Stdout)!;

        Assert.Equal("user-settings-excluded", (string)doc["localRetention"]!["pauseReason"]!);
        Assert.Equal(2, _sandbox.Run("policy", "--setting-sources", "user,cloud").ExitCode);
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void Two_providers_pick_Claude_Codes_choice_and_policy_reports_the_other_with_where_it_was_set()
    {
        _sandbox.Environment["CLAUDE_CODE_USE_VERTEX"] = "1";
        var user = _sandbox.Write("home/.claude/settings.json", """{ "env": { "CLAUDE_CODE_USE_BEDROCK": "true", "CLAUDE_CODE_USE_FOUNDRY": "on" } }""");

        var json = _sandbox.Run("policy", "--json");
        var text = _sandbox.Run("policy");

        Assert.Equal((0, ""), (json.ExitCode, json.Stderr));
        var doc = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("bedrock", (string)doc["provider"]!);
        var ignored = doc["ignoredProviders"]!.AsArray();
        Assert.Equal(
            [("foundry", "CLAUDE_CODE_USE_FOUNDRY", "on", user), ("vertex", "CLAUDE_CODE_USE_VERTEX", "1", "environment")],
            ignored.Select(i => ((string)i!["provider"]!, (string)i["variable"]!, (string)i["value"]!, (string)i["source"]!)));
        var because = (string)doc["trace"]!.AsArray().Single(e => (string)e!["decision"]! == "provider")!["because"]!;
        Assert.StartsWith($"CLAUDE_CODE_USE_BEDROCK=true (from {user})", because, StringComparison.Ordinal);
        Assert.Contains("CLAUDE_CODE_USE_VERTEX=1 (from environment)", because, StringComparison.Ordinal);

        Assert.Equal((0, ""), (text.ExitCode, text.Stderr));
        Assert.Contains($"Ignored provider variable (SET-5): CLAUDE_CODE_USE_FOUNDRY=on (from {user}); Claude Code uses bedrock.", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("Ignored provider variable (SET-5): CLAUDE_CODE_USE_VERTEX=1 (from environment)", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-5")]
    [Trait("spec", "LOC-3")]
    public void Two_providers_stop_neither_cleanup_nor_feedback()
    {
        _sandbox.Environment["CLAUDE_CODE_USE_BEDROCK"] = "1";
        _sandbox.Environment["CLAUDE_CODE_USE_VERTEX"] = "1";

        var cleanup = _sandbox.Run("cleanup", "--dry-run", "--json");
        Assert.Equal((0, ""), (cleanup.ExitCode, cleanup.Stderr));
        Assert.Equal("ran", (string)JsonNode.Parse(cleanup.Stdout)!["result"]!);

        // No session to send: feedback gets past the policy (no exit 2 about providers) and says so.
        var feedback = _sandbox.Run("feedback", "--yes");
        Assert.DoesNotContain("CLAUDE_CODE_USE", feedback.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void Claude_config_dir_and_the_config_dir_flag_choose_the_user_settings()
    {
        var other = Path.Combine(_sandbox.Root, "elsewhere");
        _sandbox.Write("elsewhere/settings.json", """{ "cleanupPeriodDays": 5 }""");
        _sandbox.Write("flagged/settings.json", """{ "cleanupPeriodDays": 6 }""");
        _sandbox.Environment["CLAUDE_CONFIG_DIR"] = other;

        var fromEnv = JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;
        var fromFlag = JsonNode.Parse(_sandbox.Run("policy", "--json", "--config-dir", Path.Combine(_sandbox.Root, "flagged")).Stdout)!;

        Assert.Equal(5, (int)fromEnv["localRetention"]!["periodDays"]!);
        Assert.Equal(6, (int)fromFlag["localRetention"]!["periodDays"]!);
    }

    [Fact]
    [Trait("spec", "TRN-1")]
    public void The_signed_in_account_sets_the_plan()
    {
        _sandbox.Write("home/.claude/.credentials.json", """{ "claudeAiOauth": { "accessToken": "x", "subscriptionType": "team" } }""");

        var doc = JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;

        Assert.Equal("commercial", (string)doc["category"]!);
        Assert.Equal("upload", (string)doc["feedbackCommand"]!["destination"]!);
    }

    [Fact]
    [Trait("spec", "CUS-20")]
    [Trait("spec", "FBK-3")]
    public void Policy_says_where_bundles_actually_go_when_the_policy_allows_upload_but_no_server_is_configured()
    {
        _sandbox.Write("home/.claude/.credentials.json", """{ "claudeAiOauth": { "accessToken": "x", "subscriptionType": "pro" } }""");

        var doc = JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;
        var human = _sandbox.Run("policy");

        // The policy allows the upload (a signed-in account holds credentials) ...
        Assert.Equal("upload", (string)doc["feedbackCommand"]!["destination"]!);
        // ... but this client has no Custodian server to send to, so /feedback keeps the bundle (CUS-20).
        var feedback = doc["delivery"]!["feedback"]!;
        Assert.Equal("local-archive", (string)feedback["destination"]!);
        Assert.Equal("FBK-3", (string)feedback["rule"]!);
        Assert.Contains("CUSTODIAN_SERVER_URL", (string)feedback["because"]!, StringComparison.Ordinal);
        Assert.Null(feedback["server"]);
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("/feedback bundles from this client: kept in the local archive (FBK-3", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "CUS-20")]
    public void Policy_names_the_server_bundles_are_uploaded_to_when_url_and_key_are_set()
    {
        _sandbox.Write("home/.claude/.credentials.json", """{ "claudeAiOauth": { "accessToken": "x", "subscriptionType": "pro" } }""");
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = "http://127.0.0.1:9/custodian";
        _sandbox.Environment["CUSTODIAN_API_KEY"] = "cus_example";

        var result = _sandbox.Run("policy", "--json");

        Assert.Equal(0, result.ExitCode);
        var feedback = JsonNode.Parse(result.Stdout)!["delivery"]!["feedback"]!;
        Assert.Equal("upload", (string)feedback["destination"]!);
        Assert.StartsWith("http://127.0.0.1:9/custodian", (string)feedback["server"]!, StringComparison.Ordinal);
        Assert.DoesNotContain("cus_example", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "CUS-20")]
    public void Policy_warns_of_an_unusable_server_url_and_still_prints_the_decisions()
    {
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = "ftp://example.com";
        _sandbox.Environment["CUSTODIAN_API_KEY"] = "cus_example";

        var result = _sandbox.Run("policy", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("CUSTODIAN_SERVER_URL", result.Stderr, StringComparison.Ordinal);
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Null(doc["delivery"]);
        Assert.NotNull(doc["feedbackCommand"]);
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void Settings_command_shows_every_value_with_its_source()
    {
        _sandbox.Environment["DISABLE_TELEMETRY"] = "1";
        var user = _sandbox.Write("home/.claude/settings.json", """{ "feedbackSurveyRate": 0.1, "permissions": { "allow": ["Bash(ls)"] } }""");
        _sandbox.Write("work/project/.claude/settings.json", """{ "permissions": { "allow": ["Read"] } }""");

        var result = _sandbox.Run("settings", "--json");

        Assert.Equal(0, result.ExitCode);
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(user, (string)doc["values"]!["feedbackSurveyRate"]!["source"]!);
        Assert.Equal(2, doc["values"]!["permissions"]!["value"]!["allow"]!.AsArray().Count);
        Assert.StartsWith("default", (string)doc["values"]!["cleanupPeriodDays"]!["source"]!, StringComparison.Ordinal);
        Assert.Equal("environment", (string)doc["env"]!["DISABLE_TELEMETRY"]!["source"]!);

        var human = _sandbox.Run("settings");
        Assert.Contains(user, human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-7")]
    [Trait("spec", "SET-2")]
    public void Settings_command_shows_every_env_entry_of_every_settings_file_with_its_source_and_what_it_overrides()
    {
        _sandbox.Environment["MCP_TIMEOUT"] = "5000";
        _sandbox.Environment["DO_NOT_TRACK"] = "1";
        var user = _sandbox.Write("home/.claude/settings.json", """
            { "env": { "CLAUDE_CODE_MAX_OUTPUT_TOKENS": "64000", "MCP_TIMEOUT": "30000", "MCP_TOOL_TIMEOUT": "600000", "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE": "90" } }
            """);
        var project = _sandbox.Write("work/project/.claude/settings.json", """
            { "env": { "MCP_TIMEOUT": "45000", "ANTHROPIC_API_KEY": "sk-ant-api03-8xMz0HF-T1BNQjA7sB0hS17prPXQSzP21OB0DAfCcHO1oQDE7UrzV-sHXRQ7vqQAimwat4ESDkzKE7H931zjMMJrGm-BzAA" } }
            """);

        var result = _sandbox.Run("settings", "--json");

        Assert.Equal(0, result.ExitCode);
        var env = JsonNode.Parse(result.Stdout)!["env"]!.AsObject();
        // Every settings-file variable and the policy variables of the process; not the rest of the shell (HOME).
        Assert.Equal(
            ["ANTHROPIC_API_KEY", "CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", "CLAUDE_CODE_MAX_OUTPUT_TOKENS", "DO_NOT_TRACK", "MCP_TIMEOUT", "MCP_TOOL_TIMEOUT"],
            env.Select(p => p.Key));
        Assert.Equal(("64000", user), ((string)env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"]!["value"]!, (string)env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"]!["source"]!));
        Assert.Equal(("1", "environment"), ((string)env["DO_NOT_TRACK"]!["value"]!, (string)env["DO_NOT_TRACK"]!["source"]!));
        var timeout = env["MCP_TIMEOUT"]!;
        Assert.Equal(("45000", project), ((string)timeout["value"]!, (string)timeout["source"]!));
        Assert.Equal(
            [("30000", user), ("5000", "environment")],
            timeout["overrides"]!.AsArray().Select(o => ((string)o!["value"]!, (string)o["source"]!)));
        // A secret is shown by its marker, never in the clear.
        Assert.StartsWith("[REDACTED:", (string)env["ANTHROPIC_API_KEY"]!["value"]!, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-ant-api03", result.Stdout, StringComparison.Ordinal);

        var human = _sandbox.Run("settings");
        Assert.Equal(0, human.ExitCode);
        Assert.DoesNotContain("sk-ant-api03", human.Stdout, StringComparison.Ordinal);
        foreach (var name in new[] { "env.MCP_TIMEOUT", "env.MCP_TOOL_TIMEOUT", "env.CLAUDE_CODE_MAX_OUTPUT_TOKENS", "env.CLAUDE_AUTOCOMPACT_PCT_OVERRIDE" })
        {
            Assert.Contains(name, human.Stdout, StringComparison.Ordinal);
        }

        var row = human.Stdout.Split('\n').Single(l => l.Contains("env.CLAUDE_CODE_MAX_OUTPUT_TOKENS", StringComparison.Ordinal));
        Assert.Contains("64000", row, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-5")]
    [Trait("spec", "SET-7")]
    public void Settings_command_shows_the_provider_and_the_ignored_provider_variables_with_where_they_were_set()
    {
        _sandbox.Environment["CLAUDE_CODE_USE_VERTEX"] = "1";
        var project = _sandbox.Write("work/project/.claude/settings.json", """{ "env": { "CLAUDE_CODE_USE_ANTHROPIC_AWS": "1" } }""");

        var result = _sandbox.Run("settings", "--json");

        Assert.Equal((0, ""), (result.ExitCode, result.Stderr));
        var provider = JsonNode.Parse(result.Stdout)!["provider"]!;
        Assert.Equal("anthropic-aws", (string)provider["selected"]!);
        Assert.Equal($"CLAUDE_CODE_USE_ANTHROPIC_AWS=1 (from {project})", (string)provider["because"]!);
        var ignored = Assert.Single(provider["ignored"]!.AsArray())!;
        Assert.Equal(("vertex", "CLAUDE_CODE_USE_VERTEX", "1", "environment"),
            ((string)ignored["provider"]!, (string)ignored["variable"]!, (string)ignored["value"]!, (string)ignored["source"]!));

        var human = _sandbox.Run("settings");
        Assert.Contains($"Provider: anthropic-aws (CLAUDE_CODE_USE_ANTHROPIC_AWS=1 (from {project}))", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("Ignored provider variable (SET-5): CLAUDE_CODE_USE_VERTEX=1 (from environment); Claude Code uses anthropic-aws.", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void The_installed_binary_exits_2_with_one_line_and_no_stack_trace()
    {
        var context = _sandbox.Write("bad.json", "{ \"plan\": ");
        var dll = typeof(CustodianCli).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", ["exec", dll, "policy", "--context", context])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = _sandbox.ManagedDir;
        start.Environment["HOME"] = _sandbox.Home;

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(2, process.ExitCode);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"custodian: {context}:1: not valid JSON", line, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at ", stderr);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }
}
