using System.Globalization;
using Custodian.Policy;

namespace Custodian.Feedback.Survey;

/// <summary>Why the survey did not appear.</summary>
public enum SkipReason
{
    /// <summary>The policy turned it off (SRV-3).</summary>
    Disabled,
    /// <summary>There is no session to ask about.</summary>
    NoSession,
    /// <summary>The session is too short (<see cref="SurveyEligibility.MinUserTurns"/>).</summary>
    TooShort,
    /// <summary>The session already had its draw.</summary>
    AlreadyDrawn,
    /// <summary>The draw did not pick this session (SRV-2).</summary>
    NotSampled,
}

/// <summary>How a survey ended.</summary>
public enum SurveyEnd
{
    /// <summary>Rated; no follow-up (not offered, or after Dismiss).</summary>
    Rated,
    /// <summary>Rated, then No: nothing sent (SHR-5).</summary>
    FollowUpNo,
    /// <summary>Rated, then Don't ask again: nothing sent, persisted (SHR-5).</summary>
    FollowUpDontAskAgain,
    /// <summary>Rated, Yes, then no confirmation: nothing sent (SHR-6).</summary>
    ShareCancelled,
    /// <summary>Rated, Yes, confirmed: the share was delivered.</summary>
    Shared,
    /// <summary>The input ended before a rating: nothing recorded.</summary>
    Abandoned,
}

/// <summary>A state of one survey run. Each is an immutable value; <see cref="SurveyMachine"/> moves between them.</summary>
public abstract record SurveyStep;

/// <summary>The survey did not appear, with the rule and cause.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Rule">The spec ID that decided it.</param>
/// <param name="Because">The cause in words.</param>
public sealed record SurveySkipped(SkipReason Reason, string Rule, string Because) : SurveyStep;

/// <summary>The survey is on screen, waiting for a rating.</summary>
/// <param name="Appearance">The appearance.</param>
/// <param name="FollowUp">Whether and where the follow-up may go after a rating (from the policy, SHR-2/3/4).</param>
public sealed record AwaitingRating(SurveyAppearance Appearance, TranscriptShareDecisions FollowUp) : SurveyStep;

/// <summary>Rated; the follow-up (SHR-1) is on screen.</summary>
/// <param name="Appearance">The appearance.</param>
/// <param name="Rating">The rating given.</param>
/// <param name="Destination">Where a share would go (upload or local archive).</param>
public sealed record AwaitingFollowUp(SurveyAppearance Appearance, RatingRecord Rating, Destination Destination) : SurveyStep;

/// <summary>Yes was chosen: the payload must be prepared and shown before anything else happens.</summary>
/// <param name="Appearance">The appearance.</param>
/// <param name="Rating">The rating given.</param>
/// <param name="Destination">Where a share would go.</param>
public sealed record PreparingShare(SurveyAppearance Appearance, RatingRecord Rating, Destination Destination) : SurveyStep;

/// <summary>The exact payload is on screen; only the deliberate confirmation sends it (SHR-6).</summary>
/// <param name="Appearance">The appearance.</param>
/// <param name="Rating">The rating given.</param>
/// <param name="Preview">What would be sent.</param>
public sealed record AwaitingShareConfirmation(SurveyAppearance Appearance, RatingRecord Rating, SharePreview Preview) : SurveyStep;

/// <summary>The run is over.</summary>
/// <param name="End">How it ended.</param>
/// <param name="Rating">The rating, if one was given.</param>
public sealed record SurveyFinished(SurveyEnd End, RatingRecord? Rating) : SurveyStep;

/// <summary>Something the run must do in the world; the machine only names it.</summary>
public abstract record SurveyEffect;

/// <summary>Remember that the session had its draw and was not picked.</summary>
/// <param name="SessionId">The session.</param>
public sealed record RecordDraw(string SessionId) : SurveyEffect;

/// <summary>Remember the appearance (last shown; the session's draw).</summary>
/// <param name="Appearance">The appearance.</param>
public sealed record RecordAppearance(SurveyAppearance Appearance) : SurveyEffect;

/// <summary>Record a rating at its sink: the server, or only on the machine (SRV-1, SRV-5). Only the rating.</summary>
/// <param name="Rating">The rating.</param>
/// <param name="Sink"><see cref="SurveySink.Server"/> or <see cref="SurveySink.None"/>.</param>
public sealed record RecordRating(RatingRecord Rating, SurveySink Sink) : SurveyEffect;

/// <summary>Emit a <c>feedback_survey</c> event to the OpenTelemetry collector only (SRV-4).</summary>
/// <param name="Event">The event.</param>
public sealed record EmitSurveyEvent(SurveyEvent Event) : SurveyEffect;

/// <summary>Persist Don't ask again (SHR-5).</summary>
public sealed record PersistDontAskAgain : SurveyEffect;

/// <summary>Send or write the confirmed share (SHR-3, SHR-4).</summary>
/// <param name="Preview">Exactly what was shown and confirmed.</param>
public sealed record DeliverShare(SharePreview Preview) : SurveyEffect;

/// <summary>The result of one step: the next state, what to do, and why an input was not taken.</summary>
/// <param name="Next">The next state.</param>
/// <param name="Effects">What to do, in order.</param>
/// <param name="Rejected">When the input was not an answer: what the person should type instead.</param>
public sealed record SurveyTransition(SurveyStep Next, IReadOnlyList<SurveyEffect> Effects, string? Rejected = null);

/// <summary>
/// The survey and its follow-up as a pure state machine (SRV-1..6, SHR-1..6). It reads no file, clock or
/// random source of its own: the policy's decisions, the persisted state, the time and the draw come in, and
/// the effects to apply go out, so every rule is a test on values. It never touches the training preference
/// (SRV-6, TRN-4): no effect can change it.
/// </summary>
public sealed class SurveyMachine
{
    private readonly IRandomSource _random;
    private readonly TimeProvider _time;
    private readonly Func<DateTimeOffset, string> _newId;

    /// <summary>A machine drawing from <paramref name="random"/>, timing with <paramref name="time"/>.</summary>
    /// <param name="random">The sampling draw (SRV-2).</param>
    /// <param name="time">The clock.</param>
    /// <param name="newAppearanceId">Makes appearance ids; defaults to a time-ordered GUID.</param>
    public SurveyMachine(IRandomSource random, TimeProvider time, Func<DateTimeOffset, string>? newAppearanceId = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(time);
        _random = random;
        _time = time;
        _newId = newAppearanceId ?? (at => Guid.CreateVersion7(at).ToString());
    }

    /// <summary>
    /// Decides whether the survey appears: the policy's gates (SRV-3/4/5), the session's eligibility, one draw per
    /// session against the rate (SRV-2: shown when the draw is below the rate).
    /// </summary>
    public SurveyTransition Begin(PolicyDecisions policy, SurveyState state, SurveySession? session)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(state);
        var survey = policy.Survey;
        if (!survey.Enabled.Value)
            return Skip(SkipReason.Disabled, survey.Enabled.Rule, survey.Enabled.Because);
        if (session is null)
            return Skip(SkipReason.NoSession, "SRV-2", "there is no session to ask about");
        if (session.UserTurns < SurveyEligibility.MinUserTurns)
        {
            return Skip(SkipReason.TooShort, "SRV-2",
                $"session {session.SessionId} has {Turns(session.UserTurns)}; it becomes eligible after {SurveyEligibility.MinUserTurns} (docs/survey.md)");
        }

        if (state.WasDrawn(session.SessionId))
            return Skip(SkipReason.AlreadyDrawn, "SRV-2", $"session {session.SessionId} already had its one draw");

        var rate = survey.Rate.Value;
        var draw = _random.NextDouble();
        if (!(draw < rate))
        {
            var because = string.Create(CultureInfo.InvariantCulture, $"sampled out: the survey appears with probability {rate:0.#####} ({survey.Rate.Because})");
            return new SurveyTransition(new SurveySkipped(SkipReason.NotSampled, "SRV-2", because), [new RecordDraw(session.SessionId)]);
        }

        var now = _time.GetUtcNow();
        var viaOverride = survey.EnabledViaOtelOverride.Value;
        var appearance = new SurveyAppearance(_newId(now), session.SessionId, now, survey.Sink.Value, viaOverride);
        List<SurveyEffect> effects = [new RecordAppearance(appearance)];
        if (appearance.Sink == SurveySink.Otel)
            effects.Add(new EmitSurveyEvent(new SurveyEvent(SurveyEventType.Appeared, appearance, null, now)));
        return new SurveyTransition(new AwaitingRating(appearance, policy.TranscriptShare), effects);
    }

    /// <summary>
    /// A typed line while the survey is on screen. Only a digit 0..3 alone on the line is a rating
    /// (<see cref="SurveyInput.TryParseRating"/>); any other line leaves the survey where it is.
    /// </summary>
    public SurveyTransition Rate(AwaitingRating step, string line, SurveyState state)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(state);
        if (!SurveyInput.TryParseRating(line, out var rating))
            return new SurveyTransition(step, [], "not a rating: type 1, 2, 3 or 0 alone on the line, then Enter");

        var now = _time.GetUtcNow();
        var appearance = step.Appearance;
        var record = new RatingRecord(appearance.SessionId, appearance.AppearanceId, rating, now);
        SurveyEffect effect = appearance.Sink == SurveySink.Otel
            ? new EmitSurveyEvent(new SurveyEvent(SurveyEventType.Responded, appearance, rating, now))
            : new RecordRating(record, appearance.Sink);

        return new SurveyTransition(OffersFollowUp(step, rating, state)
            ? new AwaitingFollowUp(appearance, record, step.FollowUp.Destination.Value)
            : new SurveyFinished(SurveyEnd.Rated, record), [effect]);
    }

    /// <summary>
    /// A typed line while the follow-up is on screen: No and Don't ask again send nothing (SHR-5); Yes only asks
    /// for the payload to be prepared and shown (SHR-6). Anything else leaves the follow-up where it is.
    /// </summary>
    public static SurveyTransition FollowUp(AwaitingFollowUp step, string line)
    {
        ArgumentNullException.ThrowIfNull(step);
        return SurveyInput.ParseFollowUp(line) switch
        {
            FollowUpChoice.Yes => new SurveyTransition(new PreparingShare(step.Appearance, step.Rating, step.Destination), []),
            FollowUpChoice.No => new SurveyTransition(new SurveyFinished(SurveyEnd.FollowUpNo, step.Rating), []),
            FollowUpChoice.DontAskAgain => new SurveyTransition(
                new SurveyFinished(SurveyEnd.FollowUpDontAskAgain, step.Rating), [new PersistDontAskAgain()]),
            _ => new SurveyTransition(step, [], "type y (Yes: see what would be sent), n (No) or d (Don't ask again), then Enter"),
        };
    }

    /// <summary>The prepared payload is shown; the confirmation is next.</summary>
    public static SurveyTransition Prepared(PreparingShare step, SharePreview preview)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(preview);
        if (preview.SessionId != step.Appearance.SessionId || preview.Destination != step.Destination)
            throw new ArgumentException("the preview is not of this session and destination", nameof(preview));
        return new SurveyTransition(new AwaitingShareConfirmation(step.Appearance, step.Rating, preview), []);
    }

    /// <summary>
    /// The confirmation line: only <c>yes</c> typed in full delivers exactly the previewed payload; anything else,
    /// <c>y</c> included, ends the run with nothing sent (SHR-6).
    /// </summary>
    public static SurveyTransition Confirm(AwaitingShareConfirmation step, string line)
    {
        ArgumentNullException.ThrowIfNull(step);
        return SurveyInput.IsShareConfirmation(line)
            ? new SurveyTransition(new SurveyFinished(SurveyEnd.Shared, step.Rating), [new DeliverShare(step.Preview)])
            : new SurveyTransition(new SurveyFinished(SurveyEnd.ShareCancelled, step.Rating), []);
    }

    /// <summary>
    /// The input ended (end of file, Ctrl-D) or the person left: nothing more is recorded or sent. Before a
    /// rating, that is no rating at all; after one, it is a No.
    /// </summary>
    public static SurveyTransition Abandon(SurveyStep step) => step switch
    {
        AwaitingRating => new SurveyTransition(new SurveyFinished(SurveyEnd.Abandoned, null), []),
        AwaitingFollowUp f => new SurveyTransition(new SurveyFinished(SurveyEnd.FollowUpNo, f.Rating), []),
        PreparingShare p => new SurveyTransition(new SurveyFinished(SurveyEnd.ShareCancelled, p.Rating), []),
        AwaitingShareConfirmation c => new SurveyTransition(new SurveyFinished(SurveyEnd.ShareCancelled, c.Rating), []),
        _ => new SurveyTransition(step, []),
    };

    private static bool OffersFollowUp(AwaitingRating step, SurveyRating rating, SurveyState state) =>
        // SHR-1 offers it after a rating; Dismiss is a refusal to engage, so it is not asked then. The policy
        // already folds in SHR-2; the checks repeat the ones that must hold whatever context it was given.
        rating != SurveyRating.Dismiss
        && step.FollowUp.Offered.Value
        && step.FollowUp.Destination.Value is Destination.Upload or Destination.LocalArchive
        && !state.DontAskAgain
        && !step.Appearance.EnabledViaOtelOverride
        && step.Appearance.Sink != SurveySink.Otel;

    private static SurveyTransition Skip(SkipReason reason, string rule, string because) =>
        new(new SurveySkipped(reason, rule, because), []);

    private static string Turns(int n) => n == 1 ? "1 prompt" : $"{n} prompts";
}
