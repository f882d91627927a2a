using System.Text.Json.Nodes;

namespace Custodian.ClaudeCode.Testing;

/// <summary>One content block of a scripted assistant reply.</summary>
public abstract record ReplyBlock;

/// <summary>A text block.</summary>
public sealed record TextBlock(string Text) : ReplyBlock;

/// <summary>A tool call; its id is made fresh for every reply, since the client loops on a reused tool id.</summary>
public sealed record ToolUseBlock(string Name, JsonObject Input) : ReplyBlock;

/// <summary>
/// One assistant reply of a scripted conversation. A reply that calls a tool ends with <c>stop_reason</c>
/// <c>tool_use</c>, any other with <c>end_turn</c>.
/// </summary>
public sealed record ScriptedTurn(IReadOnlyList<ReplyBlock> Blocks)
{
    /// <summary>The reply the stand-in gives when a script has run out, or for a conversation with no script.</summary>
    public static readonly ScriptedTurn Default = Text("OK.");

    /// <summary>A reply of one text block.</summary>
    public static ScriptedTurn Text(string text) => new([new TextBlock(text)]);

    /// <summary>A reply that calls one tool, optionally after a sentence.</summary>
    public static ScriptedTurn Tool(string name, JsonObject input, string? preface = null) =>
        preface is null ? new([new ToolUseBlock(name, input)]) : new([new TextBlock(preface), new ToolUseBlock(name, input)]);

    /// <summary>A <c>Bash</c> call.</summary>
    public static ScriptedTurn Bash(string command) =>
        Tool("Bash", new JsonObject { ["command"] = command, ["description"] = "Run a command" });

    /// <summary>A <c>Read</c> call.</summary>
    public static ScriptedTurn Read(string filePath) => Tool("Read", new JsonObject { ["file_path"] = filePath });

    /// <summary>
    /// A subagent through the <c>Agent</c> tool. The subagent's conversation starts with <paramref name="prompt"/>,
    /// which is how a script tells it apart from the main one.
    /// </summary>
    public static ScriptedTurn Agent(string description, string prompt, string subagentType = "general-purpose") =>
        Tool("Agent", new JsonObject { ["description"] = description, ["prompt"] = prompt, ["subagent_type"] = subagentType });

    /// <summary>True when the reply calls a tool.</summary>
    public bool CallsTool
    {
        get
        {
            foreach (var block in Blocks)
            {
                if (block is ToolUseBlock) return true;
            }

            return false;
        }
    }
}
