using System.Text.Json.Nodes;
using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// What the real client (2.1.328) does with hooks, as the live guard (GRD) relies on it: which events fire, with
/// which input; that a blocked prompt reaches no model but is still written to the transcript; that a PostToolUse
/// answer's <c>updatedToolOutput</c> is what the model and the transcript get.
/// </summary>
public sealed class RealHooksTests
{
    private const string Prompt = "Read the readme, run a command and ask a helper to run one too";
    private const string SubagentPrompt = "Helper task: run pwd";

    /// <summary>The input fields each event carried on the real client, beyond the common ones.</summary>
    private static readonly (string Event, string[] Fields)[] ObservedInputs =
    [
        ("SessionStart", ["source"]),
        ("UserPromptSubmit", ["prompt", "prompt_id", "permission_mode"]),
        ("PreToolUse", ["tool_name", "tool_input", "tool_use_id"]),
        ("PostToolUse", ["tool_name", "tool_input", "tool_response", "tool_use_id", "duration_ms"]),
        ("SubagentStop", ["agent_id", "agent_type", "agent_transcript_path", "last_assistant_message"]),
        ("Stop", ["stop_hook_active", "last_assistant_message"]),
        ("SessionEnd", ["reason"]),
    ];

    private static readonly string[] CommonFields = ["session_id", "transcript_path", "cwd", "hook_event_name"];

    private static string RecordingHook(ClaudeCodeSandbox sandbox, string log, string? body = null)
    {
        var script = sandbox.Write("hooks/" + Guid.NewGuid().ToString("N")[..8] + ".sh",
            "#!/bin/sh\ninput=$(cat)\nprintf '%s\\n' \"$input\" >> '" + log + "'\n" + (body ?? "exit 0\n"));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private static JsonObject Hooks(params (string Event, string Command)[] hooks)
    {
        var settings = new JsonObject();
        foreach (var (name, command) in hooks)
        {
            var entry = new JsonObject { ["hooks"] = new JsonArray(new JsonObject { ["type"] = "command", ["command"] = command }) };
            if (name is "PreToolUse" or "PostToolUse") entry["matcher"] = "*";
            settings[name] = new JsonArray(entry);
        }

        return new JsonObject { ["hooks"] = settings };
    }

    private static List<JsonObject> ReadLog(string log) =>
        [.. File.ReadAllLines(log).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];

    [Fact]
    [Trait("spec", "GRD-3")]
    [Trait("spec", "GRD-5")]
    public async Task Every_hook_event_the_guard_uses_fires_with_its_input()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        File.WriteAllText(Path.Combine(sandbox.ProjectDir, "README.md"), "# readme\n");
        var log = Path.Combine(sandbox.Root, "hooks.jsonl");
        var hook = RecordingHook(sandbox, log);
        sandbox.WriteUserSettings(Hooks([.. ObservedInputs.Select(o => (o.Event, hook))]));
        api.Script(Prompt, ScriptedTurn.Read(Path.Combine(sandbox.ProjectDir, "README.md")), ScriptedTurn.Bash("echo hello"),
            ScriptedTurn.Agent("run pwd", SubagentPrompt), ScriptedTurn.Text("Done."));
        api.Script(SubagentPrompt, ScriptedTurn.Bash("pwd"), ScriptedTurn.Text("Ran it."));
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Read Bash Agent");
        Assert.False(run.IsError, run.Describe());

        var inputs = ReadLog(log);
        foreach (var (name, fields) in ObservedInputs)
        {
            var fired = inputs.Where(i => i["hook_event_name"]?.GetValue<string>() == name).ToList();
            Assert.True(fired.Count > 0, $"{name} never fired; fired: {string.Join(", ", inputs.Select(i => i["hook_event_name"]))}");
            foreach (var input in fired)
            {
                foreach (var field in CommonFields.Concat(fields))
                {
                    Assert.True(input.ContainsKey(field), $"{name} input has no {field}: {input.ToJsonString()}");
                }

                Assert.Equal(run.SessionId, input["session_id"]!.GetValue<string>());
                Assert.Equal(sandbox.TranscriptPath(run.SessionId), input["transcript_path"]!.GetValue<string>());
            }
        }

        Assert.Contains(inputs, i => i["hook_event_name"]!.GetValue<string>() == "UserPromptSubmit" && i["prompt"]!.GetValue<string>() == Prompt);
        // The tool outputs' own shapes, which a PostToolUse answer must give back (GRD-3).
        var post = inputs.Where(i => i["hook_event_name"]!.GetValue<string>() == "PostToolUse").ToList();
        var read = post.Single(i => i["tool_name"]!.GetValue<string>() == "Read")["tool_response"]!;
        Assert.Equal("text", read["type"]!.GetValue<string>());
        Assert.Equal(Path.Combine(sandbox.ProjectDir, "README.md"), read["file"]!["filePath"]!.GetValue<string>());
        Assert.Equal("# readme\n", read["file"]!["content"]!.GetValue<string>());
        var bash = post.First(i => i["tool_name"]!.GetValue<string>() == "Bash" && !i.ContainsKey("agent_id"))["tool_response"]!.AsObject();
        Assert.Equal("hello", bash["stdout"]!.GetValue<string>());
        foreach (var key in new[] { "stderr", "interrupted", "isImage" }) Assert.True(bash.ContainsKey(key), "Bash tool_response has no " + key);
        // Inside a subagent, tool hooks fire too and say which agent ran the tool (GRD-3 holds there).
        var inSubagent = post.Single(i => i.ContainsKey("agent_id"));
        Assert.Equal("Bash", inSubagent["tool_name"]!.GetValue<string>());
        var stop = inputs.Single(i => i["hook_event_name"]!.GetValue<string>() == "SubagentStop");
        var agentTranscript = stop["agent_transcript_path"]!.GetValue<string>();
        Assert.Equal(Path.Combine(sandbox.ProjectTranscriptsDir, run.SessionId, "subagents"), Path.GetDirectoryName(agentTranscript));
        Assert.True(File.Exists(agentTranscript));
        Assert.Equal("other", inputs.Single(i => i["hook_event_name"]!.GetValue<string>() == "SessionEnd")["reason"]!.GetValue<string>());
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    [Trait("spec", "GRD-5")]
    [Trait("spec", "RED-1")]
    public async Task A_prompt_a_hook_blocks_reaches_no_model_but_stays_in_the_transcript_until_scrubbed()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        var log = Path.Combine(sandbox.Root, "hooks.jsonl");
        var block = RecordingHook(sandbox, log,
            "case \"$input\" in *ghp_*) echo 'blocked: the prompt holds a GitHub token' >&2; exit 2;; esac\nexit 0\n");
        var end = RecordingHook(sandbox, log);
        sandbox.WriteUserSettings(Hooks(("UserPromptSubmit", block), ("SessionEnd", end)));
        var prompt = "Push with " + RealClientKit.GitHubToken;

        var run = await sandbox.PrintAsync(prompt);

        Assert.False(api.Received(RealClientKit.GitHubToken));
        Assert.Contains("blocked: the prompt holds a GitHub token", run.Stdout + run.Stderr, StringComparison.Ordinal);
        var inputs = ReadLog(log);
        Assert.Contains(inputs, i => i["hook_event_name"]!.GetValue<string>() == "SessionEnd");
        // The client wrote the blocked prompt to disk anyway: this is what GRD-5's scrub is for.
        var holding = sandbox.FilesHolding(RealClientKit.GitHubToken);
        Assert.Contains(holding, f => f.StartsWith("projects" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && f.EndsWith(".jsonl", StringComparison.Ordinal));

        var scrub = sandbox.Custodian("scrub");
        Assert.True(scrub.ExitCode == 0, scrub.Stderr);
        Assert.Empty(sandbox.FilesHolding(RealClientKit.GitHubToken));
    }

    [Fact]
    [Trait("spec", "GRD-3")]
    public async Task A_post_tool_use_answer_with_updated_tool_output_is_all_the_model_and_the_transcript_get()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.WriteDotEnv();
        var log = Path.Combine(sandbox.Root, "hooks.jsonl");
        var replace = RecordingHook(sandbox, log,
            "printf '%s' '{\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUse\",\"updatedToolOutput\":{\"stdout\":\"AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key-id]\",\"stderr\":\"\",\"interrupted\":false,\"isImage\":false}}}'\nexit 0\n");
        sandbox.WriteUserSettings(Hooks(("PostToolUse", replace)));
        api.Script("Show me the env file", ScriptedTurn.Bash("cat .env"), ScriptedTurn.Text("Shown."));

        var run = await sandbox.PrintAsync("Show me the env file", "--allowedTools", "Bash");

        Assert.False(run.IsError, run.Describe());
        Assert.Contains(ReadLog(log), i => i["tool_response"]?["stdout"]?.GetValue<string>().Contains(RealClientKit.AwsKeyId, StringComparison.Ordinal) == true);
        Assert.False(api.Received(RealClientKit.AwsKeyId));
        Assert.True(api.Received("AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key-id]"));
        Assert.Empty(sandbox.FilesHolding(RealClientKit.AwsKeyId));
        Assert.Contains("[REDACTED:aws-access-key-id]", File.ReadAllText(sandbox.TranscriptPath(run.SessionId)), StringComparison.Ordinal);
    }
}
