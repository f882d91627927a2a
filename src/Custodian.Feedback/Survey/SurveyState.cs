namespace Custodian.Feedback.Survey;

/// <summary>
/// What the survey remembers across sessions, in <c>&lt;config-dir&gt;/custodian/state.json</c> (see
/// <see cref="SurveyStateStore"/>): the user's Don't ask again (SHR-2, SHR-5), the last appearance, and the
/// sessions that already had their sampling draw, so running the survey again cannot re-roll a session (SRV-2).
/// </summary>
/// <param name="DontAskAgain">The user chose Don't ask again: the follow-up is never offered again.</param>
/// <param name="LastShownAt">When the survey last appeared.</param>
/// <param name="LastShownSessionId">The session it last appeared for.</param>
/// <param name="DrawnSessions">Sessions that had their draw, oldest first, at most <see cref="MaxDrawnSessions"/>.</param>
public sealed record SurveyState(bool DontAskAgain, DateTimeOffset? LastShownAt, string? LastShownSessionId, IReadOnlyList<string> DrawnSessions)
{
    /// <summary>How many drawn sessions are remembered; older ones are forgotten first.</summary>
    public const int MaxDrawnSessions = 64;

    /// <summary>A new user's state.</summary>
    public static readonly SurveyState Empty = new(false, null, null, []);

    /// <summary>Whether <paramref name="sessionId"/> already had its draw.</summary>
    public bool WasDrawn(string sessionId) => DrawnSessions.Contains(sessionId, StringComparer.Ordinal);
}
