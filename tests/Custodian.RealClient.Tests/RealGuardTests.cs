using System.Text.Json.Nodes;
using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// The live guard in the real client (2.1.328): installed with <c>custodian install</c> into the sandbox's user
/// settings, run by the client as <c>dotnet custodian.dll hook</c> on every prompt and tool call (GRD-1..7).
/// </summary>
public sealed class RealGuardTests
{
    private static void Install(ClaudeCodeSandbox sandbox)
    {
        var install = sandbox.Custodian("install");
        Assert.True(install.ExitCode == 0, install.Stderr);
    }

    private static List<JsonObject> GuardLog(ClaudeCodeSandbox sandbox)
    {
        var log = sandbox.Custodian("guard", "log", "--all", "--json");
        Assert.True(log.ExitCode == 0, log.Stderr);
        return [.. log.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    [Trait("spec", "GRD-5")]
    [Trait("spec", "GRD-7")]
    public async Task A_prompt_with_a_secret_never_reaches_the_model_and_leaves_no_copy_once_the_session_ends()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        Install(sandbox);
        api.Script("Deploy with", ScriptedTurn.Text("Deployed."));

        var run = await sandbox.PrintAsync("Deploy with the token " + RealClientKit.GitHubToken + " please");

        Assert.False(api.Received(RealClientKit.GitHubToken), "the secret reached the model");
        Assert.DoesNotContain(api.MessageRequests, r => r.FirstUserText.Contains("Deploy with", StringComparison.Ordinal));
        // The client wrote the blocked prompt to the transcript (real-client.md); SessionEnd's scrub took it out.
        Assert.Empty(sandbox.FilesHolding(RealClientKit.GitHubToken));
        var blocked = Assert.Single(GuardLog(sandbox), d => (string?)d["action"] == "blocked");
        Assert.Equal("UserPromptSubmit", (string?)blocked["event"]);
        Assert.Equal("github-pat-classic", (string?)blocked["rules"]![0]);
        Assert.DoesNotContain(RealClientKit.GitHubToken, sandbox.Custodian("guard", "log", "--all", "--json").Stdout, StringComparison.Ordinal);
        Assert.Contains(GuardLog(sandbox), d => (string?)d["event"] == "SessionEnd");
        _ = run;
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    public async Task A_prompt_with_placeholders_only_is_not_blocked()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        Install(sandbox);
        const string Prompt = "Configure GITHUB_TOKEN=${GITHUB_TOKEN} and Authorization: Bearer <your-token> in the deploy script";
        api.Script("Configure GITHUB_TOKEN", ScriptedTurn.Text("Configured."));

        var run = await sandbox.PrintAsync(Prompt);

        Assert.False(run.IsError, run.Describe());
        Assert.Equal("Configured.", run.Result);
        Assert.True(api.Received("Authorization: Bearer <your-token>"));
        Assert.DoesNotContain(GuardLog(sandbox), d => (string?)d["action"] is "blocked" or "failed-closed");
    }

    [Fact]
    [Trait("spec", "GRD-3")]
    [Trait("spec", "GRD-5")]
    public async Task Read_Bash_and_a_subagents_Read_of_secret_files_reach_the_model_only_as_markers()
    {
        const string Prompt = "Check the deployment configuration";
        const string SubagentPrompt = "Helper task: read the env file";
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.WriteDotEnv();
        var dotEnv = Path.Combine(sandbox.ProjectDir, ".env");
        Install(sandbox);
        api.Script(Prompt, ScriptedTurn.Read(dotEnv), ScriptedTurn.Bash("cat .env"), ScriptedTurn.Agent("read env", SubagentPrompt), ScriptedTurn.Text("All checked."));
        api.Script(SubagentPrompt, ScriptedTurn.Read(dotEnv), ScriptedTurn.Text("Read it."));

        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Read Bash Agent");

        Assert.False(run.IsError, run.Describe());
        Assert.False(api.Received(RealClientKit.AwsKeyId), "the AWS key reached the model");
        Assert.False(api.Received(RealClientKit.AnthropicKey), "the Anthropic key reached the model");
        Assert.True(api.Received("[REDACTED:aws-access-key-id]"));
        Assert.True(api.MessageRequests.Count(r => r.SentText.Contains("DEBUG=true", StringComparison.Ordinal)) >= 2, "the rest of the file was lost");
        var subagentRequests = api.MessageRequests.Where(r => r.FirstUserText.Contains(SubagentPrompt, StringComparison.Ordinal)).ToList();
        Assert.Contains(subagentRequests, r => r.SentText.Contains("[REDACTED:anthropic-api-key]", StringComparison.Ordinal));
        foreach (var secret in new[] { RealClientKit.AwsKeyId, RealClientKit.AnthropicKey })
        {
            Assert.Empty(sandbox.FilesHolding(secret));
        }

        var redacted = GuardLog(sandbox).Where(d => (string?)d["action"] == "redacted").ToList();
        Assert.Contains(redacted, d => (string?)d["tool"] == "Read" && d["agent"] is null);
        Assert.Contains(redacted, d => (string?)d["tool"] == "Bash");
        Assert.Contains(redacted, d => (string?)d["tool"] == "Read" && d["agent"] is not null);
    }

    [Fact]
    [Trait("spec", "GRD-4")]
    public async Task A_tool_call_that_would_carry_a_secret_off_the_machine_is_refused_with_a_reason_the_model_reads()
    {
        const string Prompt = "Call the deployment API";
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        Install(sandbox);
        var marker = Path.Combine(sandbox.ProjectDir, "ran.txt");
        api.Script(Prompt,
            ScriptedTurn.Bash($"echo {RealClientKit.GitHubToken} > '{marker}'"),
            ScriptedTurn.Text("I will use the environment variable instead."));

        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Bash");

        Assert.False(run.IsError, run.Describe());
        Assert.False(File.Exists(marker), "the refused command ran");
        var afterRefusal = api.MessageRequests.Last();
        Assert.Contains("Custodian refused this Bash call", afterRefusal.LastUserText, StringComparison.Ordinal);
        Assert.Contains("environment variable", afterRefusal.LastUserText, StringComparison.Ordinal);
        Assert.Contains(GuardLog(sandbox), d => (string?)d["action"] == "denied" && (string?)d["tool"] == "Bash");
    }

    [Fact]
    [Trait("spec", "GRD-1")]
    public async Task Install_twice_then_uninstall_restores_the_settings_the_real_client_read_byte_for_byte()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        var settings = sandbox.WriteUserSettings(new JsonObject { ["model"] = "sonnet", ["env"] = new JsonObject { ["DEBUG"] = "1" } });
        var original = File.ReadAllBytes(settings);
        Install(sandbox);
        Assert.Contains("already installed", sandbox.Custodian("install").Stdout, StringComparison.Ordinal);
        api.Script("Say hello", ScriptedTurn.Text("Hello."));

        var run = await sandbox.PrintAsync("Say hello");

        Assert.False(run.IsError, run.Describe());
        Assert.Contains(GuardLog(sandbox), d => (string?)d["event"] == "UserPromptSubmit" && (string?)d["action"] == "allowed");
        var uninstall = sandbox.Custodian("uninstall");
        Assert.True(uninstall.ExitCode == 0, uninstall.Stderr);
        Assert.Equal(original, File.ReadAllBytes(settings));
    }

    [Fact]
    [Trait("spec", "GRD-6")]
    public async Task A_guard_that_crashes_blocks_the_prompt()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        Install(sandbox);
        sandbox.Environment["CUSTODIAN_GUARD_FAULT"] = "throw";
        api.Script("Summarise the project", ScriptedTurn.Text("Summary."));

        await sandbox.PrintAsync("Summarise the project");

        Assert.DoesNotContain(api.MessageRequests, r => r.FirstUserText.Contains("Summarise the project", StringComparison.Ordinal));
    }
}
