using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// <c>custodian scrub</c> on a session the real client wrote with secrets in the prompt, in a tool's output and in a
/// subagent's: afterwards no transcript holds them, and <c>claude --resume</c> still loads the session and sends only
/// the markers (RED-1, GRD-5).
/// </summary>
public sealed class RealScrubTests
{
    private const string Prompt = "Deploy this with the token " + RealClientKit.GitHubToken + " and check the env file";
    private const string SubagentPrompt = "Helper task: print the env file";

    [Fact]
    [Trait("spec", "RED-1")]
    [Trait("spec", "GRD-5")]
    [Trait("spec", "LOC-10")]
    public async Task A_scrubbed_real_session_resumes_and_sends_no_secret()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.WriteDotEnv();
        api.Script("Deploy this with the token", ScriptedTurn.Bash("cat .env"), ScriptedTurn.Agent("print env", SubagentPrompt), ScriptedTurn.Text("Checked."));
        api.Script(SubagentPrompt, ScriptedTurn.Bash("cat .env"), ScriptedTurn.Text("Printed it."));
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Bash Agent");
        Assert.False(run.IsError, run.Describe());

        // Without a guard the client sent every secret to the model and wrote them to the transcripts.
        Assert.True(api.Received(RealClientKit.GitHubToken));
        Assert.True(api.Received(RealClientKit.AwsKeyId));
        var transcript = sandbox.TranscriptPath(run.SessionId);
        var subagent = Assert.Single(Directory.GetFiles(Path.Combine(sandbox.ProjectTranscriptsDir, run.SessionId, "subagents"), "agent-*.jsonl"));
        Assert.Contains(RealClientKit.GitHubToken, File.ReadAllText(transcript), StringComparison.Ordinal);
        Assert.Contains(RealClientKit.AwsKeyId, File.ReadAllText(subagent), StringComparison.Ordinal);
        var modified = File.GetLastWriteTimeUtc(transcript).AddDays(-3);
        File.SetLastWriteTimeUtc(transcript, modified);
        var subagentModified = File.GetLastWriteTimeUtc(subagent);
        var linesBefore = File.ReadAllLines(transcript).Length;

        var scrub = sandbox.Custodian("scrub");
        Assert.True(scrub.ExitCode == 0, scrub.Stderr);

        foreach (var secret in new[] { RealClientKit.GitHubToken, RealClientKit.AwsKeyId, RealClientKit.AnthropicKey })
        {
            Assert.Empty(sandbox.FilesHolding(secret));
        }

        Assert.Contains("[REDACTED:github-pat-classic]", File.ReadAllText(transcript), StringComparison.Ordinal);
        Assert.Contains("[REDACTED:aws-access-key-id]", File.ReadAllText(subagent), StringComparison.Ordinal);
        Assert.Equal(linesBefore, File.ReadAllLines(transcript).Length);
        // A scrub is not activity: Claude Code's own sweep ages transcripts by modification time.
        Assert.Equal(modified, File.GetLastWriteTimeUtc(transcript));
        Assert.Equal(subagentModified, File.GetLastWriteTimeUtc(subagent));

        var requestsBefore = api.MessageRequests.Count;
        var resumed = await sandbox.ResumeAsync(run.SessionId, "Summarise what you did");
        Assert.False(resumed.IsError, resumed.Describe());
        var sent = api.MessageRequests.Skip(requestsBefore).Where(r => r.OffersTools).ToList();
        Assert.NotEmpty(sent);
        var main = sent.Last(r => r.LastUserText.Contains("Summarise what you did", StringComparison.Ordinal));
        // The resumed conversation carries the earlier turns (so the transcript was loaded), redacted.
        Assert.True(main.AssistantTurns >= 2, "the resumed request holds no history: " + main.AssistantTurns);
        Assert.Contains("[REDACTED:github-pat-classic]", main.SentText, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:aws-access-key-id]", main.SentText, StringComparison.Ordinal);
        foreach (var request in sent)
        {
            Assert.DoesNotContain(RealClientKit.GitHubToken, request.SentText, StringComparison.Ordinal);
            Assert.DoesNotContain(RealClientKit.AwsKeyId, request.SentText, StringComparison.Ordinal);
            Assert.DoesNotContain(RealClientKit.AnthropicKey, request.SentText, StringComparison.Ordinal);
        }
    }
}
