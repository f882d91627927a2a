namespace Custodian.Policy;

/// <summary>Where a feedback upload or transcript share goes.</summary>
public enum Destination
{
    /// <summary>Nothing is sent or written.</summary>
    None,
    /// <summary>Uploaded to the server.</summary>
    Upload,
    /// <summary>Written to a redacted archive under <c>&lt;config-dir&gt;/feedback-bundles/</c>; nothing leaves the machine.</summary>
    LocalArchive,
}

/// <summary>Where survey ratings go.</summary>
public enum SurveySink
{
    /// <summary>Kept only on the machine.</summary>
    None,
    /// <summary>Sent to the server.</summary>
    Server,
    /// <summary>Sent to the configured OpenTelemetry collector only (SRV-4).</summary>
    Otel,
}

/// <summary>Why the local retention sweep is paused (LOC-6).</summary>
public enum SweepPauseReason
{
    /// <summary>Not paused.</summary>
    None,
    /// <summary>A settings file is invalid (malformed JSON or an invalid value).</summary>
    SettingsInvalid,
    /// <summary>A settings file exists but cannot be read.</summary>
    SettingsUnreadable,
    /// <summary>The user settings source is excluded, so the user's period is unknown.</summary>
    UserSettingsExcluded,
}

/// <summary>Whether session data may be used for training (TRN, DPP, FBK-5).</summary>
public sealed record TrainingDecisions(
    Decision<bool> SessionData,
    Decision<bool> Feedback,
    Decision<bool> SurveyRatings,
    Decision<bool> SharedTranscripts);

/// <summary>How long the server keeps each kind of data (RET). <see cref="ReachesServer"/> false means RET-8: the platform governs retention.</summary>
public sealed record ServerRetentionDecisions(
    Decision<bool> ReachesServer,
    Decision<RetentionPeriod> SessionData,
    Decision<RetentionPeriod> Feedback,
    Decision<RetentionPeriod> SharedTranscripts)
{
    /// <summary>
    /// How long Custodian's collector keeps telemetry captured under these decisions (OTL-3): as session data, except
    /// under zero data retention, where what is left is no content and is kept 30 days, like ratings (CUS-74, CUS-18).
    /// </summary>
    public RetentionPeriod Telemetry => TelemetryRetention(SessionData.Value);

    /// <summary>The telemetry retention for a session-data retention of <paramref name="sessionData"/> (CUS-74).</summary>
    public static RetentionPeriod TelemetryRetention(RetentionPeriod sessionData) =>
        sessionData.IsZero ? RetentionPeriod.ThirtyDays : sessionData;
}

/// <summary>The <c>/feedback</c> command (FBK-2, FBK-3).</summary>
public sealed record FeedbackCommandDecisions(Decision<bool> Enabled, Decision<Destination> Destination);

/// <summary>The session quality survey (SRV-2..5).</summary>
public sealed record SurveyDecisions(
    Decision<bool> Enabled,
    Decision<double> Rate,
    Decision<SurveySink> Sink,
    Decision<bool> EnabledViaOtelOverride);

/// <summary>The transcript-share follow-up (SHR-2, SHR-4).</summary>
public sealed record TranscriptShareDecisions(Decision<bool> Offered, Decision<Destination> Destination);

/// <summary>The local retention sweep (LOC-3, LOC-6). <see cref="PeriodDays"/> is null when it cannot be determined safely.</summary>
public sealed record LocalRetentionDecisions(
    Decision<long?> PeriodDays,
    Decision<bool> SweepRuns,
    Decision<SweepPauseReason> PauseReason);

/// <summary>Every optional network flow of the client (FLW-1..3): true when the flow may be opened.</summary>
public sealed record TrafficDecisions(
    Decision<bool> AutoUpdate,
    Decision<bool> Metrics,
    Decision<bool> ErrorReports,
    Decision<bool> FeedbackUpload,
    Decision<bool> SurveyRatings,
    Decision<bool> TranscriptShare,
    Decision<bool> WebFetchPreflight,
    Decision<bool> FeatureFlags,
    Decision<bool> ReleaseNotes);

/// <summary>Every decision of the data policy for one context; an immutable value.</summary>
public sealed record PolicyDecisions(
    Decision<PlanCategory> Category,
    Decision<Provider> Provider,
    TrainingDecisions Training,
    ServerRetentionDecisions ServerRetention,
    FeedbackCommandDecisions FeedbackCommand,
    SurveyDecisions Survey,
    TranscriptShareDecisions TranscriptShare,
    LocalRetentionDecisions LocalRetention,
    TrafficDecisions Traffic)
{
    /// <summary>
    /// Provider variables that were true but lost to <see cref="Provider"/> in Claude Code's order (SET-5); reported,
    /// never an error. Empty when at most one was set.
    /// </summary>
    public IReadOnlyList<IgnoredProvider> IgnoredProviders { get; init; } = [];

    /// <summary>
    /// Claude Code's OpenTelemetry export and whose collector receives it (CUS-84): not a decision of the policy
    /// (the organization's own channel is not switched by it) but what the diagram and <c>custodian policy</c> show.
    /// </summary>
    public OtelExport Telemetry { get; init; } = OtelExport.None;

    /// <summary>One trace entry per decision, in the order of the JSON document, each naming its rule and cause.</summary>
    public IReadOnlyList<TraceEntry> Trace()
    {
        var t = new List<TraceEntry>(32);
        void Add<T>(string name, Decision<T> d, object? value) => t.Add(new TraceEntry(name, value, d.Rule, d.Because));

        Add("category", Category, Category.Value.ToWireName());
        Add("provider", Provider, Provider.Value.ToWireName());
        Add("training.sessionData", Training.SessionData, Training.SessionData.Value);
        Add("training.feedback", Training.Feedback, Training.Feedback.Value);
        Add("training.surveyRatings", Training.SurveyRatings, Training.SurveyRatings.Value);
        Add("training.sharedTranscripts", Training.SharedTranscripts, Training.SharedTranscripts.Value);
        if (!ServerRetention.ReachesServer.Value)
        {
            Add("serverRetention", ServerRetention.ReachesServer, null);
        }
        else
        {
            Add("serverRetention.sessionData", ServerRetention.SessionData, ServerRetention.SessionData.Value.ToString());
            Add("serverRetention.feedback", ServerRetention.Feedback, ServerRetention.Feedback.Value.ToString());
            Add("serverRetention.sharedTranscripts", ServerRetention.SharedTranscripts, ServerRetention.SharedTranscripts.Value.ToString());
        }

        Add("feedbackCommand.enabled", FeedbackCommand.Enabled, FeedbackCommand.Enabled.Value);
        Add("feedbackCommand.destination", FeedbackCommand.Destination, FeedbackCommand.Destination.Value.ToWireName());
        Add("survey.enabled", Survey.Enabled, Survey.Enabled.Value);
        Add("survey.rate", Survey.Rate, Survey.Rate.Value);
        Add("survey.sink", Survey.Sink, Survey.Sink.Value.ToWireName());
        Add("survey.enabledViaOtelOverride", Survey.EnabledViaOtelOverride, Survey.EnabledViaOtelOverride.Value);
        Add("transcriptShare.offered", TranscriptShare.Offered, TranscriptShare.Offered.Value);
        Add("transcriptShare.destination", TranscriptShare.Destination, TranscriptShare.Destination.Value.ToWireName());
        Add("localRetention.periodDays", LocalRetention.PeriodDays, LocalRetention.PeriodDays.Value);
        Add("localRetention.sweep", LocalRetention.SweepRuns, LocalRetention.SweepRuns.Value ? "run" : "paused");
        Add("localRetention.pauseReason", LocalRetention.PauseReason, LocalRetention.PauseReason.Value.ToWireName());
        Add("traffic.autoUpdate", Traffic.AutoUpdate, Traffic.AutoUpdate.Value);
        Add("traffic.metrics", Traffic.Metrics, Traffic.Metrics.Value);
        Add("traffic.errorReports", Traffic.ErrorReports, Traffic.ErrorReports.Value);
        Add("traffic.feedbackUpload", Traffic.FeedbackUpload, Traffic.FeedbackUpload.Value);
        Add("traffic.surveyRatings", Traffic.SurveyRatings, Traffic.SurveyRatings.Value);
        Add("traffic.transcriptShare", Traffic.TranscriptShare, Traffic.TranscriptShare.Value);
        Add("traffic.webFetchPreflight", Traffic.WebFetchPreflight, Traffic.WebFetchPreflight.Value);
        Add("traffic.featureFlags", Traffic.FeatureFlags, Traffic.FeatureFlags.Value);
        Add("traffic.releaseNotes", Traffic.ReleaseNotes, Traffic.ReleaseNotes.Value);
        return t;
    }
}

/// <summary>Wire names of the decision enums, as INTERFACES.md spells them.</summary>
public static class DecisionNames
{
    /// <summary><c>none</c>, <c>upload</c> or <c>local-archive</c>.</summary>
    public static string ToWireName(this Destination destination) => destination switch
    {
        Destination.Upload => "upload",
        Destination.LocalArchive => "local-archive",
        _ => "none",
    };

    /// <summary><c>none</c>, <c>server</c> or <c>otel</c>.</summary>
    public static string ToWireName(this SurveySink sink) => sink switch
    {
        SurveySink.Server => "server",
        SurveySink.Otel => "otel",
        _ => "none",
    };

    /// <summary>null when not paused, else <c>settings-invalid</c>, <c>settings-unreadable</c> or <c>user-settings-excluded</c>.</summary>
    public static string? ToWireName(this SweepPauseReason reason) => reason switch
    {
        SweepPauseReason.SettingsInvalid => "settings-invalid",
        SweepPauseReason.SettingsUnreadable => "settings-unreadable",
        SweepPauseReason.UserSettingsExcluded => "user-settings-excluded",
        _ => null,
    };
}
