using System.Text;
using Custodian.Sessions;

namespace Custodian.Feedback.Survey;

/// <summary>
/// When a session becomes eligible for the survey (SRV-2 leaves it open; CUS-21, docs/survey.md): once the person
/// has typed at least <see cref="MinUserTurns"/> prompts in it. A session that short has not shown enough of Claude
/// to be judged, and asking earlier would interrupt people who have barely started.
/// </summary>
public static class SurveyEligibility
{
    /// <summary>The prompts a session needs before the survey may appear in it.</summary>
    public const int MinUserTurns = 3;

    /// <summary>
    /// Counts the prompts a person typed in a transcript: the lines that are text the person typed in the main
    /// chain, by the same rule as a session's first prompt (<see cref="TypedPrompt"/>, LOC-9). Subagent lines,
    /// meta lines, slash commands and their output, interruption markers, task notifications, compact summaries
    /// and tool results do not count; unreadable lines are skipped (LOC-8).
    /// </summary>
    public static int CountUserTurns(string transcriptPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(transcriptPath);
        var turns = 0;
        foreach (var line in File.ReadLines(transcriptPath))
        {
            if (TypedPrompt.TextOf(Encoding.UTF8.GetBytes(line)) is not null) turns++;
        }

        return turns;
    }
}
