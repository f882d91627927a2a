namespace Custodian.Feedback.Survey;

/// <summary>
/// How typed lines become answers. The rules exist because digits and <c>y</c> are ordinary letters of ordinary
/// sentences: an answer counts only when it is the whole line, so nothing typed as part of a sentence is ever
/// taken as a rating or a Yes (docs/survey.md, "The typing rule").
/// </summary>
public static class SurveyInput
{
    /// <summary>The word a person must type, in full, before a transcript share leaves the machine (SHR-6).</summary>
    public const string ConfirmationWord = "yes";

    /// <summary>
    /// A rating is one of the digits 0, 1, 2, 3 alone on the line (spaces and tabs around it are ignored), sent
    /// with Enter. "2 cats", "I have 2 cats", "22", "2." and "2a" are not ratings.
    /// </summary>
    public static bool TryParseRating(string? line, out SurveyRating rating)
    {
        rating = SurveyRating.Dismiss;
        var text = Trim(line);
        if (text.Length != 1 || text[0] is < '0' or > '3') return false;
        rating = (SurveyRating)(text[0] - '0');
        return true;
    }

    /// <summary>
    /// The follow-up's answer, alone on the line: <c>y</c>/<c>yes</c>, <c>n</c>/<c>no</c>, <c>d</c>/<c>don't ask again</c>
    /// (any case). Anything else is no answer. Yes only opens the preview; it never sends (SHR-6).
    /// </summary>
    public static FollowUpChoice? ParseFollowUp(string? line)
    {
        var text = Trim(line).ToLowerInvariant();
        return text switch
        {
            "y" or "yes" => FollowUpChoice.Yes,
            "n" or "no" => FollowUpChoice.No,
            "d" or "don't ask again" or "dont ask again" or "don’t ask again" => FollowUpChoice.DontAskAgain,
            _ => null,
        };
    }

    /// <summary>True only for the word <c>yes</c> typed in full, alone on the line (any case). <c>y</c> is not enough (SHR-6).</summary>
    public static bool IsShareConfirmation(string? line) =>
        string.Equals(Trim(line), ConfirmationWord, StringComparison.OrdinalIgnoreCase);

    private static string Trim(string? line) => (line ?? string.Empty).Trim(' ', '\t', '\r', '\n');
}
