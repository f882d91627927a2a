using Custodian.Policy;

namespace Custodian.Feedback.Survey;

/// <summary>The answers of "How is Claude doing this session?" (SRV-1); the value is the key a person types.</summary>
public enum SurveyRating
{
    /// <summary>0: the person closed the survey without judging. Still recorded, as a rating only.</summary>
    Dismiss = 0,
    /// <summary>1: Bad.</summary>
    Bad = 1,
    /// <summary>2: Fine.</summary>
    Fine = 2,
    /// <summary>3: Good.</summary>
    Good = 3,
}

/// <summary>The answers of the transcript-share follow-up (SHR-1).</summary>
public enum FollowUpChoice
{
    /// <summary>Show what would be shared; nothing leaves until a separate confirmation (SHR-6).</summary>
    Yes,
    /// <summary>Send nothing (SHR-5).</summary>
    No,
    /// <summary>Send nothing and never offer the follow-up again (SHR-5, persisted).</summary>
    DontAskAgain,
}

/// <summary>Display names of the survey's enums.</summary>
public static class SurveyNames
{
    /// <summary><c>Bad</c>, <c>Fine</c>, <c>Good</c> or <c>Dismiss</c>.</summary>
    public static string Label(this SurveyRating rating) => rating switch
    {
        SurveyRating.Bad => "Bad",
        SurveyRating.Fine => "Fine",
        SurveyRating.Good => "Good",
        _ => "Dismiss",
    };

    /// <summary><c>bad</c>, <c>fine</c>, <c>good</c> or <c>dismiss</c>, for JSON and telemetry.</summary>
    public static string WireName(this SurveyRating rating) => rating.Label().ToLowerInvariant();
}

/// <summary>The session the survey asks about, as far as eligibility needs to know it.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="UserTurns">How many prompts the person typed in it (tool results and meta lines do not count).</param>
public sealed record SurveySession(string SessionId, int UserTurns);

/// <summary>One appearance of the survey: it has its own id, so a rating names the appearance it answers.</summary>
/// <param name="AppearanceId">A new id per appearance.</param>
/// <param name="SessionId">The session asked about.</param>
/// <param name="At">When it appeared.</param>
/// <param name="Sink">Where its rating goes (SRV-1, SRV-4, SRV-5).</param>
/// <param name="EnabledViaOtelOverride">True in OTel-override mode (SRV-4).</param>
public sealed record SurveyAppearance(string AppearanceId, string SessionId, DateTimeOffset At, SurveySink Sink, bool EnabledViaOtelOverride);

/// <summary>
/// What a rating records, and all it records (SRV-1): the rating with its session, appearance and time. There is
/// deliberately no field for a transcript, a prompt or a response.
/// </summary>
/// <param name="SessionId">The session rated.</param>
/// <param name="AppearanceId">The appearance answered.</param>
/// <param name="Rating">The rating, Dismiss included.</param>
/// <param name="At">When it was given.</param>
public sealed record RatingRecord(string SessionId, string AppearanceId, SurveyRating Rating, DateTimeOffset At);

/// <summary>The kind of a survey telemetry event (SRV-4).</summary>
public enum SurveyEventType
{
    /// <summary>The survey appeared.</summary>
    Appeared,
    /// <summary>The person answered it.</summary>
    Responded,
}

/// <summary>One <c>feedback_survey</c> event for the OpenTelemetry collector (SRV-4).</summary>
/// <param name="Type">Appeared or responded.</param>
/// <param name="Appearance">The appearance.</param>
/// <param name="Rating">The rating, for <see cref="SurveyEventType.Responded"/>.</param>
/// <param name="At">When it happened.</param>
public sealed record SurveyEvent(SurveyEventType Type, SurveyAppearance Appearance, SurveyRating? Rating, DateTimeOffset At)
{
    /// <summary>The event name Claude Code uses for survey events.</summary>
    public const string Name = "feedback_survey";
}
