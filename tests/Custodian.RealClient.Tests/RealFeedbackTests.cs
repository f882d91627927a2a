using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// <c>custodian feedback</c> on a session the real client wrote: the bundle holds the transcript and the subagent's,
/// redacted, verifies, and with no server credentials stays on the machine (FBK-1, FBK-3, FBK-4).
/// </summary>
public sealed class RealFeedbackTests
{
    private const string Prompt = "Look at the env file and ask a helper to double-check it";
    private const string SubagentPrompt = "Helper task: double-check the env file";

    [Fact]
    [Trait("spec", "FBK-1")]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "FBK-4")]
    [Trait("spec", "LOC-10")]
    public async Task A_feedback_bundle_of_a_real_session_holds_its_subagent_redacted_and_stays_local()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.WriteDotEnv();
        api.Script(Prompt, ScriptedTurn.Read(Path.Combine(sandbox.ProjectDir, ".env")), ScriptedTurn.Agent("double-check", SubagentPrompt), ScriptedTurn.Text("Looks fine."));
        api.Script(SubagentPrompt, ScriptedTurn.Bash("cat .env"), ScriptedTurn.Text("It holds two keys."));
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Read Bash Agent");
        Assert.False(run.IsError, run.Describe());
        Assert.True(api.Received(RealClientKit.AwsKeyId), "the scripted Read did not reach the model: the test proves nothing");

        // /feedback is non-essential traffic (FBK-2); this person has it on, but no Custodian server configured.
        sandbox.AllowNonessentialTraffic();
        var feedback = sandbox.Custodian("feedback", "--session", run.SessionId, "--yes", "--json");
        Assert.True(feedback.ExitCode == 0, feedback.Stderr + feedback.Stdout);
        Assert.Equal("archived", feedback.Json["result"]!.GetValue<string>());
        Assert.Equal("local-archive", feedback.Json["destination"]!.GetValue<string>());
        var path = feedback.Json["path"]!.GetValue<string>();
        Assert.StartsWith(Path.Combine(sandbox.ConfigDir, "feedback-bundles") + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);

        var entries = ReadBundle(path);
        var agentId = Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(sandbox.ProjectTranscriptsDir, run.SessionId, "subagents"), "agent-*.jsonl")));
        Assert.Equal("manifest.json", entries.Keys.First());
        Assert.Contains($"transcripts/{run.SessionId}.jsonl", entries.Keys);
        Assert.Contains($"subagents/{run.SessionId}/{agentId}", entries.Keys);
        Assert.Contains("[REDACTED:aws-access-key-id]", entries[$"subagents/{run.SessionId}/{agentId}"], StringComparison.Ordinal);
        Assert.Contains("[REDACTED:anthropic-api-key]", entries[$"transcripts/{run.SessionId}.jsonl"], StringComparison.Ordinal);
        foreach (var (name, text) in entries)
        {
            Assert.DoesNotContain(RealClientKit.AwsKeyId, text, StringComparison.Ordinal);
            Assert.DoesNotContain(RealClientKit.AnthropicKey, text, StringComparison.Ordinal);
        }

        var verify = sandbox.Custodian("bundle", "verify", path);
        Assert.True(verify.ExitCode == 0, verify.Stderr + verify.Stdout);
    }

    private static Dictionary<string, string> ReadBundle(string path)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null) continue;
            using var reader = new StreamReader(entry.DataStream, Encoding.UTF8);
            entries[entry.Name] = reader.ReadToEnd();
        }

        return entries;
    }
}
