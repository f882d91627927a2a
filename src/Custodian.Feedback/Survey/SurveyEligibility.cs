using System.Text.Json;

namespace Custodian.Feedback.Survey;

/// <summary>
/// When a session becomes eligible for the survey (SRV-2 leaves it open; docs/survey.md): once the person has
/// typed at least <see cref="MinUserTurns"/> prompts in it. A session that short has not shown enough of Claude
/// to be judged, and asking earlier would interrupt people who have barely started.
/// </summary>
public static class SurveyEligibility
{
    /// <summary>The prompts a session needs before the survey may appear in it.</summary>
    public const int MinUserTurns = 3;

    /// <summary>
    /// Counts the prompts a person typed in a transcript: lines of type <c>user</c> that are not meta lines and
    /// whose message has text of its own (a string, or a <c>text</c> block). Tool results, which the assistant's
    /// tools write as user lines, do not count; unreadable lines are skipped (LOC-8).
    /// </summary>
    public static int CountUserTurns(string transcriptPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(transcriptPath);
        var turns = 0;
        foreach (var line in File.ReadLines(transcriptPath))
        {
            if (line.Length == 0 || !line.Contains("\"user\"", StringComparison.Ordinal)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (IsUserTurn(doc.RootElement)) turns++;
            }
            catch (JsonException)
            {
                // A bad line is not a turn; it never stops the count (LOC-8).
            }
        }

        return turns;
    }

    private static bool IsUserTurn(JsonElement line)
    {
        if (line.ValueKind != JsonValueKind.Object) return false;
        if (!line.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "user") return false;
        if (line.TryGetProperty("isMeta", out var meta) && meta.ValueKind == JsonValueKind.True) return false;
        if (!line.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object) return false;
        if (!message.TryGetProperty("content", out var content)) return false;
        if (content.ValueKind == JsonValueKind.String) return !string.IsNullOrWhiteSpace(content.GetString());
        if (content.ValueKind != JsonValueKind.Array) return false;
        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var kind)
                && kind.ValueKind == JsonValueKind.String && kind.GetString() == "text")
            {
                return true;
            }
        }

        return false;
    }
}
