using Custodian.ClaudeCode.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// <c>custodian cleanup --dry-run</c> on what the real client wrote: a session is aged by its last activity with its
/// subagent (LOC-5, LOC-10), and where Claude Code's own modification-time sweep would part from that, it is named
/// (CUS-33).
/// </summary>
public sealed class RealCleanupTests
{
    private const string Prompt = "Clean-up check: ask a helper to say hi";
    private const string SubagentPrompt = "Helper task: say hi";

    [Fact]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-5")]
    [Trait("spec", "LOC-7")]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "CUS-33")]
    public async Task A_real_session_is_swept_by_its_last_activity_and_the_clients_own_sweep_is_named()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        api.Script(Prompt, ScriptedTurn.Agent("say hi", SubagentPrompt), ScriptedTurn.Text("Said."));
        api.Script(SubagentPrompt, ScriptedTurn.Text("hi"));
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Agent");
        Assert.False(run.IsError, run.Describe());
        var transcript = sandbox.TranscriptPath(run.SessionId);
        var before = ClientFiles(sandbox);

        // 29 days on, the session is kept; 31 days on, it goes whole (transcript, subagent, per-session files).
        var kept = sandbox.Custodian(new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(29)), "cleanup", "--dry-run", "--json");
        Assert.True(kept.ExitCode == 0, kept.Stderr);
        Assert.Empty(kept.Json["items"]!.AsArray());
        Assert.Equal(1, kept.Json["retained"]!.GetValue<int>());
        var gone = sandbox.Custodian(new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(31)), "cleanup", "--dry-run", "--json");
        Assert.True(gone.ExitCode == 0, gone.Stderr);
        var item = Assert.Single(gone.Json["items"]!.AsArray(), i => i!["kind"]!.GetValue<string>() == "session")!;
        Assert.Equal(run.SessionId, item["name"]!.GetValue<string>());
        Assert.Equal(before, ClientFiles(sandbox));

        // Restored from a backup with an old modification time: alive by its content, so Custodian keeps it, while
        // Claude Code's own sweep (by modification time) would delete the transcript.
        File.SetLastWriteTimeUtc(transcript, DateTime.UtcNow.AddDays(-40));
        var now = sandbox.Custodian("cleanup", "--dry-run", "--json");
        Assert.True(now.ExitCode == 0, now.Stderr);
        Assert.DoesNotContain(now.Json["items"]!.AsArray(), i => i!["name"]!.GetValue<string>() == run.SessionId);
        var wouldDelete = Assert.Single(now.Json["claudeCodeSweep"]!["wouldDelete"]!.AsArray())!;
        Assert.Equal(transcript, wouldDelete["path"]!.GetValue<string>());
        Assert.Equal(run.SessionId, wouldDelete["session"]!.GetValue<string>());
        var text = sandbox.Custodian("cleanup", "--dry-run");
        Assert.Contains("Claude Code's own sweep ages transcripts by modification time", text.Stdout, StringComparison.Ordinal);
        Assert.Contains(transcript, text.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Every file the client keeps (not Custodian's own index under <c>custodian/</c>), in order.</summary>
    private static List<string> ClientFiles(ClaudeCodeSandbox sandbox) =>
        [.. Directory.GetFiles(sandbox.ConfigDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Path.Combine(sandbox.ConfigDir, "custodian") + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
}
