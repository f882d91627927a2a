using System.Globalization;
using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// <c>custodian sessions</c> on what the real Claude Code (2.1.328) writes: a session with a tool call and a
/// subagent is one session with its first prompt, its last activity and its subagent (LOC-1, LOC-2, LOC-9, LOC-10).
/// </summary>
public sealed class RealSessionsTests
{
    private const string Prompt = "Count the files in this project, then ask a helper to list them";
    private const string SubagentPrompt = "Helper task: list every file in the project";

    private static void ScriptSessionWithSubagent(MessagesStandIn api)
    {
        api.Script(Prompt, ScriptedTurn.Bash("ls | wc -l"), ScriptedTurn.Agent("list files", SubagentPrompt), ScriptedTurn.Text("Three files."));
        api.Script(SubagentPrompt, ScriptedTurn.Bash("ls -1"), ScriptedTurn.Text("README.md, a.txt, b.txt"));
    }

    [Fact]
    [Trait("spec", "LOC-1")]
    [Trait("spec", "LOC-2")]
    [Trait("spec", "LOC-5")]
    [Trait("spec", "LOC-9")]
    [Trait("spec", "LOC-10")]
    public async Task A_real_session_is_listed_with_its_first_prompt_last_activity_and_subagent()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        ScriptSessionWithSubagent(api);
        var before = DateTimeOffset.UtcNow;
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Bash Agent");
        var after = DateTimeOffset.UtcNow;
        Assert.False(run.IsError, run.Describe());
        // The subagent really ran: its conversation reached the stand-in and its transcript is on disk (2.1 layout).
        Assert.Contains(api.MessageRequests, r => r.FirstUserText.Contains(SubagentPrompt, StringComparison.Ordinal));
        var subagentDir = Path.Combine(sandbox.ProjectTranscriptsDir, run.SessionId, "subagents");
        Assert.Single(Directory.GetFiles(subagentDir, "agent-*.jsonl"));

        var list = sandbox.Custodian("sessions", "list", "--json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var session = Assert.Single(list.Json["sessions"]!.AsArray())!;
        Assert.Equal(run.SessionId, session["id"]!.GetValue<string>());
        Assert.Equal(sandbox.TranscriptPath(run.SessionId), session["transcript"]!.GetValue<string>());
        // The subagent's prompt and the task notification the client feeds back as a user line are not the prompt.
        Assert.Equal(Prompt, session["firstPrompt"]!.GetValue<string>());
        Assert.Equal(1, session["subagents"]!.GetValue<int>());
        Assert.Equal("timestamp", session["lastActivitySource"]!.GetValue<string>());
        var lastActivity = DateTimeOffset.Parse(session["lastActivity"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(lastActivity, before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal(0, session["problems"]!.GetValue<int>());

        var show = sandbox.Custodian("sessions", "show", run.SessionId, "--json");
        Assert.True(show.ExitCode == 0, show.Stderr);
        Assert.Equal(run.SessionId, show.Json["session"]!["id"]!.GetValue<string>());
        Assert.Empty(show.Json["problems"]!.AsArray());

        // resume with no id: the most recent session of the working directory, as `claude --continue` picks it.
        var resume = sandbox.Custodian("sessions", "resume");
        Assert.True(resume.ExitCode == 0, resume.Stderr);
        Assert.Equal(sandbox.TranscriptPath(run.SessionId), resume.Stdout.Trim());
    }

    [Fact]
    [Trait("spec", "LOC-2")]
    [Trait("spec", "LOC-10")]
    public async Task Deleting_a_real_session_removes_its_transcript_subagents_and_per_session_files()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        ScriptSessionWithSubagent(api);
        var kept = await sandbox.PrintAsync("A second session that stays");
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Bash Agent");
        Assert.False(run.IsError, run.Describe());
        var sessionEnv = Path.Combine(sandbox.ConfigDir, "session-env", run.SessionId);
        Assert.True(Directory.Exists(sessionEnv), "the client wrote no session-env folder for the session");

        var delete = sandbox.Custodian("sessions", "delete", run.SessionId, "--yes", "--json");
        Assert.True(delete.ExitCode == 0, delete.Stderr);

        var left = Directory.EnumerateFileSystemEntries(sandbox.ConfigDir, "*", SearchOption.AllDirectories)
            .Where(p => p.Contains(run.SessionId, StringComparison.Ordinal) && !p.StartsWith(Path.Combine(sandbox.ConfigDir, "trash"), StringComparison.Ordinal))
            .ToList();
        Assert.Empty(left);
        Assert.True(File.Exists(sandbox.TranscriptPath(kept.SessionId)));
        var list = sandbox.Custodian("sessions", "list", "--json");
        Assert.Equal(kept.SessionId, Assert.Single(list.Json["sessions"]!.AsArray())!["id"]!.GetValue<string>());

        // The deleted session went to the trash (LOC-7) and comes back whole.
        var trash = sandbox.Custodian("trash", "list", "--json");
        Assert.True(trash.ExitCode == 0, trash.Stderr);
        Assert.Contains(run.SessionId, trash.Stdout, StringComparison.Ordinal);
    }
}
