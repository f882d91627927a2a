namespace Custodian.Guard;

/// <summary>One hook the guard registers: the Claude Code event, and how long Claude Code lets it run.</summary>
/// <param name="Event">The hook event name, as Claude Code spells it.</param>
/// <param name="TimeoutSeconds">
/// The handler's <c>timeout</c>. A hook that times out renders no decision and Claude Code goes on, so these are
/// generous; on SessionEnd the largest timeout also raises the 1.5 s budget all SessionEnd hooks share, which the
/// final scrub of a long session needs.
/// </param>
/// <param name="StatusMessage">What Claude Code's spinner says while the hook runs.</param>
public sealed record GuardHook(string Event, int TimeoutSeconds, string StatusMessage);

/// <summary>The hooks <c>custodian install</c> registers (GRD-1), one matcher group each, matching everything.</summary>
public static class GuardHooks
{
    /// <summary>Every hook the guard registers, in the order it writes them.</summary>
    public static IReadOnlyList<GuardHook> All { get; } =
    [
        new("UserPromptSubmit", 30, "Custodian: checking the prompt for secrets"),
        new("PreToolUse", 30, "Custodian: checking the tool call for secrets"),
        new("PostToolUse", 30, "Custodian: redacting secrets in the tool output"),
        new("SubagentStop", 60, "Custodian: scrubbing the subagent's transcript"),
        new("Stop", 60, "Custodian: scrubbing the transcript"),
        new("SessionEnd", 60, "Custodian: scrubbing the session"),
    ];
}
