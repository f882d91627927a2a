namespace Custodian.Guard;

/// <summary>What the guard did about one hook event.</summary>
public enum GuardAction
{
    /// <summary>Nothing to do: no secret found, the event passes unchanged.</summary>
    Allowed,

    /// <summary>A prompt holding a secret was blocked (GRD-2).</summary>
    Blocked,

    /// <summary>Tool output went on with its secrets replaced by markers (GRD-3).</summary>
    Redacted,

    /// <summary>A tool call that would carry a secret off the machine was refused (GRD-4).</summary>
    Denied,

    /// <summary>Transcripts and history were scrubbed of what was written anyway (GRD-5).</summary>
    Scrubbed,

    /// <summary>The guard could not decide and blocked, or withheld the output (GRD-6).</summary>
    FailedClosed,

    /// <summary>The guard could not do its work where it cannot block (a scrub that failed); the session goes on.</summary>
    Failed,
}

/// <summary>The names of <see cref="GuardAction"/>s, as the guard log and <c>custodian guard log</c> write them.</summary>
public static class GuardActions
{
    /// <summary>The action's name: <c>allowed</c>, <c>blocked</c>, <c>redacted</c>, <c>denied</c>, <c>scrubbed</c>, <c>failed-closed</c>, <c>failed</c>.</summary>
    public static string NameOf(GuardAction action) => action switch
    {
        GuardAction.Allowed => "allowed",
        GuardAction.Blocked => "blocked",
        GuardAction.Redacted => "redacted",
        GuardAction.Denied => "denied",
        GuardAction.Scrubbed => "scrubbed",
        GuardAction.FailedClosed => "failed-closed",
        _ => "failed",
    };

    /// <summary>The action named <paramref name="name"/>.</summary>
    public static bool TryParse(string? name, out GuardAction action)
    {
        foreach (var candidate in Enum.GetValues<GuardAction>())
        {
            if (NameOf(candidate) == name)
            {
                action = candidate;
                return true;
            }
        }

        action = default;
        return false;
    }
}

/// <summary>
/// One decision of the guard, as recorded on the machine (GRD-7): when, which session, event and tool, which rules
/// matched and what was done. Never the secret, nor the text around it.
/// </summary>
/// <param name="Time">When the decision was made.</param>
/// <param name="SessionId">The Claude Code session, when the event named one.</param>
/// <param name="Event">The hook event (<c>UserPromptSubmit</c>, <c>PostToolUse</c>, …).</param>
/// <param name="Tool">The tool, for tool events.</param>
/// <param name="Action">What was done.</param>
/// <param name="Rules">The ids of the rules that matched, each once, in order of first match.</param>
/// <param name="Count">How many secrets were found (or replaced).</param>
/// <param name="Detail">For failures: why, in one line that holds no input text.</param>
/// <param name="AgentId">The subagent, for events inside one.</param>
public sealed record GuardDecision(
    DateTimeOffset Time,
    string? SessionId,
    string Event,
    string? Tool,
    GuardAction Action,
    IReadOnlyList<string> Rules,
    int Count,
    string? Detail = null,
    string? AgentId = null);

/// <summary>
/// The guard's answer to Claude Code for one hook event, per its hook contract: the exit code, what goes to stdout
/// (a JSON object or nothing) and to stderr, and the decision to record.
/// </summary>
/// <param name="ExitCode">0, or 2 to block where the event can be blocked.</param>
/// <param name="Stdout">The JSON answer, or null for none.</param>
/// <param name="Stderr">One line for Claude Code (the block reason with exit 2), or null.</param>
/// <param name="Decision">What to record.</param>
/// <param name="ConfigDir">The config dir of the event's session (from its transcript path), where the decision is recorded.</param>
public sealed record HookOutcome(int ExitCode, string? Stdout, string? Stderr, GuardDecision Decision, string? ConfigDir = null);
