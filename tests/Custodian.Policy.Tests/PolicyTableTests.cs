using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary>
/// Table-driven tests over many contexts: every plan × provider × the key switches and choices. Each row names
/// the decisions it changes (value and rule, as <c>decision=value@RULE</c>); every decision a row does not name
/// must stay exactly as in the row's reference context, so a row pins the whole decisions value.
/// </summary>
public sealed class PolicyTableTests
{
    private static readonly string[] Plans = ["free", "pro", "max", "team", "enterprise", "api", "gov"];
    private static readonly string[] ThirdParties = ["bedrock", "vertex", "foundry", "anthropic-aws"];

    private const string SurveyOff =
        "survey.enabled=false@SRV-3 survey.sink=none@SRV-3 traffic.surveyRatings=false@SRV-3 " + ShareOff;
    private const string ShareOff =
        "transcriptShare.offered=false@SHR-2 transcriptShare.destination=none@SHR-2 traffic.transcriptShare=false@SHR-2";
    private const string FeedbackOff =
        "feedbackCommand.enabled=false@FBK-2 feedbackCommand.destination=none@FBK-2 traffic.feedbackUpload=false@FBK-2";
    private const string TelemetryOff = SurveyOff + " traffic.metrics=false@FLW-2 traffic.featureFlags=false@FLW-2";
    private const string NonessentialFlowsOff =
        "traffic.autoUpdate=false@FLW-2 traffic.metrics=false@FLW-2 traffic.errorReports=false@FLW-2 "
        + "traffic.featureFlags=false@FLW-2 traffic.releaseNotes=false@FLW-2 " + FeedbackOff;
    private const string NonessentialOff = NonessentialFlowsOff + " " + SurveyOff;
    /// <summary>In OTel-override mode nothing feedback-related goes to the server: /feedback writes the local archive (CUS-16).</summary>
    private const string OtelFeedbackLocal = " feedbackCommand.destination=local-archive@SRV-4 traffic.feedbackUpload=false@SRV-4";

    private const string OtelSurvey =
        "survey.enabled=true@SRV-4 survey.sink=otel@SRV-4 survey.enabledViaOtelOverride=true@SRV-4 traffic.surveyRatings=false@SRV-4 " + ShareOff;

    /// <summary>Context spec → the decisions it changes relative to the same plan with no variable and no knob.</summary>
    private static readonly (string Spec, string Changes)[] SwitchRows =
    [
        ("", ""),
        ("DISABLE_TELEMETRY=1", TelemetryOff),
        ("DISABLE_TELEMETRY=0", TelemetryOff),
        ("DISABLE_TELEMETRY=false", TelemetryOff),
        ("DISABLE_TELEMETRY=", ""),
        ("DO_NOT_TRACK=1", TelemetryOff),
        ("DO_NOT_TRACK=ON", TelemetryOff),
        ("DO_NOT_TRACK=0", ""),
        ("DO_NOT_TRACK=false", ""),
        ("DO_NOT_TRACK=off", ""),
        ("DISABLE_ERROR_REPORTING=1", "traffic.errorReports=false@FLW-2"),
        ("DISABLE_ERROR_REPORTING=0", "traffic.errorReports=false@FLW-2"),
        ("DISABLE_ERROR_REPORTING=", ""),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", NonessentialOff),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0", NonessentialOff),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=false", NonessentialOff),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=off", NonessentialOff),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=", ""),
        ("DISABLE_FEEDBACK_COMMAND=1", FeedbackOff),
        ("DISABLE_FEEDBACK_COMMAND=0", ""),
        ("DISABLE_BUG_COMMAND=true", FeedbackOff),
        ("DISABLE_BUG_COMMAND=off", ""),
        ("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1", SurveyOff),
        ("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=yes", SurveyOff),
        ("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=0", ""),
        ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1", ""),
        ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1;DISABLE_TELEMETRY=1",
            OtelSurvey + OtelFeedbackLocal + " traffic.metrics=false@FLW-2 traffic.featureFlags=false@FLW-2"),
        ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=true;DO_NOT_TRACK=yes",
            OtelSurvey + OtelFeedbackLocal + " traffic.metrics=false@FLW-2 traffic.featureFlags=false@FLW-2"),
        ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1;CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
            NonessentialFlowsOff + " " + OtelSurvey),
        ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1;DISABLE_TELEMETRY=1;CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1",
            TelemetryOff),
        ("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=0;DISABLE_TELEMETRY=1", TelemetryOff),
        ("DISABLE_AUTOUPDATER=1", "traffic.autoUpdate=false@CUS-2"),
        ("DISABLE_AUTOUPDATER=0", ""),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1;DISABLE_TELEMETRY=1;DO_NOT_TRACK=1;DISABLE_ERROR_REPORTING=1;DISABLE_FEEDBACK_COMMAND=1;DISABLE_AUTOUPDATER=1",
            NonessentialOff),
        ("CLAUDE_CODE_USE_BEDROCK=0;CLAUDE_CODE_USE_VERTEX=false;SOME_OTHER_VARIABLE=1", ""),
        ("+noCredentials",
            "feedbackCommand.destination=local-archive@FBK-3 traffic.feedbackUpload=false@FBK-3 "
            + "transcriptShare.destination=local-archive@CUS-1 traffic.transcriptShare=false@CUS-1"),
        ("+dontAskAgain", ShareOff),
        ("+orgFeedbackOff", FeedbackOff + " " + SurveyOff),
        ("+orgFeedbackOff;DISABLE_TELEMETRY=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1",
            FeedbackOff + " " + TelemetryOff),
        ("+skipWebFetch", "traffic.webFetchPreflight=false@FLW-2"),
        ("+skipWebFetch;CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", NonessentialOff + " traffic.webFetchPreflight=false@FLW-2"),
        ("+days=7", "localRetention.periodDays=7@LOC-3"),
        ("+pinned=14", "localRetention.periodDays=14@LOC-6 localRetention.sweep=run@LOC-6"),
        ("+invalidDays", "localRetention.periodDays=null@SET-6 localRetention.sweep=paused@LOC-6 localRetention.pauseReason=settings-invalid@LOC-6"),
        ("+unreadable;+days=9", "localRetention.periodDays=null@SET-6 localRetention.sweep=paused@LOC-6 localRetention.pauseReason=settings-unreadable@LOC-6"),
        ("+userExcluded", "localRetention.periodDays=null@LOC-6 localRetention.sweep=paused@LOC-6 localRetention.pauseReason=user-settings-excluded@LOC-6"),
        ("+pinned=3;+invalidDays;+userExcluded", "localRetention.periodDays=3@LOC-6 localRetention.sweep=run@LOC-6"),
        ("+rate=0.25", "survey.rate=0.25@SRV-2"),
        ("+published=0.02", "survey.rate=0.02@SRV-2"),
        ("+published=0.02;+rate=1", "survey.rate=1@SRV-2"),
        ("+rate=0;DISABLE_TELEMETRY=1", TelemetryOff + " survey.rate=0@SRV-2"),
    ];

    public static TheoryData<string, string, string> SwitchesForEveryPlan()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var plan in Plans)
        {
            foreach (var (spec, changes) in SwitchRows)
            {
                data.Add(plan, spec, changes);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SwitchesForEveryPlan))]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    [Trait("spec", "FLW-1")]
    [Trait("spec", "FLW-2")]
    [Trait("spec", "FBK-2")]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "SRV-2")]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "SHR-2")]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    public void First_party_switches_change_exactly_the_listed_decisions(string plan, string spec, string changes)
    {
        var reference = TestPolicy.Decide(ContextSpec.Build(plan, ""));
        var actual = TestPolicy.Decide(ContextSpec.Build(plan, spec));
        AssertChanges(reference, actual, changes);
    }

    /// <summary>Provider × gateway × plan × the user's choice, relative to the same plan on the first-party API without gateway.</summary>
    public static TheoryData<string, string, bool, bool, string> ProvidersAndGateways()
    {
        var data = new TheoryData<string, string, bool, bool, string>();
        foreach (var plan in Plans)
        {
            foreach (var provider in ThirdParties.Prepend("anthropic"))
            {
                foreach (var gateway in new[] { false, true })
                {
                    foreach (var allow in new[] { false, true })
                    {
                        var changes = new List<string>();
                        if (provider != "anthropic")
                        {
                            changes.Add("category=commercial@TRN-2");
                            changes.Add($"provider={provider}@SET-5");
                            changes.Add("training.sessionData=false@TRN-2");
                            changes.Add("training.feedback=false@FBK-5");
                            changes.Add("serverRetention=null@RET-8");
                            changes.Add("feedbackCommand.destination=local-archive@FBK-3");
                            changes.Add("traffic.feedbackUpload=false@FBK-3");
                            changes.Add("transcriptShare.destination=local-archive@SHR-4");
                            changes.Add("traffic.transcriptShare=false@SHR-4");
                            changes.Add("traffic.metrics=false@FLW-3");
                            changes.Add("traffic.errorReports=false@FLW-3");
                        }

                        if (gateway)
                        {
                            changes.Add("feedbackCommand.destination=local-archive@FBK-3");
                            changes.Add("traffic.feedbackUpload=false@FBK-3");
                            changes.Add("transcriptShare.destination=local-archive@SHR-4");
                            changes.Add("traffic.transcriptShare=false@SHR-4");
                            changes.Add("traffic.metrics=false@FLW-3");
                            changes.Add("traffic.errorReports=false@FLW-3");
                            changes.Add("survey.sink=none@SRV-5");
                            changes.Add("traffic.surveyRatings=false@SRV-5");
                        }

                        data.Add(plan, provider, gateway, allow, string.Join(' ', changes.Distinct()));
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProvidersAndGateways))]
    [Trait("spec", "SET-5")]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "RET-8")]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "SHR-4")]
    [Trait("spec", "SRV-5")]
    [Trait("spec", "FLW-3")]
    public void Providers_and_gateways_change_exactly_the_listed_decisions(string plan, string provider, bool gateway, bool allow, string changes)
    {
        var knobs = (allow ? "+allow;" : "") + (gateway ? "+gateway;" : "");
        var providerVariable = provider == "anthropic"
            ? ""
            : ClientEnvironment.ProviderVariables.Single(p => p.Provider.ToWireName() == provider).Variable + "=1";
        var reference = TestPolicy.Decide(ContextSpec.Build(plan, allow ? "+allow" : ""));
        var actual = TestPolicy.Decide(ContextSpec.Build(plan, knobs + providerVariable));
        AssertChanges(reference, actual, changes);
    }

    /// <summary>Every switch row on every third-party platform and on a gateway: the platform's rules hold on top of the switch.</summary>
    public static TheoryData<string, string, string> SwitchesOnPlatformsAndGateways()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var where in ThirdParties.Append("gateway"))
        {
            foreach (var (spec, _) in SwitchRows)
            {
                data.Add(where == "gateway" ? "team" : "pro", where, spec);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SwitchesOnPlatformsAndGateways))]
    [Trait("spec", "FLW-3")]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "SHR-4")]
    [Trait("spec", "SRV-5")]
    public void On_platforms_and_gateways_switches_keep_their_effect_and_nothing_is_uploaded(string plan, string where, string spec)
    {
        var firstParty = TestPolicy.Decide(ContextSpec.Build(plan, spec));
        var placed = where == "gateway"
            ? spec + ";+gateway"
            : spec + ";" + ClientEnvironment.ProviderVariables.Single(p => p.Provider.ToWireName() == where).Variable + "=1";
        var d = TestPolicy.Decide(ContextSpec.Build(plan, placed));
        var f = TestPolicy.TraceMap(firstParty);
        var t = TestPolicy.TraceMap(d);

        // Decisions that do not depend on where the session runs.
        foreach (var name in new[]
        {
            "survey.enabled", "survey.rate", "survey.enabledViaOtelOverride", "feedbackCommand.enabled", "transcriptShare.offered",
            "localRetention.periodDays", "localRetention.sweep", "localRetention.pauseReason",
            "traffic.autoUpdate", "traffic.webFetchPreflight", "traffic.featureFlags", "traffic.releaseNotes",
            "training.surveyRatings", "training.sharedTranscripts",
        })
        {
            Assert.True(
                Equals(f[name].Value, t[name].Value) && f[name].Rule == t[name].Rule,
                $"{name}: first party {TestPolicy.Text(f[name].Value)}@{f[name].Rule}, {where} {TestPolicy.Text(t[name].Value)}@{t[name].Rule}");
        }

        // What the platform or gateway forces.
        var expected = new List<string>
        {
            "traffic.metrics=false@FLW-3",
            "traffic.errorReports=false@FLW-3",
            d.FeedbackCommand.Enabled.Value ? "feedbackCommand.destination=local-archive@FBK-3" : "feedbackCommand.destination=none@FBK-2",
            d.TranscriptShare.Offered.Value ? "transcriptShare.destination=local-archive@SHR-4" : "transcriptShare.destination=none@SHR-2",
        };
        if (where == "gateway" && f["survey.sink"].Value is "server")
        {
            expected.Add("survey.sink=none@SRV-5");
        }
        else
        {
            expected.Add($"survey.sink={TestPolicy.Text(f["survey.sink"].Value)}@{f["survey.sink"].Rule}");
        }

        TestPolicy.AssertTrace(d, expected);
        Assert.False(d.Traffic.FeedbackUpload.Value);
        Assert.False(d.Traffic.TranscriptShare.Value);
        Assert.Equal(where != "gateway" && firstParty.Traffic.SurveyRatings.Value, d.Traffic.SurveyRatings.Value);
    }

    /// <summary>Training, retention and category for every plan × provider × the user's and org's choices.</summary>
    public static TheoryData<string, string, string, string> TrainingAndRetention()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var plan in Plans)
        {
            var consumer = plan is "free" or "pro" or "max";
            foreach (var provider in ThirdParties.Prepend("anthropic"))
            {
                foreach (var allow in new[] { false, true })
                {
                    foreach (var org in new[] { "", "+dpp", "+zdr", "+orgFeedbackOff" })
                    {
                        if (org == "+dpp" && (plan != "api" || provider != "anthropic")) continue;
                        if (org == "+zdr" && plan != "enterprise") continue;
                        var e = new List<string> { "training.surveyRatings=false@TRN-4", "training.sharedTranscripts=false@TRN-4" };
                        if (provider != "anthropic")
                        {
                            e.Add("category=commercial@TRN-2");
                            e.Add("training.sessionData=false@TRN-2");
                            e.Add("training.feedback=false@FBK-5");
                            e.Add("serverRetention=null@RET-8");
                        }
                        else if (org == "+zdr")
                        {
                            e.Add("category=commercial@TRN-2");
                            e.Add("training.sessionData=false@RET-3");
                            e.Add("training.feedback=false@FBK-5");
                            e.Add("serverRetention.sessionData=P0D@RET-3");
                            e.Add("serverRetention.feedback=P0D@RET-3");
                            e.Add("serverRetention.sharedTranscripts=P0D@RET-3");
                        }
                        else
                        {
                            var trains = consumer ? allow : org == "+dpp";
                            var rule = consumer ? "TRN-1" : org == "+dpp" ? "DPP-3" : "TRN-2";
                            e.Add(consumer ? "category=consumer@TRN-1" : "category=commercial@TRN-2");
                            e.Add($"training.sessionData={(trains ? "true" : "false")}@{rule}");
                            e.Add($"training.feedback={(trains ? "true" : "false")}@FBK-5");
                            e.Add(consumer
                                ? $"serverRetention.sessionData={(allow ? "P5Y" : "P30D")}@RET-1"
                                : "serverRetention.sessionData=P30D@RET-2");
                            e.Add("serverRetention.feedback=P5Y@RET-4");
                            e.Add("serverRetention.sharedTranscripts=P6M@RET-5");
                        }

                        var variable = provider == "anthropic"
                            ? ""
                            : ";" + ClientEnvironment.ProviderVariables.Single(p => p.Provider.ToWireName() == provider).Variable + "=true";
                        data.Add(plan, provider, (allow ? "+allow;" : "") + org + variable, string.Join(' ', e));
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TrainingAndRetention))]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "DPP-1")]
    [Trait("spec", "DPP-3")]
    [Trait("spec", "RET-1")]
    [Trait("spec", "RET-2")]
    [Trait("spec", "RET-3")]
    [Trait("spec", "RET-4")]
    [Trait("spec", "RET-5")]
    [Trait("spec", "RET-8")]
    [Trait("spec", "FBK-5")]
    public void Training_and_retention_follow_plan_provider_and_choices(string plan, string provider, string spec, string expected)
    {
        var d = TestPolicy.Decide(ContextSpec.Build(plan, spec));
        Assert.Equal(provider, d.Provider.Value.ToWireName());
        TestPolicy.AssertTrace(d, expected.Split(' '));
        if (provider != "anthropic")
        {
            Assert.DoesNotContain(d.Trace(), e => e.Decision.StartsWith("serverRetention.", StringComparison.Ordinal));
        }
    }

    /// <summary>Asserts the listed changes, and that every other decision equals the reference's (value and rule).</summary>
    private static void AssertChanges(PolicyDecisions reference, PolicyDecisions actual, string changes)
    {
        var listed = changes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        TestPolicy.AssertTrace(actual, listed);
        var names = listed.Select(l => TestPolicy.ParseExpectation(l).Name).ToHashSet(StringComparer.Ordinal);
        var serverRetentionCollapsed = names.Contains("serverRetention");
        var before = TestPolicy.TraceMap(reference);
        var after = TestPolicy.TraceMap(actual);
        foreach (var (name, entry) in before)
        {
            if (names.Contains(name)) continue;
            if (serverRetentionCollapsed && name.StartsWith("serverRetention.", StringComparison.Ordinal))
            {
                Assert.False(after.ContainsKey(name), $"{name} must be absent when serverRetention is null");
                continue;
            }

            Assert.True(after.TryGetValue(name, out var now), $"{name} is missing");
            Assert.True(
                Equals(entry.Value, now!.Value) && entry.Rule == now.Rule,
                $"{name} changed unexpectedly: {TestPolicy.Text(entry.Value)}@{entry.Rule} -> {TestPolicy.Text(now.Value)}@{now.Rule} ({now.Because})");
        }

        foreach (var name in after.Keys)
        {
            Assert.True(before.ContainsKey(name) || names.Contains(name), $"unexpected decision {name}");
        }
    }
}
