using System.Text;
using System.Text.Json;
using Custodian.Policy.Context;
using Custodian.Policy.Tests.Support;
using FsCheck;
using FsCheck.Xunit;

namespace Custodian.Policy.Tests;

/// <summary>Invariants of the policy over arbitrary valid contexts (FsCheck).</summary>
public sealed class PolicyPropertyTests
{
    private const int Runs = 400;

    /// <summary>Every decision the trace must carry (serverRetention is one entry when RET-8 applies).</summary>
    private static readonly string[] DecisionNames =
    [
        "category", "provider", "training.sessionData", "training.feedback", "training.surveyRatings", "training.sharedTranscripts",
        "serverRetention.sessionData", "serverRetention.feedback", "serverRetention.sharedTranscripts",
        "feedbackCommand.enabled", "feedbackCommand.destination",
        "survey.enabled", "survey.rate", "survey.sink", "survey.enabledViaOtelOverride",
        "transcriptShare.offered", "transcriptShare.destination",
        "localRetention.periodDays", "localRetention.sweep", "localRetention.pauseReason",
        "traffic.autoUpdate", "traffic.metrics", "traffic.errorReports", "traffic.feedbackUpload", "traffic.surveyRatings",
        "traffic.transcriptShare", "traffic.webFetchPreflight", "traffic.featureFlags", "traffic.releaseNotes",
    ];

    private static PolicyDecisions Decide(ContextCase c) => TestPolicy.Decide(c.ToContext());

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-5")]
    [Trait("spec", "DPP-2")]
    [Trait("spec", "RET-3")]
    public void Every_context_that_respects_the_combination_rules_evaluates(ContextCase c)
    {
        var outcome = PolicyEngine.Evaluate(c.ToContext());
        Assert.True(outcome.Succeeded, $"{c}: {outcome.Error}");
        Assert.Equal(c.Provider, outcome.Decisions!.Provider.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SHR-3")]
    public void Survey_ratings_and_shared_transcripts_are_never_training_data(ContextCase c)
    {
        var d = Decide(c);
        Assert.Equal(new Decision<bool>(false, "TRN-4", d.Training.SurveyRatings.Because), d.Training.SurveyRatings);
        Assert.Equal(new Decision<bool>(false, "TRN-4", d.Training.SharedTranscripts.Because), d.Training.SharedTranscripts);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "DPP-3")]
    [Trait("spec", "FBK-5")]
    public void Session_data_trains_only_for_a_consenting_consumer_or_a_program_org(ContextCase c)
    {
        var d = Decide(c);
        var consumer = !c.ThirdParty && PlanNames.CategoryOf(c.Plan) == PlanCategory.Consumer;
        Assert.Equal(consumer ? PlanCategory.Consumer : PlanCategory.Commercial, d.Category.Value);
        var expected = !c.ThirdParty && !c.Zdr && (consumer ? c.Allow : c.Dpp);
        Assert.Equal(expected, d.Training.SessionData.Value);
        Assert.Equal(expected, d.Training.Feedback.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "FLW-2")]
    [Trait("spec", "SET-3")]
    [Trait("spec", "FBK-2")]
    [Trait("spec", "SHR-2")]
    public void With_nonessential_traffic_off_only_the_WebFetch_check_stays_on(ContextCase c)
    {
        if (!c.Present(EnvNames.DisableNonessentialTraffic)) return;
        var d = Decide(c);
        var t = d.Traffic;
        Assert.False(t.AutoUpdate.Value, c.ToString());
        Assert.False(t.Metrics.Value);
        Assert.False(t.ErrorReports.Value);
        Assert.False(t.FeedbackUpload.Value);
        Assert.False(t.SurveyRatings.Value);
        Assert.False(t.TranscriptShare.Value);
        Assert.False(t.FeatureFlags.Value);
        Assert.False(t.ReleaseNotes.Value);
        Assert.Equal(c.SkipWebFetch != true, t.WebFetchPreflight.Value);
        Assert.False(d.TranscriptShare.Offered.Value);
        Assert.False(d.FeedbackCommand.Enabled.Value);
        Assert.Equal(Destination.None, d.FeedbackCommand.Destination.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "FLW-2")]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    public void Each_flow_is_on_exactly_when_no_switch_of_FLW_2_or_FLW_3_turns_it_off(ContextCase c)
    {
        var t = Decide(c).Traffic;
        var nonessential = c.Present(EnvNames.DisableNonessentialTraffic);
        var telemetry = c.Present(EnvNames.DisableTelemetry) || c.True(EnvNames.DoNotTrack);
        var platform = c.ThirdParty || c.Gateway;
        Assert.Equal(!nonessential && !c.True(EnvNames.DisableAutoUpdater), t.AutoUpdate.Value);
        Assert.Equal(!nonessential && !telemetry && !platform, t.Metrics.Value);
        Assert.Equal(!nonessential && !c.Present(EnvNames.DisableErrorReporting) && !platform, t.ErrorReports.Value);
        Assert.Equal(!nonessential && !telemetry, t.FeatureFlags.Value);
        Assert.Equal(!nonessential, t.ReleaseNotes.Value);
        Assert.Equal(c.SkipWebFetch != true, t.WebFetchPreflight.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "RET-8")]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "SHR-4")]
    [Trait("spec", "FLW-3")]
    public void A_third_party_platform_never_uploads(ContextCase c)
    {
        if (!c.ThirdParty) return;
        var d = Decide(c);
        Assert.False(d.Traffic.FeedbackUpload.Value);
        Assert.NotEqual(Destination.Upload, d.FeedbackCommand.Destination.Value);
        Assert.NotEqual(Destination.Upload, d.TranscriptShare.Destination.Value);
        Assert.False(d.Traffic.TranscriptShare.Value);
        Assert.False(d.Traffic.Metrics.Value);
        Assert.False(d.Traffic.ErrorReports.Value);
        Assert.False(d.ServerRetention.ReachesServer.Value);
        using var json = JsonDocument.Parse(PolicyJson.ToJson(d));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("serverRetention").ValueKind);
        if (d.FeedbackCommand.Enabled.Value) Assert.Equal(Destination.LocalArchive, d.FeedbackCommand.Destination.Value);
        if (d.TranscriptShare.Offered.Value) Assert.Equal(Destination.LocalArchive, d.TranscriptShare.Destination.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "FLW-3")]
    [Trait("spec", "SRV-5")]
    [Trait("spec", "SHR-4")]
    [Trait("spec", "FBK-3")]
    public void A_gateway_session_never_sends_metrics_error_reports_or_ratings_to_the_server(ContextCase c)
    {
        if (!c.Gateway) return;
        var d = Decide(c);
        Assert.False(d.Traffic.Metrics.Value);
        Assert.False(d.Traffic.ErrorReports.Value);
        Assert.False(d.Traffic.SurveyRatings.Value);
        Assert.NotEqual(SurveySink.Server, d.Survey.Sink.Value);
        Assert.False(d.Traffic.FeedbackUpload.Value);
        Assert.False(d.Traffic.TranscriptShare.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "CUS-1")]
    public void Without_server_credentials_nothing_is_uploaded(ContextCase c)
    {
        if (c.ServerCredentials) return;
        var d = Decide(c);
        Assert.False(d.Traffic.FeedbackUpload.Value);
        Assert.False(d.Traffic.TranscriptShare.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "RET-3")]
    [Trait("spec", "FBK-2")]
    [Trait("spec", "SHR-2")]
    [Trait("spec", "SRV-3")]
    public void Zero_data_retention_keeps_nothing_sends_nothing_and_leaves_the_survey_alone(ContextCase c)
    {
        if (!c.Zdr) return;
        var d = Decide(c);
        if (!c.ThirdParty)
        {
            Assert.Equal(RetentionPeriod.None, d.ServerRetention.SessionData.Value);
            Assert.Equal(RetentionPeriod.None, d.ServerRetention.Feedback.Value);
            Assert.Equal(RetentionPeriod.None, d.ServerRetention.SharedTranscripts.Value);
        }

        Assert.False(d.FeedbackCommand.Enabled.Value);
        Assert.False(d.TranscriptShare.Offered.Value);
        Assert.False(d.Training.SessionData.Value);
        Assert.False(d.Training.Feedback.Value);
        Assert.False(d.Training.SurveyRatings.Value);
        Assert.False(d.Training.SharedTranscripts.Value);

        // ZDR alone does not disable the survey: the same context without ZDR has the same survey decisions.
        var without = TestPolicy.Decide((c with { Zdr = false }).ToContext());
        Assert.Equal(without.Survey.Enabled.Value, d.Survey.Enabled.Value);
        Assert.Equal(without.Survey.Sink.Value, d.Survey.Sink.Value);
        Assert.Equal(without.Survey.EnabledViaOtelOverride.Value, d.Survey.EnabledViaOtelOverride.Value);
        Assert.Equal(without.Traffic.SurveyRatings.Value, d.Traffic.SurveyRatings.Value);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "SHR-2")]
    public void The_survey_and_its_OTel_override_follow_SRV_3_and_SRV_4(ContextCase c)
    {
        var d = Decide(c);
        var hard = c.True(EnvNames.DisableFeedbackSurvey) || c.OrgFeedbackOff;
        var soft = c.Present(EnvNames.DisableNonessentialTraffic) || c.Present(EnvNames.DisableTelemetry) || c.True(EnvNames.DoNotTrack);
        var otel = c.True(EnvNames.EnableFeedbackSurveyForOtel);

        Assert.Equal(!hard && (!soft || otel), d.Survey.Enabled.Value);
        Assert.Equal(!hard && soft && otel, d.Survey.EnabledViaOtelOverride.Value);
        if (d.Survey.EnabledViaOtelOverride.Value)
        {
            Assert.Equal(SurveySink.Otel, d.Survey.Sink.Value);
            Assert.False(d.Traffic.SurveyRatings.Value);
            Assert.False(d.TranscriptShare.Offered.Value);
            Assert.False(d.Traffic.TranscriptShare.Value);
            // "every other server-bound feedback traffic stays off" (SRV-4, CUS-16)
            Assert.NotEqual(Destination.Upload, d.FeedbackCommand.Destination.Value);
            Assert.False(d.Traffic.FeedbackUpload.Value);
        }

        if (!d.Survey.Enabled.Value)
        {
            Assert.Equal(SurveySink.None, d.Survey.Sink.Value);
            Assert.False(d.Traffic.SurveyRatings.Value);
            Assert.False(d.TranscriptShare.Offered.Value);
        }

        // The follow-up: SHR-2 in full.
        var offered = d.Survey.Enabled.Value && !d.Survey.EnabledViaOtelOverride.Value
            && !c.Present(EnvNames.DisableNonessentialTraffic) && !c.Zdr && !c.OrgFeedbackOff && !c.DontAskAgain;
        Assert.Equal(offered, d.TranscriptShare.Offered.Value);
        Assert.Equal(offered ? "SHR-1" : "SHR-2", d.TranscriptShare.Offered.Rule);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "SRV-6")]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SHR-5")]
    public void Dont_ask_again_changes_only_the_follow_up(ContextCase c)
    {
        var asked = TestPolicy.TraceMap(TestPolicy.Decide((c with { DontAskAgain = false }).ToContext()));
        var stopped = TestPolicy.TraceMap(TestPolicy.Decide((c with { DontAskAgain = true }).ToContext()));
        Assert.Equal(asked.Keys.Order(StringComparer.Ordinal), stopped.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, entry) in asked)
        {
            if (name is "transcriptShare.offered" or "transcriptShare.destination" or "traffic.transcriptShare") continue;
            Assert.Equal(entry, stopped[name]);
        }

        Assert.False(stopped["transcriptShare.offered"].Value is true);
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SRV-2")]
    [Trait("spec", "SRV-6")]
    [Trait("spec", "TRN-4")]
    public void The_survey_rate_changes_only_the_rate(ContextCase c)
    {
        var a = TestPolicy.TraceMap(TestPolicy.Decide((c with { Rate = 0.5, Published = 0.25 }).ToContext()));
        var b = TestPolicy.TraceMap(TestPolicy.Decide((c with { Rate = null, Published = null }).ToContext()));
        Assert.Equal(0.5, a["survey.rate"].Value);
        Assert.Equal(0.005, b["survey.rate"].Value);
        foreach (var (name, entry) in a)
        {
            if (name == "survey.rate") continue;
            Assert.Equal(entry, b[name]);
        }
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    public void A_switch_value_acts_as_the_spec_reads_it(ContextCase c)
    {
        // Replacing every switch value by its canonical reading ("1" when on, removed when off) changes no decision value.
        var presence = ClientEnvironment.PresenceSwitches;
        var canonical = c.Env
            .Where(e => PolicyArbitraries.SwitchNames.Contains(e.Name) ? (presence.Contains(e.Name) ? c.Present(e.Name) : c.True(e.Name)) : true)
            .Select(e => PolicyArbitraries.SwitchNames.Contains(e.Name) ? (e.Name, "1") : e)
            .ToArray();
        var original = Decide(c).Trace();
        var normalized = TestPolicy.Decide((c with { Env = canonical }).ToContext()).Trace();
        Assert.Equal(original.Select(e => (e.Decision, e.Value, e.Rule)), normalized.Select(e => (e.Decision, e.Value, e.Rule)));
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SET-6")]
    public void The_sweep_runs_exactly_when_the_period_is_known(ContextCase c)
    {
        var d = Decide(c).LocalRetention;
        var pinned = c.Days is not null && c.DaysPinned;
        var runs = pinned || (c.Problems.Length == 0 && !c.UserExcluded);
        Assert.Equal(runs, d.SweepRuns.Value);
        Assert.Equal(runs ? c.Days ?? 30 : null, d.PeriodDays.Value);
        Assert.Equal(runs, d.PauseReason.Value == SweepPauseReason.None);
        if (!runs)
        {
            var expected = c.Problems.Length == 0 ? SweepPauseReason.UserSettingsExcluded
                : c.Problems[0] == SettingsProblemKind.Unreadable ? SweepPauseReason.SettingsUnreadable
                : SweepPauseReason.SettingsInvalid;
            Assert.Equal(expected, d.PauseReason.Value);
        }
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-7")]
    [Trait("spec", "FLW-1")]
    public void Evaluation_is_deterministic(ContextCase c)
    {
        var first = Decide(c);
        var second = Decide(c);
        var rebuilt = TestPolicy.Decide(c.ToContext());
        Assert.Equal(first, second);
        Assert.Equal(first, rebuilt);
        Assert.Equal(PolicyJson.ToJson(first), PolicyJson.ToJson(rebuilt));
        Assert.Equal(PolicyJson.ToJson(first, indented: false), PolicyJson.ToJson(second, indented: false));
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-7")]
    public void Every_decision_names_a_spec_statement_and_a_cause(ContextCase c)
    {
        foreach (var entry in Decide(c).Trace())
        {
            Assert.Matches(SpecIds.WellFormed, entry.Rule);
            Assert.Contains(entry.Rule, SpecIds.All);
            Assert.False(string.IsNullOrWhiteSpace(entry.Because), $"{entry.Decision} has no cause");
        }
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-7")]
    public void The_trace_has_every_decision_and_explains_every_non_default_one(ContextCase c)
    {
        var d = Decide(c);
        var trace = d.Trace();
        var names = trace.Select(e => e.Decision).ToArray();
        var expected = d.ServerRetention.ReachesServer.Value
            ? DecisionNames
            : DecisionNames.Where(n => !n.StartsWith("serverRetention.", StringComparison.Ordinal)).Append("serverRetention").ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());

        var defaults = TestPolicy.TraceMap(TestPolicy.Decide(PolicyContext.Default));
        foreach (var entry in trace)
        {
            if (defaults.TryGetValue(entry.Decision, out var byDefault) && Equals(byDefault.Value, entry.Value)) continue;
            // A non-default decision: its explanation must not be the default's.
            Assert.True(byDefault is null || byDefault.Because != entry.Because,
                $"{entry.Decision}={TestPolicy.Text(entry.Value)} is explained like the default: {entry.Because}");
            Assert.Contains(entry.Rule, SpecIds.All);
        }
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-7")]
    public void The_json_always_parses_has_the_documented_shape_and_agrees_with_the_trace(ContextCase c)
    {
        var d = Decide(c);
        using var doc = DecisionsShape.AssertShape(PolicyJson.ToJson(d));
        var root = doc.RootElement;
        var trace = root.GetProperty("trace").EnumerateArray().ToArray();
        Assert.Equal(d.Trace().Count, trace.Length);
        foreach (var entry in trace)
        {
            var name = entry.GetProperty("decision").GetString()!;
            Assert.Equal(DecisionsShape.At(root, name).GetRawText(), entry.GetProperty("value").GetRawText());
        }
    }

    [Property(Arbitrary = new[] { typeof(PolicyArbitraries) }, MaxTest = Runs)]
    [Trait("spec", "SET-5")]
    [Trait("spec", "LOC-6")]
    public void A_context_file_written_from_the_case_reads_back_to_the_same_decisions(ContextCase c)
    {
        var noProblems = c with { Problems = [] };
        var read = PolicyContextReader.Parse(Encoding.UTF8.GetBytes(noProblems.ToContextJson()), "case.json");
        Assert.Null(read.Error);
        var fromFile = TestPolicy.Decide(read.Context!).Trace();
        var direct = TestPolicy.Decide(noProblems.ToContext()).Trace();
        Assert.Equal(direct.Select(e => (e.Decision, e.Value, e.Rule)), fromFile.Select(e => (e.Decision, e.Value, e.Rule)));
    }
}
