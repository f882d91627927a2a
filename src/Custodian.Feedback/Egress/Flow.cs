using Custodian.Policy;

namespace Custodian.Feedback.Egress;

/// <summary>Every network flow the client may open (FLW-1).</summary>
public enum Flow
{
    /// <summary>Installing Custodian or the assistant (distribution server). Required.</summary>
    Install,
    /// <summary>Signing in (console auth). Required.</summary>
    SignIn,
    /// <summary>Model calls (public API). Required.</summary>
    ModelCalls,
    /// <summary>The automatic update check.</summary>
    AutoUpdate,
    /// <summary>Usage metrics.</summary>
    Metrics,
    /// <summary>Error reports.</summary>
    ErrorReports,
    /// <summary><c>/feedback</c> uploads.</summary>
    FeedbackUpload,
    /// <summary>Survey ratings to the server.</summary>
    SurveyRatings,
    /// <summary>Transcript shares from the survey follow-up.</summary>
    TranscriptShare,
    /// <summary>Survey events to the user's own OpenTelemetry collector (SRV-4).</summary>
    OtelCollector,
    /// <summary>Claude Code's events (OTLP logs) to the organization's OpenTelemetry collector (OTL-1, CUS-84).</summary>
    OtelEvents,
    /// <summary>Claude Code's metrics to the organization's OpenTelemetry collector (OTL-1, CUS-84).</summary>
    OtelMetrics,
    /// <summary>The WebFetch domain safety check.</summary>
    WebFetchPreflight,
    /// <summary>Feature flags.</summary>
    FeatureFlags,
    /// <summary>Release notes.</summary>
    ReleaseNotes,
}

/// <summary>One flow of the diagram: what it is, where it goes, whether it is required, and whether the policy lets it open.</summary>
/// <param name="Flow">The flow.</param>
/// <param name="Id">A stable kebab-case id (<c>survey-ratings</c>).</param>
/// <param name="Label">A short label for diagrams.</param>
/// <param name="Destination">Where it goes.</param>
/// <param name="Required">Required flows are solid in diagrams; optional or user-initiated ones dashed.</param>
/// <param name="Enabled">Whether the policy lets it open, with the rule and the switch that decided.</param>
public sealed record FlowState(Flow Flow, string Id, string Label, string Destination, bool Required, Decision<bool> Enabled);

/// <summary>The flows of FLW-1 and how the policy's traffic decisions switch them (FLW-2, FLW-3).</summary>
public static class FlowCatalog
{
    /// <summary>The destinations, in diagram order.</summary>
    public static readonly IReadOnlyList<string> Destinations =
    [
        "Distribution server", "Console auth", "Public API", "Metrics endpoint", "Error reporting", "Custodian server",
        OtherCollector, CustodianCollector, "WebFetch check", "Feature flags", "Release notes",
    ];

    /// <summary>An OpenTelemetry collector Custodian cannot identify.</summary>
    public const string OtherCollector = "OpenTelemetry collector";

    /// <summary>The configured Custodian server's collector (CUS-84).</summary>
    public const string CustodianCollector = "Custodian collector";

    /// <summary>What Custodian's collector does with what it receives, in a few words, for diagrams (OTL-3).</summary>
    public const string CustodianCollectorDetail = "policy at ingest: redaction, ZDR, retention";

    /// <summary>A second line for a destination's box, where it has one (<see cref="CustodianCollectorDetail"/>); else null.</summary>
    public static string? DetailOf(string destination) =>
        destination == CustodianCollector ? CustodianCollectorDetail : null;

    /// <summary>The destination of <paramref name="signal"/>: Custodian's collector when its endpoint is the configured server's (CUS-84).</summary>
    public static string DestinationOf(OtelSignalExport signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return signal.Collector == OtelCollectorKind.Custodian ? CustodianCollector : OtherCollector;
    }

    /// <summary>Every flow with its state under <paramref name="decisions"/>, in diagram order.</summary>
    public static IReadOnlyList<FlowState> Evaluate(PolicyDecisions decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var t = decisions.Traffic;
        var telemetry = decisions.Telemetry;
        var required = new Decision<bool>(true, "FLW-1", "required flow");
        var otel = decisions.Survey.Sink.Value == SurveySink.Otel && decisions.Survey.Enabled.Value
            ? new Decision<bool>(true, "SRV-4", decisions.Survey.Sink.Because)
            : new Decision<bool>(false, "SRV-4", "only in OTel-override mode: " + decisions.Survey.Sink.Because);
        return
        [
            new(Flow.Install, "install", "install", "Distribution server", true, required),
            new(Flow.SignIn, "sign-in", "sign-in", "Console auth", true, required),
            new(Flow.ModelCalls, "model-calls", "model calls", "Public API", true, required),
            new(Flow.AutoUpdate, "auto-update", "auto-update", "Distribution server", false, t.AutoUpdate),
            new(Flow.Metrics, "metrics", "metrics", "Metrics endpoint", false, t.Metrics),
            new(Flow.ErrorReports, "error-reports", "error reports", "Error reporting", false, t.ErrorReports),
            new(Flow.FeedbackUpload, "feedback-upload", "/feedback", "Custodian server", false, t.FeedbackUpload),
            new(Flow.SurveyRatings, "survey-ratings", "survey ratings", "Custodian server", false, t.SurveyRatings),
            new(Flow.TranscriptShare, "transcript-share", "transcript share", "Custodian server", false, t.TranscriptShare),
            // Survey events go where Claude Code's events go: the logs endpoint.
            new(Flow.OtelCollector, "otel-survey", "survey events (OTel)", DestinationOf(telemetry.Logs), false, otel),
            new(Flow.OtelEvents, "otel-events", "events (OTel)", DestinationOf(telemetry.Logs), false, Exported(telemetry.Logs)),
            new(Flow.OtelMetrics, "otel-metrics", "metrics (OTel)", DestinationOf(telemetry.Metrics), false, Exported(telemetry.Metrics)),
            new(Flow.WebFetchPreflight, "webfetch-preflight", "WebFetch domain check", "WebFetch check", false, t.WebFetchPreflight),
            new(Flow.FeatureFlags, "feature-flags", "feature flags", "Feature flags", false, t.FeatureFlags),
            new(Flow.ReleaseNotes, "release-notes", "release notes", "Release notes", false, t.ReleaseNotes),
        ];
    }

    // The export's reason only: the destination's is in the node it points to, and a switch must stay a few words.
    private static Decision<bool> Exported(OtelSignalExport signal) => new(signal.Exported, "CUS-84", signal.ExportBecause);
}
