using System.Text;
using System.Text.Json.Nodes;
using Custodian.Guard.Internal;

namespace Custodian.Guard.Tests;

/// <summary><c>custodian hook</c>'s decisions on the inputs Claude Code sends (hooks reference §3–§5), tool by tool.</summary>
public sealed class HandlerTests : IDisposable
{
    private const string Token = "ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK";
    private const string AwsKeyId = "AKIAQ3EGRTSPXL7WJ2MZ";
    private readonly string _root = Directory.CreateTempSubdirectory("custodian-guard-hook-").FullName;
    private readonly GuardHandler _handler;

    public HandlerTests() => _handler = new GuardHandler(homeDirectory: Path.Combine(_root, "home"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private HookOutcome Handle(JsonObject input) => _handler.Handle(Encoding.UTF8.GetBytes(input.ToJsonString()));

    private static JsonObject Event(string name, params (string Key, JsonNode? Value)[] fields)
    {
        var input = new JsonObject { ["session_id"] = "s1", ["hook_event_name"] = name, ["cwd"] = "/tmp" };
        foreach (var (key, value) in fields) input[key] = value;
        return input;
    }

    private static JsonNode Updated(HookOutcome outcome)
    {
        Assert.Equal(0, outcome.ExitCode);
        var answer = JsonNode.Parse(outcome.Stdout!)!["hookSpecificOutput"]!;
        Assert.Equal("PostToolUse", (string?)answer["hookEventName"]);
        return answer["updatedToolOutput"]!;
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    public void A_prompt_with_a_secret_is_blocked_naming_rule_and_position_never_the_secret()
    {
        var outcome = Handle(Event("UserPromptSubmit", ("prompt", "deploy\nwith " + Token + " now")));

        Assert.Equal(2, outcome.ExitCode);
        var answer = JsonNode.Parse(outcome.Stdout!)!;
        Assert.Equal("block", (string?)answer["decision"]);
        Assert.True((bool)answer["hookSpecificOutput"]!["suppressOriginalPrompt"]!);
        var reason = (string)answer["reason"]!;
        Assert.Contains("github-pat-classic at line 2, column 6 of the prompt", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, outcome.Stderr!, StringComparison.Ordinal);
        Assert.Equal(GuardAction.Blocked, outcome.Decision.Action);
        Assert.Equal(["github-pat-classic"], outcome.Decision.Rules);
    }

    [Theory]
    [Trait("spec", "CUS-71")]
    [InlineData(null, null, null, null)]
    [InlineData("s1", "mcp__github__create_issue", "agent-7", "a \"quoted\" detail with ünïcode and a\nnewline")]
    public void A_log_line_is_what_the_serializer_writes_and_reads_back(string? session, string? tool, string? agent, string? detail)
    {
        var decision = new GuardDecision(new DateTimeOffset(2026, 12, 2, 6, 30, 1, 250, TimeSpan.Zero), session, "PostToolUse", tool,
            GuardAction.Redacted, ["github-pat-classic", "aws-access-key-id"], 3, detail, agent);

        var line = Encoding.UTF8.GetString(GuardLog.Line(decision));

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(GuardLogEntry.From(decision), GuardLogJson.Default.GuardLogEntry) + "\n", line);
        var read = System.Text.Json.JsonSerializer.Deserialize(line, GuardLogJson.Default.GuardLogEntry)!.ToDecision()!;
        Assert.Equal(decision with { Rules = [] }, read with { Rules = [] });
        Assert.Equal(decision.Rules, read.Rules);
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    public async Task An_at_mention_of_a_fifo_or_a_device_is_not_opened()
    {
        var project = Directory.CreateDirectory(Path.Combine(_root, "pipes")).FullName;
        var fifo = Path.Combine(project, "pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opening the FIFO for reading would wait for a writer that never comes; the task would not finish.
        var handled = Task.Run(() => Handle(Event("UserPromptSubmit", ("cwd", project), ("prompt", "read @pipe and @/dev/zero"))));
        var outcome = await handled.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Stdout);
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    public void A_file_the_prompt_attaches_with_an_at_mention_is_checked_too()
    {
        var project = Directory.CreateDirectory(Path.Combine(_root, "my project")).FullName;
        File.WriteAllText(Path.Combine(project, ".env"), "PORT=1\nAWS_ACCESS_KEY_ID=" + AwsKeyId + "\n");
        File.WriteAllText(Path.Combine(project, "notes file.md"), "nothing secret\n");

        var blocked = Handle(Event("UserPromptSubmit", ("cwd", project), ("prompt", "look at @.env, please")));
        var quoted = Handle(Event("UserPromptSubmit", ("cwd", project), ("prompt", "summarise @\"notes file.md\" and mail me@example.com")));

        Assert.Equal(2, blocked.ExitCode);
        Assert.Contains("aws-access-key-id at line 2, column 19 of @.env", blocked.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, quoted.ExitCode);
        Assert.Null(quoted.Stdout);
    }

    [Fact]
    [Trait("spec", "GRD-2")]
    public void A_prompt_without_a_secret_passes_with_no_answer()
    {
        var outcome = Handle(Event("UserPromptSubmit", ("prompt", "set GITHUB_TOKEN=${GITHUB_TOKEN} and use Bearer <your-token>")));

        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Stdout);
        Assert.Equal(GuardAction.Allowed, outcome.Decision.Action);
    }

    public static TheoryData<string, string> ToolOutputs() => new()
    {
        { "Bash", $$$"""{"stdout":"TOKEN={{{Token}}}\nPORT=1","stderr":"","interrupted":false,"isImage":false}""" },
        { "Read", $$$"""{"type":"text","file":{"filePath":"/p/.env","content":"TOKEN={{{Token}}}\n","numLines":1,"startLine":1,"totalLines":1}}""" },
        { "Grep", $$$"""{"mode":"content","numFiles":1,"filenames":["/p/.env"],"content":"/p/.env:1:TOKEN={{{Token}}}","numLines":1}""" },
        { "Glob", $$$"""{"durationMs":3,"numFiles":1,"filenames":["/p/keys/{{{Token}}}.txt"],"truncated":false}""" },
        { "WebFetch", $$$"""{"bytes":120,"code":200,"codeText":"OK","result":"the key is {{{Token}}}","durationMs":40,"url":"https://example.com/"}""" },
        { "WebSearch", $$$"""{"query":"leaked","results":[{"title":"paste","url":"https://x.example/{{{Token}}}"}],"durationSeconds":1.2}""" },
        { "Agent", $$$"""{"status":"completed","agentId":"a1","content":[{"type":"text","text":"found {{{Token}}}"}],"totalTokens":10,"totalDurationMs":5,"totalToolUseCount":1}""" },
        { "mcp__files__read", $$$"""{"content":[{"type":"text","text":"TOKEN={{{Token}}}"}]}""" },
        { "Write", $$$"""{"type":"create","filePath":"/p/.env","content":"TOKEN={{{Token}}}","structuredPatch":[],"originalFile":null}""" },
        { "Edit", $$$"""{"filePath":"/p/.env","oldString":"TOKEN=","newString":"TOKEN={{{Token}}}","originalFile":"TOKEN=\n","structuredPatch":[{"lines":["+TOKEN={{{Token}}}"]}],"userModified":false,"replaceAll":false}""" },
    };

    [Theory]
    [MemberData(nameof(ToolOutputs))]
    [Trait("spec", "GRD-3")]
    public void Tool_output_comes_back_in_its_own_shape_with_markers_in_place_of_secrets(string tool, string response)
    {
        var original = JsonNode.Parse(response)!;

        var outcome = Handle(Event("PostToolUse", ("tool_name", tool), ("tool_input", new JsonObject()), ("tool_response", original.DeepClone())));

        var updated = Updated(outcome);
        var expected = JsonNode.Parse(response.Replace(Token, "[REDACTED:github-pat-classic]", StringComparison.Ordinal));
        Assert.True(JsonNode.DeepEquals(expected, updated), updated.ToJsonString());
        Assert.Equal(GuardAction.Redacted, outcome.Decision.Action);
        Assert.Equal(response.Split(Token).Length - 1, outcome.Decision.Count);
    }

    [Fact]
    [Trait("spec", "GRD-3")]
    public void Tool_output_inside_a_subagent_is_redacted_and_recorded_as_the_subagents()
    {
        var outcome = Handle(Event("PostToolUse", ("agent_id", "agent-7"), ("agent_type", "Explore"), ("tool_name", "Bash"),
            ("tool_input", new JsonObject { ["command"] = "env" }), ("tool_response", new JsonObject { ["stdout"] = "GH=" + Token, ["stderr"] = "", ["interrupted"] = false })));

        Assert.Equal("GH=[REDACTED:github-pat-classic]", (string?)Updated(outcome)["stdout"]);
        Assert.Equal("agent-7", outcome.Decision.AgentId);
    }

    [Fact]
    [Trait("spec", "GRD-3")]
    public void Tool_output_without_a_secret_passes_unchanged_with_no_answer()
    {
        var outcome = Handle(Event("PostToolUse", ("tool_name", "Bash"), ("tool_input", new JsonObject()), ("tool_response", new JsonObject { ["stdout"] = "ok", ["stderr"] = "" })));

        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Stdout);
    }

    [Theory]
    [InlineData("Bash", "command", "curl -H 'Authorization: token " + Token + "' https://api.github.com")]
    [InlineData("WebFetch", "url", "https://example.com/?access=" + Token)]
    [InlineData("WebSearch", "query", "who owns " + Token)]
    [InlineData("mcp__tracker__create_issue", "body", "the key is " + AwsKeyId)]
    [Trait("spec", "GRD-4")]
    public void A_tool_call_that_would_carry_a_secret_off_the_machine_is_denied_with_a_reason_the_model_can_act_on(string tool, string field, string value)
    {
        var outcome = Handle(Event("PreToolUse", ("tool_name", tool), ("tool_input", new JsonObject { [field] = value })));

        Assert.Equal(2, outcome.ExitCode);
        var answer = JsonNode.Parse(outcome.Stdout!)!["hookSpecificOutput"]!;
        Assert.Equal("deny", (string?)answer["permissionDecision"]);
        var reason = (string)answer["permissionDecisionReason"]!;
        Assert.StartsWith($"Custodian refused this {tool} call", reason, StringComparison.Ordinal);
        Assert.Contains("environment variable", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, reason, StringComparison.Ordinal);
        Assert.DoesNotContain(AwsKeyId, reason, StringComparison.Ordinal);
        Assert.Equal(GuardAction.Denied, outcome.Decision.Action);
    }

    [Theory]
    [InlineData("Write", "content")]
    [InlineData("Edit", "new_string")]
    [InlineData("Read", "file_path")]
    [Trait("spec", "GRD-4")]
    [Trait("spec", "CUS-70")]
    public void A_tool_call_that_stays_on_the_machine_is_allowed(string tool, string field)
    {
        var outcome = Handle(Event("PreToolUse", ("tool_name", tool), ("tool_input", new JsonObject { [field] = "TOKEN=" + Token })));

        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Stdout);
    }

    [Theory]
    [InlineData("UserPromptSubmit")]
    [InlineData("PreToolUse")]
    [InlineData("PostToolUse")]
    [Trait("spec", "GRD-6")]
    public void Input_that_cannot_be_read_blocks_where_the_event_can_be_blocked(string hookEvent)
    {
        var outcome = _handler.Handle(Encoding.UTF8.GetBytes("{\"hook_event_name\":\"" + hookEvent + "\",\"prompt\":\"unterminated"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(GuardAction.FailedClosed, outcome.Decision.Action);
        Assert.DoesNotContain('\n', outcome.Stderr!);
        Assert.Contains("could not check it", outcome.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"hook_event_name":"UserPromptSubmit"}""")]
    [InlineData("""{"hook_event_name":"PreToolUse","tool_name":"Bash"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"session_id":"s1"}""")]
    [Trait("spec", "GRD-6")]
    public void Input_missing_what_the_guard_needs_blocks(string input)
    {
        var outcome = _handler.Handle(Encoding.UTF8.GetBytes(input));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(GuardAction.FailedClosed, outcome.Decision.Action);
    }

    [Fact]
    [Trait("spec", "GRD-6")]
    public void Input_larger_than_the_bound_is_refused_unread()
    {
        using var endless = new RepeatingStream((byte)' ', GuardHandler.MaxInputBytes + 1);

        var outcome = _handler.Handle(endless);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("larger than", outcome.Decision.Detail, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "GRD-5")]
    [Trait("spec", "GRD-7")]
    public void Stop_scrubs_the_transcript_its_subagents_and_the_history_and_records_it()
    {
        var config = Path.Combine(_root, "config");
        var transcript = Path.Combine(config, "projects", "-p", "s1.jsonl");
        Directory.CreateDirectory(Path.Combine(config, "projects", "-p", "s1", "subagents"));
        File.WriteAllText(transcript, "{\"type\":\"user\",\"message\":{\"content\":\"token " + Token + "\"}}\n");
        File.WriteAllText(Path.Combine(config, "projects", "-p", "s1", "subagents", "agent-a1.jsonl"), "{\"text\":\"" + AwsKeyId + "\"}\n");
        File.WriteAllText(Path.Combine(config, "history.jsonl"), "{\"display\":\"token " + Token + "\"}\n");

        var outcome = Handle(Event("Stop", ("transcript_path", transcript), ("stop_hook_active", false)));

        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Stdout);
        Assert.Equal(GuardAction.Scrubbed, outcome.Decision.Action);
        Assert.Equal(3, outcome.Decision.Count);
        Assert.Equal(config, outcome.ConfigDir);
        foreach (var file in Directory.GetFiles(config, "*.jsonl", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(AwsKeyId, text, StringComparison.Ordinal);
        }

        var log = new GuardLog(config);
        log.Append(outcome.Decision);
        var recorded = Assert.Single(log.Read("s1"));
        Assert.Equal(GuardAction.Scrubbed, recorded.Action);
        Assert.Equal(["aws-access-key-id", "github-pat-classic"], recorded.Rules);
        Assert.DoesNotContain(Token, File.ReadAllText(log.FilePath), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "GRD-7")]
    [Trait("spec", "CUS-71")]
    public void The_log_rotates_past_its_bound_and_skips_lines_that_are_not_entries()
    {
        var log = new GuardLog(Path.Combine(_root, "config"));
        Directory.CreateDirectory(Path.GetDirectoryName(log.FilePath)!);
        File.WriteAllText(log.FilePath, "not json\n" + new string('x', (int)GuardLog.MaxBytes) + "\n");
        var decision = new GuardDecision(DateTimeOffset.UnixEpoch, "s9", "PreToolUse", "Bash", GuardAction.Denied, ["aws-access-key-id"], 1);

        log.Append(decision);

        Assert.True(new FileInfo(log.FilePath).Length < 1024);
        var read = Assert.Single(log.Read());
        Assert.Equal(decision with { Rules = read.Rules }, read);
        Assert.Equal(decision.Rules, read.Rules);
    }

    [Fact]
    [Trait("spec", "CUS-70")]
    public void At_mentions_are_read_as_Claude_Code_writes_them()
    {
        Assert.Equal([".env", "src/app.ts", "my notes.md", "/etc/hosts"], PromptAttachments.Mentions("see @.env, @src/app.ts#L3-9 and @\"my notes.md\" (@/etc/hosts) not a@b.c"));
    }

    /// <summary>A stream of <paramref name="total"/> copies of one byte, never held in memory.</summary>
    private sealed class RepeatingStream(byte value, long total) : Stream
    {
        private long _left = total;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _left);
            buffer.AsSpan(offset, n).Fill(value);
            _left -= n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
