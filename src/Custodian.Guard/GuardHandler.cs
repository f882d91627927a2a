using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Guard.Internal;
using Custodian.Redaction;
using Custodian.Sessions;

namespace Custodian.Guard;

/// <summary>
/// Answers one Claude Code hook event (<c>custodian hook</c>): blocks prompts holding a secret (GRD-2), replaces
/// secrets in tool output in the tool's own shape (GRD-3), refuses tool calls that would carry a secret off the machine
/// (GRD-4), scrubs transcripts and history at SubagentStop, Stop and SessionEnd (GRD-5), and fails closed where the
/// event can be blocked (GRD-6). Every answer carries the decision to record (GRD-7). Never throws.
/// </summary>
public sealed class GuardHandler
{
    /// <summary>The largest hook input read; a larger one is refused (and, where the event can be blocked, blocked).</summary>
    public const int MaxInputBytes = 64 * 1024 * 1024;

    /// <summary>How much of a file a prompt attaches with <c>@path</c> is checked.</summary>
    public const int MaxAttachmentBytes = 8 * 1024 * 1024;

    /// <summary>The marker that stands for every string of a tool output the guard could not check (GRD-6).</summary>
    public const string WithheldMarker = "[REDACTED:guard-could-not-check]";

    private static readonly JsonDocumentOptions InputOptions = new() { MaxDepth = 256 };

    private readonly Redactor _redactor;
    private readonly TimeProvider _time;
    private readonly string? _home;

    /// <summary>A handler using <paramref name="redactor"/> (default: every built-in rule).</summary>
    /// <param name="redactor">The rules.</param>
    /// <param name="time">The clock for recorded decisions.</param>
    /// <param name="homeDirectory">Where <c>@~/…</c> mentions point.</param>
    public GuardHandler(Redactor? redactor = null, TimeProvider? time = null, string? homeDirectory = null)
    {
        _redactor = redactor ?? Redactor.Default;
        _time = time ?? TimeProvider.System;
        _home = homeDirectory;
    }

    /// <summary>Reads one hook event from <paramref name="stdin"/> within <see cref="MaxInputBytes"/> and answers it.</summary>
    public HookOutcome Handle(Stream stdin)
    {
        ArgumentNullException.ThrowIfNull(stdin);
        byte[]? buffer = null;
        try
        {
            buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxInputBytes) return FailClosed(null, null, null, $"the hook input is larger than {MaxInputBytes} bytes");
                    var grown = ArrayPool<byte>.Shared.Rent(Math.Min(MaxInputBytes, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }

                var read = stdin.Read(buffer, length, Math.Min(buffer.Length, MaxInputBytes) - length);
                if (read == 0) break;
                length += read;
            }

            return Handle(buffer.AsMemory(0, length));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return FailClosed(null, null, null, "the hook input could not be read: " + OneLine(e.Message));
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Answers one hook event given as its JSON text.</summary>
    public HookOutcome Handle(ReadOnlyMemory<byte> input)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input, InputOptions);
        }
        catch (JsonException e)
        {
            return FailClosed(EventNamed(input.Span), null, null, "the hook input is not JSON (" + OneLine(e.Message) + ")");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return FailClosed(null, null, null, "the hook input is not a JSON object");
            var hookEvent = String(root, "hook_event_name");
            var session = String(root, "session_id");
            var tool = String(root, "tool_name");
            var configDir = String(root, "transcript_path") is { } transcript ? ConfigDirOf(transcript) : null;
            try
            {
                return (hookEvent switch
                {
                    "UserPromptSubmit" => Prompt(root, session),
                    "PreToolUse" => ToolCall(root, session, tool),
                    "PostToolUse" => ToolOutput(root, session, tool),
                    "SubagentStop" or "Stop" or "SessionEnd" => Scrub(root, session, hookEvent),
                    null => FailClosed(null, session, tool, "the hook input names no hook_event_name"),
                    _ => Pass(hookEvent, session, tool, root),
                }) with { ConfigDir = configDir };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // RED-4 and GRD-6: whatever went wrong, the guard does not let unchecked text through where it can stop it.
                return (hookEvent == "PostToolUse" && root.TryGetProperty("tool_response", out var response)
                    ? Withhold(root, session, tool, response, OneLine(e.Message))
                    : FailClosed(hookEvent, session, tool, OneLine(e.Message))) with { ConfigDir = configDir };
            }
        }
    }

    private HookOutcome Prompt(JsonElement root, string? session)
    {
        if (!root.TryGetProperty("prompt", out var promptElement) || promptElement.ValueKind != JsonValueKind.String)
            return FailClosed("UserPromptSubmit", session, null, "the UserPromptSubmit input has no prompt string");
        var prompt = promptElement.GetString()!;
        var places = new List<string>();
        var rules = new List<string>();
        var count = 0;
        foreach (var found in _redactor.Detect(prompt))
        {
            count++;
            AddRule(rules, found.RuleId);
            if (places.Count < 10) places.Add($"{found.RuleId} at {Position(prompt, found.Start)} of the prompt");
        }

        var cwd = String(root, "cwd");
        foreach (var mention in PromptAttachments.Mentions(prompt))
        {
            var path = PromptAttachments.Resolve(mention, cwd, _home);
            if (path is null || !File.Exists(path)) continue;
            var text = ReadAttachment(path);
            if (text is null) continue;
            foreach (var found in _redactor.Detect(text))
            {
                count++;
                AddRule(rules, found.RuleId);
                if (places.Count < 10) places.Add($"{found.RuleId} at {Position(text, found.Start)} of @{mention}");
            }
        }

        if (count == 0) return Outcome(0, null, null, "UserPromptSubmit", session, null, GuardAction.Allowed, rules, 0, root);

        var reason = $"Custodian blocked this prompt: it holds {Plural(count, "secret")} ({string.Join("; ", places)}{(count > places.Count ? "; …" : "")}). "
            + "Nothing was sent to the model. Replace each value with a placeholder or a reference to where it is kept (an environment variable, a file) and send the prompt again.";
        return Outcome(2, Json(w =>
        {
            w.WriteString("decision", "block");
            w.WriteString("reason", reason);
            w.WriteStartObject("hookSpecificOutput");
            w.WriteString("hookEventName", "UserPromptSubmit");
            w.WriteBoolean("suppressOriginalPrompt", true);
            w.WriteEndObject();
        }), reason, "UserPromptSubmit", session, null, GuardAction.Blocked, rules, count, root);
    }

    private HookOutcome ToolCall(JsonElement root, string? session, string? tool)
    {
        if (!root.TryGetProperty("tool_input", out var input))
            return FailClosed("PreToolUse", session, tool, "the PreToolUse input has no tool_input");
        if (!CarriesOffTheMachine(tool)) return Outcome(0, null, null, "PreToolUse", session, tool, GuardAction.Allowed, [], 0, root);
        var rules = new List<string>();
        var count = 0;
        foreach (var found in _redactor.Detect(input.GetRawText()))
        {
            count++;
            AddRule(rules, found.RuleId);
        }

        if (count == 0) return Outcome(0, null, null, "PreToolUse", session, tool, GuardAction.Allowed, rules, 0, root);
        var reason = $"Custodian refused this {tool} call: its input holds {Plural(count, "secret")} ({string.Join(", ", rules)}) that would leave the machine with it. "
            + "Do not write the secret's value into the call: refer to it where it is kept (an environment variable such as \"$API_TOKEN\" or a file the command reads), or ask the person to run this step themselves.";
        return Outcome(2, Json(w =>
        {
            w.WriteStartObject("hookSpecificOutput");
            w.WriteString("hookEventName", "PreToolUse");
            w.WriteString("permissionDecision", "deny");
            w.WriteString("permissionDecisionReason", reason);
            w.WriteEndObject();
        }), reason, "PreToolUse", session, tool, GuardAction.Denied, rules, count, root);
    }

    /// <summary>Tools whose input leaves the machine: a shell command can reach any host, a URL or query goes out, an MCP server is another program.</summary>
    private static bool CarriesOffTheMachine(string? tool) =>
        tool is "Bash" or "PowerShell" or "WebFetch" or "WebSearch" || tool?.StartsWith("mcp__", StringComparison.Ordinal) == true;

    private HookOutcome ToolOutput(JsonElement root, string? session, string? tool)
    {
        if (!root.TryGetProperty("tool_response", out var response))
            return FailClosed("PostToolUse", session, tool, "the PostToolUse input has no tool_response");
        // The engine keeps JSON text valid (RED-1), so redacting the response's own JSON keeps the tool's shape,
        // which Claude Code requires of updatedToolOutput for built-in tools.
        var raw = response.GetRawText();
        var redacted = _redactor.Redact(raw, out var report);
        if (report.IsEmpty) return Outcome(0, null, null, "PostToolUse", session, tool, GuardAction.Allowed, [], 0, root);
        using (JsonDocument.Parse(redacted, InputOptions))
        {
            // Parsed: still the same JSON shape, markers in place of secrets.
        }

        var rules = new List<string>(report.Counts.Keys);
        rules.Sort(StringComparer.Ordinal);
        return Outcome(0, UpdatedToolOutput(redacted), null, "PostToolUse", session, tool, GuardAction.Redacted, rules, (int)Math.Min(int.MaxValue, report.Total), root);
    }

    /// <summary>The tool output with every string replaced by <see cref="WithheldMarker"/>: its shape, none of its text.</summary>
    private HookOutcome Withhold(JsonElement root, string? session, string? tool, JsonElement response, string why)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteWithheld(writer, response);
        }

        return Outcome(0, UpdatedToolOutput(Encoding.UTF8.GetString(buffer.WrittenSpan)), null, "PostToolUse", session, tool, GuardAction.FailedClosed, [], 0, root,
            "the output could not be checked, so it was withheld: " + why);
    }

    private static void WriteWithheld(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    WriteWithheld(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteWithheld(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(WithheldMarker);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private HookOutcome Scrub(JsonElement root, string? session, string hookEvent)
    {
        var transcript = String(root, "transcript_path");
        var configDir = transcript is null ? null : ConfigDirOf(transcript);
        if (transcript is null || configDir is null)
            return Outcome(0, null, null, hookEvent, session, null, GuardAction.Failed, [], 0, root, "no transcript_path under a projects folder to scrub");
        var scrubber = new TranscriptScrubber(new ClaudeLayout(configDir), _redactor);
        var total = RedactionReport.Empty;
        var errors = new List<string>();
        foreach (var attempt in new[] { 0, 1, 2 })
        {
            // A live session may append while a file is rewritten; the scrubber then leaves that file as it was.
            if (attempt > 0) Thread.Sleep(100 * attempt);
            var report = scrubber.ScrubSession(transcript);
            total = total.Add(report.Total);
            errors = [.. report.Errors.Select(e => e.ToString())];
            if (errors.Count == 0) break;
        }

        var history = scrubber.ScrubHistory();
        total = total.Add(history.Total);
        errors.AddRange(history.Errors.Select(e => e.ToString()));
        var rules = new List<string>(total.Counts.Keys);
        rules.Sort(StringComparer.Ordinal);
        var count = (int)Math.Min(int.MaxValue, total.Total);
        if (errors.Count > 0)
        {
            // Never exit 2 here: on Stop that would make Claude go on working.
            var detail = "not every file could be scrubbed: " + OneLine(errors[0]) + (errors.Count > 1 ? $" (and {errors.Count - 1} more)" : "");
            return Outcome(1, null, "Custodian: " + detail + "; run custodian scrub", hookEvent, session, null, GuardAction.Failed, rules, count, root, detail);
        }

        return Outcome(0, null, null, hookEvent, session, null, count > 0 ? GuardAction.Scrubbed : GuardAction.Allowed, rules, count, root);
    }

    /// <summary>The config dir of a transcript: the folder above the <c>projects</c> folder it is in.</summary>
    public static string? ConfigDirOf(string transcriptPath)
    {
        try
        {
            for (var dir = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(transcriptPath))!); dir?.Parent is not null; dir = dir.Parent)
            {
                if (dir.Name == "projects") return dir.Parent.FullName;
            }
        }
        catch (ArgumentException)
        {
        }

        return null;
    }

    private HookOutcome Pass(string hookEvent, string? session, string? tool, JsonElement root) =>
        Outcome(0, null, null, hookEvent, session, tool, GuardAction.Allowed, [], 0, root);

    /// <summary>GRD-6: blocks where the event can be blocked, with one line saying why; never lets unchecked text through.</summary>
    private HookOutcome FailClosed(string? hookEvent, string? session, string? tool, string why)
    {
        var what = hookEvent switch
        {
            "UserPromptSubmit" => "blocked this prompt",
            "PreToolUse" => "refused this tool call",
            "PostToolUse" => "withheld this tool output",
            _ => "stopped this step",
        };
        var reason = $"Custodian {what} because the guard could not check it: {why}. Nothing unchecked was let through; run custodian guard log for details.";
        string? stdout = hookEvent switch
        {
            "PreToolUse" => Json(w =>
            {
                w.WriteStartObject("hookSpecificOutput");
                w.WriteString("hookEventName", "PreToolUse");
                w.WriteString("permissionDecision", "deny");
                w.WriteString("permissionDecisionReason", reason);
                w.WriteEndObject();
            }),
            "UserPromptSubmit" or "PostToolUse" => Json(w =>
            {
                w.WriteString("decision", "block");
                w.WriteString("reason", reason);
            }),
            _ => null,
        };
        var decision = new GuardDecision(_time.GetUtcNow(), session, hookEvent ?? "unknown", tool, GuardAction.FailedClosed, [], 0, why);
        return new HookOutcome(2, stdout, reason, decision);
    }

    private HookOutcome Outcome(int exitCode, string? stdout, string? stderr, string hookEvent, string? session, string? tool, GuardAction action,
        IReadOnlyList<string> rules, int count, JsonElement root, string? detail = null) =>
        new(exitCode, stdout, stderr, new GuardDecision(_time.GetUtcNow(), session, hookEvent, tool, action, rules, count, detail, String(root, "agent_id")));

    private static string UpdatedToolOutput(string toolResponseJson) => Json(w =>
    {
        w.WriteStartObject("hookSpecificOutput");
        w.WriteString("hookEventName", "PostToolUse");
        w.WritePropertyName("updatedToolOutput");
        w.WriteRawValue(toolResponseJson, skipInputValidation: true);
        w.WriteEndObject();
    });

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string? ReadAttachment(string path)
    {
        try
        {
            var info = new FileInfo(path);
            // A FIFO, a device or a socket reports no size, and opening one could wait for a writer (or read without
            // end) while Claude Code waits for the hook: only files with contents are read. An empty file holds no secret.
            if ((info.Attributes & FileAttributes.Directory) != 0 || info.Length == 0) return null;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var buffer = new byte[(int)Math.Min(MaxAttachmentBytes, Math.Max(0, info.Length))];
            var filled = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer, 0, filled);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // What Claude Code cannot read either, it does not attach.
            return null;
        }
    }

    /// <summary>The event name of an input that is not JSON, if its text still shows one, so the failure blocks the right way.</summary>
    private static string? EventNamed(ReadOnlySpan<byte> input)
    {
        foreach (var name in (string[])["UserPromptSubmit", "PreToolUse", "PostToolUse", "SubagentStop", "SessionEnd", "Stop"])
        {
            if (input.IndexOf(Encoding.UTF8.GetBytes("\"" + name + "\"")) >= 0) return name;
        }

        return null;
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void AddRule(List<string> rules, string rule)
    {
        if (!rules.Contains(rule)) rules.Add(rule);
    }

    /// <summary>"line L, column C" (1-based) of <paramref name="offset"/> in <paramref name="text"/>.</summary>
    private static string Position(string text, int offset)
    {
        var before = text.AsSpan(0, offset);
        var line = before.Count('\n') + 1;
        var column = offset - (before.LastIndexOf('\n') + 1) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}");
    }

    private static string Plural(int n, string word) => string.Create(CultureInfo.InvariantCulture, $"{n} {word}{(n == 1 ? "" : "s")}");

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
