using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary>One or a few tests per spec statement the policy engine decides, each naming the statement.</summary>
public sealed class PolicyEngineRuleTests
{
    private static readonly Plan[] ConsumerPlans = [Plan.Free, Plan.Pro, Plan.Max];
    private static readonly Plan[] CommercialPlans = [Plan.Team, Plan.Enterprise, Plan.Api, Plan.Gov];
    private static readonly Provider[] ThirdParties = [Provider.Bedrock, Provider.Vertex, Provider.Foundry, Provider.AnthropicAws];

    private static PolicyContext Ctx(Plan plan = Plan.Pro, string env = "") =>
        PolicyContext.Default with { Plan = plan, Environment = TestPolicy.Env(env) };

    /// <summary>The context on a third-party platform; <paramref name="env"/> must repeat the context's own variables.</summary>
    private static PolicyContext OnProvider(PolicyContext c, Provider provider, string env = "") =>
        c with { Environment = TestPolicy.Env(env + ";" + TestPolicy.ProviderVariable(provider) + "=1") };

    private static PolicySettings Settings(int? days = null, bool pinned = false, double? rate = null, bool? skip = null) => new()
    {
        CleanupPeriodDays = days is { } d ? SourcedValue<long>.Create("cleanupPeriodDays", d, pinned ? "/etc/claude-code/managed-settings.json" : "/home/u/.claude/settings.json") : null,
        CleanupPeriodPinned = pinned,
        FeedbackSurveyRate = rate is { } r ? SourcedValue<double>.Create("feedbackSurveyRate", r, "/home/u/.claude/settings.json") : null,
        SkipWebFetchPreflight = skip is { } s ? SourcedValue<bool>.Create("skipWebFetchPreflight", s, "/home/u/.claude/settings.json") : null,
    };

    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "RET-1")]
    [Trait("spec", "FLW-1")]
    [Trait("spec", "LOC-3")]
    public void The_default_context_is_a_new_pro_user_with_everything_optional_on()
    {
        var d = TestPolicy.Decide(PolicyContext.Default);
        TestPolicy.AssertTrace(d,
        [
            "category=consumer@TRN-1", "provider=anthropic@SET-5",
            "training.sessionData=false@TRN-1", "training.feedback=false@FBK-5",
            "training.surveyRatings=false@TRN-4", "training.sharedTranscripts=false@TRN-4",
            "serverRetention.sessionData=P30D@RET-1", "serverRetention.feedback=P5Y@RET-4", "serverRetention.sharedTranscripts=P6M@RET-5",
            "feedbackCommand.enabled=true@FBK-1", "feedbackCommand.destination=upload@FBK-1",
            "survey.enabled=true@SRV-2", "survey.rate=0.005@SRV-2", "survey.sink=server@SRV-1", "survey.enabledViaOtelOverride=false@SRV-4",
            "transcriptShare.offered=true@SHR-1", "transcriptShare.destination=upload@SHR-3",
            "localRetention.periodDays=30@LOC-3", "localRetention.sweep=run@LOC-3", "localRetention.pauseReason=null@LOC-6",
            "traffic.autoUpdate=true@FLW-1", "traffic.metrics=true@FLW-1", "traffic.errorReports=true@FLW-1",
            "traffic.feedbackUpload=true@FBK-1", "traffic.surveyRatings=true@SRV-1", "traffic.transcriptShare=true@SHR-3",
            "traffic.webFetchPreflight=true@FLW-2", "traffic.featureFlags=true@FLW-1", "traffic.releaseNotes=true@FLW-1",
        ]);
        Assert.Equal(PolicyContext.Default, new PolicyContext());
        Assert.Equal(Plan.Pro, PolicyContext.Default.Plan);
        Assert.False(PolicyContext.Default.User.AllowModelImprovement);
        Assert.True(PolicyContext.Default.ServerCredentials);
    }

    // ---- TRN / DPP -------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "TRN-1")]
    public void Consumer_session_data_is_training_data_only_while_the_user_allows_it()
    {
        foreach (var plan in ConsumerPlans)
        {
            var off = TestPolicy.Decide(Ctx(plan));
            var on = TestPolicy.Decide(Ctx(plan) with { User = new UserPreferences(AllowModelImprovement: true) });
            Assert.Equal(PlanCategory.Consumer, off.Category.Value);
            Assert.Equal(new Decision<bool>(false, "TRN-1", off.Training.SessionData.Because), off.Training.SessionData);
            Assert.Equal(new Decision<bool>(true, "TRN-1", on.Training.SessionData.Because), on.Training.SessionData);
            Assert.Contains("allowModelImprovement off", off.Training.SessionData.Because, StringComparison.Ordinal);
            Assert.Contains("allowModelImprovement on", on.Training.SessionData.Because, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-3")]
    [Trait("spec", "RET-6")]
    public void A_consent_change_gives_new_decisions_and_never_alters_decisions_already_taken()
    {
        // The client side of TRN-3/RET-6: decisions are a value computed from the context in force when evaluated;
        // changing the preference later yields a new value and leaves the earlier one as it was. (The server keeps
        // the period captured with each record; that part is tested with the server.)
        var before = Ctx(Plan.Pro) with { User = new UserPreferences(AllowModelImprovement: true) };
        var captured = TestPolicy.Decide(before);
        var capturedJson = PolicyJson.ToJson(captured);

        var after = TestPolicy.Decide(before with { User = new UserPreferences(AllowModelImprovement: false) });

        Assert.True(captured.Training.SessionData.Value);
        Assert.Equal(RetentionPeriod.FiveYears, captured.ServerRetention.SessionData.Value);
        Assert.False(after.Training.SessionData.Value);
        Assert.Equal(RetentionPeriod.ThirtyDays, after.ServerRetention.SessionData.Value);
        Assert.Equal(capturedJson, PolicyJson.ToJson(captured));
        Assert.Equal(captured, TestPolicy.Decide(before));
    }

    [Fact]
    [Trait("spec", "TRN-2")]
    public void Commercial_session_data_is_never_training_data_without_a_program()
    {
        foreach (var plan in CommercialPlans)
        {
            foreach (var allow in new[] { false, true })
            {
                var d = TestPolicy.Decide(Ctx(plan) with { User = new UserPreferences(allow) });
                Assert.Equal(PlanCategory.Commercial, d.Category.Value);
                Assert.Equal("TRN-2", d.Category.Rule);
                Assert.False(d.Training.SessionData.Value);
                Assert.Equal("TRN-2", d.Training.SessionData.Rule);
                Assert.False(d.Training.Feedback.Value);
            }
        }
    }

    [Fact]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "SET-5")]
    public void A_third_party_platform_is_commercial_whatever_the_plan()
    {
        foreach (var plan in Enum.GetValues<Plan>())
        {
            foreach (var provider in ThirdParties)
            {
                var d = TestPolicy.Decide(OnProvider(Ctx(plan) with { User = new UserPreferences(true) }, provider));
                Assert.Equal(PlanCategory.Commercial, d.Category.Value);
                Assert.Equal("TRN-2", d.Category.Rule);
                Assert.Equal(provider, d.Provider.Value);
                Assert.Equal("SET-5", d.Provider.Rule);
                Assert.Contains(TestPolicy.ProviderVariable(provider)!, d.Provider.Because, StringComparison.Ordinal);
                Assert.False(d.Training.SessionData.Value);
                Assert.Equal("TRN-2", d.Training.SessionData.Rule);
            }
        }
    }

    [Fact]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SHR-3")]
    public void Survey_ratings_and_shared_transcripts_are_never_training_data_even_when_everything_else_is()
    {
        var consumerAllowing = Ctx(Plan.Max) with { User = new UserPreferences(AllowModelImprovement: true) };
        var dppOrg = Ctx(Plan.Api) with { Org = new OrganizationPolicy(DevelopmentPartnerProgram: true) };
        foreach (var c in new[] { consumerAllowing, dppOrg })
        {
            var d = TestPolicy.Decide(c);
            Assert.True(d.Training.SessionData.Value);
            Assert.Equal(new Decision<bool>(false, "TRN-4", d.Training.SurveyRatings.Because), d.Training.SurveyRatings);
            Assert.Equal(new Decision<bool>(false, "TRN-4", d.Training.SharedTranscripts.Because), d.Training.SharedTranscripts);
        }
    }

    [Fact]
    [Trait("spec", "DPP-1")]
    [Trait("spec", "DPP-3")]
    public void The_organizations_program_choice_carried_by_the_context_makes_api_session_data_training_eligible()
    {
        // DPP-1 on the client: the context carries the org's choice as the server reported it; who may change it
        // (only an org admin) is enforced by the server's policy endpoint, not here.
        var optedOut = TestPolicy.Decide(Ctx(Plan.Api));
        var optedIn = TestPolicy.Decide(Ctx(Plan.Api) with { Org = new OrganizationPolicy(DevelopmentPartnerProgram: true) });

        Assert.False(optedOut.Training.SessionData.Value);
        Assert.Equal("TRN-2", optedOut.Training.SessionData.Rule);
        Assert.True(optedIn.Training.SessionData.Value);
        Assert.Equal("DPP-3", optedIn.Training.SessionData.Rule);
        Assert.Contains("Development Partner Program", optedIn.Training.SessionData.Because, StringComparison.Ordinal);
        Assert.True(optedIn.Training.Feedback.Value);
        Assert.Equal("FBK-5", optedIn.Training.Feedback.Rule);
        // The program changes training eligibility, not the retention of RET-2.
        Assert.Equal(RetentionPeriod.ThirtyDays, optedIn.ServerRetention.SessionData.Value);
        Assert.Equal("RET-2", optedIn.ServerRetention.SessionData.Rule);
    }

    [Fact]
    [Trait("spec", "DPP-2")]
    public void The_program_on_any_plan_but_api_is_refused_with_an_error_that_says_so()
    {
        foreach (var plan in Enum.GetValues<Plan>().Where(p => p != Plan.Api))
        {
            var outcome = PolicyEngine.Evaluate(Ctx(plan) with { Org = new OrganizationPolicy(DevelopmentPartnerProgram: true) });
            Assert.False(outcome.Succeeded);
            Assert.Null(outcome.Decisions);
            Assert.Equal("org.developmentPartnerProgram", outcome.Error!.Key);
            Assert.Contains("DPP-2", outcome.Error.Message, StringComparison.Ordinal);
            Assert.Contains($"'{plan.ToWireName()}'", outcome.Error.Message, StringComparison.Ordinal);
            Assert.StartsWith("org.developmentPartnerProgram: ", outcome.Error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("spec", "DPP-2")]
    [Trait("spec", "CUS-8")]
    public void The_program_on_a_third_party_platform_is_refused_even_for_an_api_plan()
    {
        foreach (var provider in ThirdParties)
        {
            var outcome = PolicyEngine.Evaluate(OnProvider(Ctx(Plan.Api) with { Org = new OrganizationPolicy(DevelopmentPartnerProgram: true) }, provider));
            Assert.False(outcome.Succeeded);
            Assert.Equal("org.developmentPartnerProgram", outcome.Error!.Key);
            Assert.Contains(provider.ToWireName(), outcome.Error.Message, StringComparison.Ordinal);
            Assert.Contains("DPP-2", outcome.Error.Message, StringComparison.Ordinal);
        }
    }

    // ---- RET -------------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "RET-1")]
    public void Consumer_retention_is_five_years_with_training_and_thirty_days_without()
    {
        foreach (var plan in ConsumerPlans)
        {
            var without = TestPolicy.Decide(Ctx(plan));
            var with = TestPolicy.Decide(Ctx(plan) with { User = new UserPreferences(true) });
            Assert.Equal("P30D", without.ServerRetention.SessionData.Value.ToString());
            Assert.Equal("RET-1", without.ServerRetention.SessionData.Rule);
            Assert.Equal("P5Y", with.ServerRetention.SessionData.Value.ToString());
            Assert.Equal("RET-1", with.ServerRetention.SessionData.Rule);
        }
    }

    [Fact]
    [Trait("spec", "RET-2")]
    public void Commercial_retention_is_thirty_days()
    {
        foreach (var plan in CommercialPlans)
        {
            var d = TestPolicy.Decide(Ctx(plan) with { User = new UserPreferences(true) });
            Assert.Equal("P30D", d.ServerRetention.SessionData.Value.ToString());
            Assert.Equal("RET-2", d.ServerRetention.SessionData.Rule);
            Assert.True(d.ServerRetention.ReachesServer.Value);
        }
    }

    [Fact]
    [Trait("spec", "RET-3")]
    [Trait("spec", "FBK-2")]
    [Trait("spec", "SHR-2")]
    [Trait("spec", "SRV-3")]
    public void Zero_data_retention_persists_nothing_disables_feedback_and_share_but_not_the_survey()
    {
        var d = TestPolicy.Decide(Ctx(Plan.Enterprise) with { Org = new OrganizationPolicy(ZeroDataRetention: true) });
        foreach (var period in new[] { d.ServerRetention.SessionData, d.ServerRetention.Feedback, d.ServerRetention.SharedTranscripts })
        {
            Assert.Equal("P0D", period.Value.ToString());
            Assert.True(period.Value.IsZero);
            Assert.Equal("RET-3", period.Rule);
        }

        Assert.False(d.Training.SessionData.Value);
        Assert.Equal("RET-3", d.Training.SessionData.Rule);
        Assert.Equal(new Decision<bool>(false, "FBK-2", d.FeedbackCommand.Enabled.Because), d.FeedbackCommand.Enabled);
        Assert.Contains("zero data retention", d.FeedbackCommand.Enabled.Because, StringComparison.Ordinal);
        Assert.Equal(Destination.None, d.FeedbackCommand.Destination.Value);
        Assert.Equal(new Decision<bool>(false, "SHR-2", d.TranscriptShare.Offered.Because), d.TranscriptShare.Offered);
        Assert.Equal(Destination.None, d.TranscriptShare.Destination.Value);
        // SRV-3: ZDR alone does not disable the survey; ratings carry no session content.
        Assert.True(d.Survey.Enabled.Value);
        Assert.Equal(SurveySink.Server, d.Survey.Sink.Value);
        Assert.True(d.Traffic.SurveyRatings.Value);
        Assert.False(d.Traffic.FeedbackUpload.Value);
        Assert.False(d.Traffic.TranscriptShare.Value);
    }

    [Fact]
    [Trait("spec", "RET-3")]
    [Trait("spec", "CUS-8")]
    public void Zero_data_retention_outside_enterprise_is_an_error_naming_the_key()
    {
        foreach (var plan in Enum.GetValues<Plan>().Where(p => p != Plan.Enterprise))
        {
            var outcome = PolicyEngine.Evaluate(Ctx(plan) with { Org = new OrganizationPolicy(ZeroDataRetention: true) });
            Assert.False(outcome.Succeeded);
            Assert.Equal("org.zeroDataRetention", outcome.Error!.Key);
            Assert.Contains("enterprise", outcome.Error.Message, StringComparison.Ordinal);
            Assert.Contains("RET-3", outcome.Error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("spec", "RET-4")]
    [Trait("spec", "RET-5")]
    [Trait("spec", "FBK-1")]
    [Trait("spec", "SHR-3")]
    public void Feedback_is_kept_five_years_and_shared_transcripts_six_months_on_every_first_party_plan()
    {
        foreach (var plan in Enum.GetValues<Plan>())
        {
            var d = TestPolicy.Decide(Ctx(plan));
            Assert.Equal(new Decision<RetentionPeriod>(RetentionPeriod.FiveYears, "RET-4", d.ServerRetention.Feedback.Because), d.ServerRetention.Feedback);
            Assert.Equal(new Decision<RetentionPeriod>(RetentionPeriod.SixMonths, "RET-5", d.ServerRetention.SharedTranscripts.Because), d.ServerRetention.SharedTranscripts);
        }
    }

    [Fact]
    [Trait("spec", "RET-8")]
    public void On_a_third_party_platform_nothing_reaches_the_server_and_retention_is_null()
    {
        foreach (var provider in ThirdParties)
        {
            foreach (var c in new[] { Ctx(Plan.Pro), Ctx(Plan.Enterprise) with { Org = new OrganizationPolicy(ZeroDataRetention: true) } })
            {
                var d = TestPolicy.Decide(OnProvider(c, provider));
                Assert.False(d.ServerRetention.ReachesServer.Value);
                Assert.Equal("RET-8", d.ServerRetention.ReachesServer.Rule);
                var entry = Assert.Single(d.Trace(), e => e.Decision.StartsWith("serverRetention", StringComparison.Ordinal));
                Assert.Equal("serverRetention", entry.Decision);
                Assert.Null(entry.Value);
                Assert.Equal("RET-8", entry.Rule);
                Assert.Contains("\"serverRetention\": null", PolicyJson.ToJson(d), StringComparison.Ordinal);
            }
        }
    }

    // ---- FBK -------------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "FBK-1")]
    public void Feedback_uploads_from_a_signed_in_first_party_session()
    {
        var d = TestPolicy.Decide(Ctx());
        Assert.Equal(new Decision<bool>(true, "FBK-1", d.FeedbackCommand.Enabled.Because), d.FeedbackCommand.Enabled);
        Assert.Equal(Destination.Upload, d.FeedbackCommand.Destination.Value);
        Assert.Equal("FBK-1", d.FeedbackCommand.Destination.Rule);
        Assert.True(d.Traffic.FeedbackUpload.Value);
    }

    public static TheoryData<string, string> FeedbackDisablers() => new()
    {
        { "DISABLE_FEEDBACK_COMMAND=1", "DISABLE_FEEDBACK_COMMAND=1" },
        { "DISABLE_FEEDBACK_COMMAND=yes", "DISABLE_FEEDBACK_COMMAND=yes" },
        { "DISABLE_BUG_COMMAND=TRUE", "DISABLE_BUG_COMMAND=TRUE" },
        { "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1" },
        { "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0" },
        { "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=false", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=false" },
        { "org", "organization policy disables product feedback" },
        { "zdr", "zero data retention" },
    };

    [Theory]
    [MemberData(nameof(FeedbackDisablers))]
    [Trait("spec", "FBK-2")]
    public void Feedback_is_disabled_by_each_switch_and_policy(string disabler, string because)
    {
        var c = disabler switch
        {
            "org" => Ctx(Plan.Team) with { Org = new OrganizationPolicy(ProductFeedbackDisabled: true) },
            "zdr" => Ctx(Plan.Enterprise) with { Org = new OrganizationPolicy(ZeroDataRetention: true) },
            _ => Ctx(Plan.Pro, disabler),
        };
        foreach (var variant in new[] { c, c with { Gateway = true }, c with { ServerCredentials = false } })
        {
            var d = TestPolicy.Decide(variant);
            Assert.False(d.FeedbackCommand.Enabled.Value);
            Assert.Equal("FBK-2", d.FeedbackCommand.Enabled.Rule);
            Assert.Contains(because, d.FeedbackCommand.Enabled.Because, StringComparison.Ordinal);
            Assert.Equal(Destination.None, d.FeedbackCommand.Destination.Value);
            Assert.Equal("FBK-2", d.FeedbackCommand.Destination.Rule);
            Assert.False(d.Traffic.FeedbackUpload.Value);
            Assert.Equal("FBK-2", d.Traffic.FeedbackUpload.Rule);
        }
    }

    [Theory]
    [InlineData("DISABLE_FEEDBACK_COMMAND=0")]
    [InlineData("DISABLE_FEEDBACK_COMMAND=false")]
    [InlineData("DISABLE_FEEDBACK_COMMAND=")]
    [InlineData("DISABLE_BUG_COMMAND=off")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=")]
    [InlineData("DISABLE_TELEMETRY=1")]
    [InlineData("DO_NOT_TRACK=1")]
    [InlineData("DISABLE_ERROR_REPORTING=1")]
    [InlineData("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1")]
    [Trait("spec", "FBK-2")]
    [Trait("spec", "SET-4")]
    public void Feedback_stays_enabled_for_false_values_and_unrelated_switches(string env)
    {
        var d = TestPolicy.Decide(Ctx(Plan.Pro, env));
        Assert.True(d.FeedbackCommand.Enabled.Value);
        Assert.Equal(Destination.Upload, d.FeedbackCommand.Destination.Value);
    }

    [Fact]
    [Trait("spec", "FBK-3")]
    public void Feedback_writes_a_local_archive_on_third_party_platforms_gateways_and_without_credentials()
    {
        foreach (var provider in ThirdParties)
        {
            var d = TestPolicy.Decide(OnProvider(Ctx(), provider));
            Assert.True(d.FeedbackCommand.Enabled.Value);
            Assert.Equal(Destination.LocalArchive, d.FeedbackCommand.Destination.Value);
            Assert.Equal("FBK-3", d.FeedbackCommand.Destination.Rule);
            Assert.Contains(TestPolicy.ProviderVariable(provider)!, d.FeedbackCommand.Destination.Because, StringComparison.Ordinal);
            Assert.False(d.Traffic.FeedbackUpload.Value);
        }

        var gateway = TestPolicy.Decide(Ctx() with { Gateway = true });
        Assert.Equal(Destination.LocalArchive, gateway.FeedbackCommand.Destination.Value);
        Assert.Equal("FBK-3", gateway.FeedbackCommand.Destination.Rule);
        Assert.Contains("gateway", gateway.FeedbackCommand.Destination.Because, StringComparison.Ordinal);

        var noCredentials = TestPolicy.Decide(Ctx() with { ServerCredentials = false });
        Assert.Equal(Destination.LocalArchive, noCredentials.FeedbackCommand.Destination.Value);
        Assert.Equal("FBK-3", noCredentials.FeedbackCommand.Destination.Rule);
        Assert.Contains("credentials", noCredentials.FeedbackCommand.Destination.Because, StringComparison.Ordinal);
        Assert.False(noCredentials.Traffic.FeedbackUpload.Value);
    }

    [Fact]
    [Trait("spec", "FBK-5")]
    public void Feedback_is_training_eligible_exactly_when_the_senders_session_data_is()
    {
        foreach (var plan in Enum.GetValues<Plan>())
        {
            foreach (var allow in new[] { false, true })
            {
                foreach (var dpp in new[] { false, true })
                {
                    if (dpp && plan != Plan.Api) continue;
                    var d = TestPolicy.Decide(Ctx(plan) with { User = new UserPreferences(allow), Org = new OrganizationPolicy(dpp) });
                    Assert.Equal(d.Training.SessionData.Value, d.Training.Feedback.Value);
                    Assert.Equal("FBK-5", d.Training.Feedback.Rule);
                    Assert.Equal(d.Training.SessionData.Because, d.Training.Feedback.Because);
                    Assert.Equal(
                        (PlanNames.CategoryOf(plan) == PlanCategory.Consumer && allow) || dpp,
                        d.Training.Feedback.Value);
                }
            }
        }
    }

    // ---- SRV -------------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SRV-2")]
    public void The_survey_is_on_by_default_and_ratings_go_to_the_server()
    {
        var d = TestPolicy.Decide(Ctx());
        Assert.Equal(new Decision<bool>(true, "SRV-2", d.Survey.Enabled.Because), d.Survey.Enabled);
        Assert.Equal(SurveySink.Server, d.Survey.Sink.Value);
        Assert.Equal("SRV-1", d.Survey.Sink.Rule);
        Assert.Contains("rating, session id and time only", d.Survey.Sink.Because, StringComparison.Ordinal);
        Assert.True(d.Traffic.SurveyRatings.Value);
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public void The_survey_rate_comes_from_settings_else_the_server_else_the_built_in_rate()
    {
        var builtIn = TestPolicy.Decide(Ctx());
        Assert.Equal(0.005, builtIn.Survey.Rate.Value);
        Assert.Equal(PolicyEngine.BuiltInSurveyRate, builtIn.Survey.Rate.Value);
        Assert.Contains("built-in", builtIn.Survey.Rate.Because, StringComparison.Ordinal);

        var published = TestPolicy.Decide(Ctx() with { PublishedSurveyRate = 0.02 });
        Assert.Equal(0.02, published.Survey.Rate.Value);
        Assert.Contains("server publishes", published.Survey.Rate.Because, StringComparison.Ordinal);

        var configured = TestPolicy.Decide(Ctx() with { PublishedSurveyRate = 0.02, Settings = Settings(rate: 0.25) });
        Assert.Equal(0.25, configured.Survey.Rate.Value);
        Assert.Equal("feedbackSurveyRate=0.25 in /home/u/.claude/settings.json", configured.Survey.Rate.Because);

        foreach (var rate in new[] { 0.0, 1.0 })
        {
            Assert.Equal(rate, TestPolicy.Decide(Ctx() with { Settings = Settings(rate: rate) }).Survey.Rate.Value);
        }

        foreach (var d in new[] { builtIn, published, configured })
        {
            Assert.Equal("SRV-2", d.Survey.Rate.Rule);
        }
    }

    public static TheoryData<string, bool> SurveyDisablers() => new()
    {
        // env, whether the OTel override (SRV-4) can lift it
        { "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1", false },
        { "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=true", false },
        { "DISABLE_TELEMETRY=1", true },
        { "DISABLE_TELEMETRY=0", true },
        { "DISABLE_TELEMETRY=false", true },
        { "DO_NOT_TRACK=1", true },
        { "DO_NOT_TRACK=yes", true },
        { "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", true },
        { "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=off", true },
    };

    public static TheoryData<string> SurveyDisablerEnvs() => [.. SurveyDisablers().Select(row => (string)row[0])];

    [Theory]
    [MemberData(nameof(SurveyDisablerEnvs))]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SHR-2")]
    public void The_survey_is_disabled_by_each_switch_and_says_which(string env)
    {
        var d = TestPolicy.Decide(Ctx(Plan.Pro, env));
        Assert.Equal(new Decision<bool>(false, "SRV-3", env), d.Survey.Enabled);
        Assert.Equal(SurveySink.None, d.Survey.Sink.Value);
        Assert.False(d.Survey.EnabledViaOtelOverride.Value);
        Assert.False(d.Traffic.SurveyRatings.Value);
        Assert.Equal(new Decision<bool>(false, "SHR-2", env), d.TranscriptShare.Offered);
        Assert.Equal(Destination.None, d.TranscriptShare.Destination.Value);
    }

    [Theory]
    [InlineData("DO_NOT_TRACK=0")]
    [InlineData("DO_NOT_TRACK=false")]
    [InlineData("DO_NOT_TRACK=")]
    [InlineData("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=0")]
    [InlineData("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=no")]
    [InlineData("DISABLE_TELEMETRY=")]
    [InlineData("DISABLE_ERROR_REPORTING=1")]
    [InlineData("DISABLE_FEEDBACK_COMMAND=1")]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "SET-4")]
    public void The_survey_stays_on_for_false_booleans_empty_presence_switches_and_unrelated_switches(string env)
    {
        var d = TestPolicy.Decide(Ctx(Plan.Pro, env));
        Assert.True(d.Survey.Enabled.Value);
        Assert.Equal(SurveySink.Server, d.Survey.Sink.Value);
    }

    [Fact]
    [Trait("spec", "SRV-3")]
    public void An_org_that_disables_product_feedback_disables_the_survey()
    {
        var d = TestPolicy.Decide(Ctx(Plan.Team) with { Org = new OrganizationPolicy(ProductFeedbackDisabled: true) });
        Assert.False(d.Survey.Enabled.Value);
        Assert.Equal("SRV-3", d.Survey.Enabled.Rule);
        Assert.Contains("organization policy", d.Survey.Enabled.Because, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SurveyDisablers))]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "SHR-2")]
    public void The_OTel_override_lifts_only_the_telemetry_switches_and_sends_ratings_to_the_collector_only(string env, bool liftable)
    {
        var d = TestPolicy.Decide(Ctx(Plan.Pro, env + ";CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"));
        Assert.Equal(liftable, d.Survey.Enabled.Value);
        Assert.Equal(liftable, d.Survey.EnabledViaOtelOverride.Value);
        Assert.Equal("SRV-4", d.Survey.EnabledViaOtelOverride.Rule);
        Assert.Equal(liftable ? SurveySink.Otel : SurveySink.None, d.Survey.Sink.Value);
        Assert.Equal(liftable ? "SRV-4" : "SRV-3", d.Survey.Enabled.Rule);
        if (liftable)
        {
            Assert.Equal("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1", d.Survey.Enabled.Because);
            Assert.Contains("OTel override", d.TranscriptShare.Offered.Because, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("cannot lift", d.Survey.EnabledViaOtelOverride.Because, StringComparison.Ordinal);
        }

        // Never to the server, never the follow-up.
        Assert.False(d.Traffic.SurveyRatings.Value);
        Assert.False(d.TranscriptShare.Offered.Value);
        Assert.Equal("SHR-2", d.TranscriptShare.Offered.Rule);
        Assert.False(d.Traffic.TranscriptShare.Value);
    }

    [Fact]
    [Trait("spec", "SRV-4")]
    public void An_org_that_disables_product_feedback_beats_the_OTel_override()
    {
        var d = TestPolicy.Decide(Ctx(Plan.Team, "DISABLE_TELEMETRY=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1")
            with { Org = new OrganizationPolicy(ProductFeedbackDisabled: true) });
        Assert.False(d.Survey.Enabled.Value);
        Assert.Equal("SRV-3", d.Survey.Enabled.Rule);
        Assert.False(d.Survey.EnabledViaOtelOverride.Value);
        Assert.Equal(SurveySink.None, d.Survey.Sink.Value);
    }

    [Theory]
    [InlineData("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1", "applies only when")]
    [InlineData("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=0", "is not set")]
    [InlineData("DISABLE_TELEMETRY=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=0", "is not set")]
    [Trait("spec", "SRV-4")]
    public void The_OTel_override_does_nothing_when_no_telemetry_switch_disabled_the_survey_or_when_false(string env, string because)
    {
        var d = TestPolicy.Decide(Ctx(Plan.Pro, env));
        Assert.False(d.Survey.EnabledViaOtelOverride.Value);
        Assert.Contains(because, d.Survey.EnabledViaOtelOverride.Because, StringComparison.Ordinal);
        Assert.NotEqual(SurveySink.Otel, d.Survey.Sink.Value);
    }

    [Fact]
    [Trait("spec", "SRV-5")]
    [Trait("spec", "FLW-3")]
    [Trait("spec", "CUS-9")]
    public void The_survey_runs_on_every_provider_and_gateway_ratings_stay_on_the_machine()
    {
        foreach (var provider in ThirdParties)
        {
            var d = TestPolicy.Decide(OnProvider(Ctx(), provider));
            Assert.True(d.Survey.Enabled.Value);
            Assert.Equal(SurveySink.Server, d.Survey.Sink.Value);
        }

        var gateway = TestPolicy.Decide(Ctx(Plan.Enterprise) with { Gateway = true });
        Assert.True(gateway.Survey.Enabled.Value);
        Assert.Equal(new Decision<SurveySink>(SurveySink.None, "SRV-5", gateway.Survey.Sink.Because), gateway.Survey.Sink);
        Assert.Contains("gateway", gateway.Survey.Sink.Because, StringComparison.Ordinal);
        Assert.False(gateway.Traffic.SurveyRatings.Value);
        Assert.Equal("SRV-5", gateway.Traffic.SurveyRatings.Rule);
    }

    [Fact]
    [Trait("spec", "SRV-6")]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "SHR-5")]
    public void Dont_ask_again_stops_the_follow_up_and_changes_nothing_else()
    {
        foreach (var plan in new[] { Plan.Pro, Plan.Api })
        {
            var c = Ctx(plan) with { User = new UserPreferences(AllowModelImprovement: true) };
            var asked = TestPolicy.Decide(c);
            var stopped = TestPolicy.Decide(c with { User = c.User with { SurveyDontAskAgain = true } });

            Assert.True(asked.TranscriptShare.Offered.Value);
            Assert.Equal(new Decision<bool>(false, "SHR-2", "the user chose Don't ask again"), stopped.TranscriptShare.Offered);
            Assert.False(stopped.Traffic.TranscriptShare.Value);
            Assert.Equal(asked.Training, stopped.Training);
            Assert.Equal(asked.ServerRetention, stopped.ServerRetention);
            Assert.Equal(asked.Survey, stopped.Survey);
            Assert.Equal(asked.FeedbackCommand, stopped.FeedbackCommand);
        }
    }

    // ---- SHR -------------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "SHR-1")]
    [Trait("spec", "SHR-3")]
    public void The_follow_up_is_offered_after_an_enabled_survey_and_uploads_from_first_party()
    {
        var d = TestPolicy.Decide(Ctx());
        Assert.Equal(new Decision<bool>(true, "SHR-1", d.TranscriptShare.Offered.Because), d.TranscriptShare.Offered);
        Assert.Equal(new Decision<Destination>(Destination.Upload, "SHR-3", d.TranscriptShare.Destination.Because), d.TranscriptShare.Destination);
        Assert.True(d.Traffic.TranscriptShare.Value);
    }

    [Fact]
    [Trait("spec", "SHR-2")]
    public void The_follow_up_is_never_offered_under_zdr_org_policy_nonessential_or_dont_ask_again()
    {
        var cases = new (PolicyContext Context, string Env, string Because)[]
        {
            (Ctx(Plan.Enterprise) with { Org = new OrganizationPolicy(ZeroDataRetention: true) }, "", "zero data retention"),
            (Ctx(Plan.Team) with { Org = new OrganizationPolicy(ProductFeedbackDisabled: true) }, "", "organization policy"),
            (Ctx(Plan.Pro, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0"), "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0"),
            (Ctx() with { User = new UserPreferences(SurveyDontAskAgain: true) }, "", "Don't ask again"),
            (Ctx(Plan.Pro, "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1"), "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1"),
        };
        foreach (var (context, env, because) in cases)
        {
            foreach (var variant in new[] { context, context with { Gateway = true }, OnProvider(context, Provider.Vertex, env) })
            {
                Assert.Null(PolicyEngine.Validate(variant));
                var d = TestPolicy.Decide(variant);
                Assert.False(d.TranscriptShare.Offered.Value, $"{because} gateway={variant.Gateway} provider={variant.Environment.Provider}");
                Assert.Equal("SHR-2", d.TranscriptShare.Offered.Rule);
                Assert.Contains(because, d.TranscriptShare.Offered.Because, StringComparison.Ordinal);
                Assert.Equal(new Decision<Destination>(Destination.None, "SHR-2", d.TranscriptShare.Offered.Because), d.TranscriptShare.Destination);
            }
        }
    }

    [Fact]
    [Trait("spec", "SHR-4")]
    public void On_bedrock_vertex_foundry_and_gateways_yes_writes_a_local_archive()
    {
        foreach (var provider in new[] { Provider.Bedrock, Provider.Vertex, Provider.Foundry })
        {
            var d = TestPolicy.Decide(OnProvider(Ctx(), provider));
            Assert.True(d.TranscriptShare.Offered.Value);
            Assert.Equal(Destination.LocalArchive, d.TranscriptShare.Destination.Value);
            Assert.Equal("SHR-4", d.TranscriptShare.Destination.Rule);
            Assert.False(d.Traffic.TranscriptShare.Value);
        }

        var gateway = TestPolicy.Decide(Ctx() with { Gateway = true });
        Assert.Equal(new Decision<Destination>(Destination.LocalArchive, "SHR-4", gateway.TranscriptShare.Destination.Because), gateway.TranscriptShare.Destination);
    }

    [Fact]
    [Trait("spec", "SHR-4")]
    [Trait("spec", "RET-8")]
    [Trait("spec", "CUS-3")]
    public void On_claude_platform_on_aws_yes_also_writes_a_local_archive()
    {
        // SHR-4 lists bedrock, vertex and foundry; anthropic-aws is a third-party platform whose data does not
        // reach the server (RET-8, FBK-3), so the engine archives locally there too.
        var d = TestPolicy.Decide(OnProvider(Ctx(), Provider.AnthropicAws));
        Assert.Equal(Destination.LocalArchive, d.TranscriptShare.Destination.Value);
        Assert.Equal("SHR-4", d.TranscriptShare.Destination.Rule);
        Assert.Contains("CLAUDE_CODE_USE_ANTHROPIC_AWS", d.TranscriptShare.Destination.Because, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "CUS-1")]
    [Trait("spec", "SHR-4")]
    public void Without_server_credentials_yes_writes_a_local_archive()
    {
        var d = TestPolicy.Decide(Ctx() with { ServerCredentials = false });
        Assert.True(d.TranscriptShare.Offered.Value);
        Assert.Equal(new Decision<Destination>(Destination.LocalArchive, "CUS-1", d.TranscriptShare.Destination.Because), d.TranscriptShare.Destination);
        Assert.False(d.Traffic.TranscriptShare.Value);
    }

    // ---- LOC -------------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "LOC-3")]
    public void The_local_period_is_the_valid_setting_else_thirty_days()
    {
        var unset = TestPolicy.Decide(Ctx());
        Assert.Equal(new Decision<long?>(30, "LOC-3", "cleanupPeriodDays unset: the default 30 days"), unset.LocalRetention.PeriodDays);
        Assert.Equal(PolicyEngine.DefaultCleanupPeriodDays, unset.LocalRetention.PeriodDays.Value);

        foreach (var days in new[] { 1, 7, 365 })
        {
            var d = TestPolicy.Decide(Ctx() with { Settings = Settings(days) });
            Assert.Equal(days, d.LocalRetention.PeriodDays.Value);
            Assert.Equal("LOC-3", d.LocalRetention.PeriodDays.Rule);
            Assert.Equal($"cleanupPeriodDays={days} in /home/u/.claude/settings.json", d.LocalRetention.PeriodDays.Because);
            Assert.True(d.LocalRetention.SweepRuns.Value);
            Assert.Equal(SweepPauseReason.None, d.LocalRetention.PauseReason.Value);
        }
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-6")]
    public void The_sweep_pauses_and_says_why_when_a_settings_file_is_invalid_or_unreadable()
    {
        var invalid = new SettingsProblem("/p/.claude/settings.json", 3, "cleanupPeriodDays", SettingsProblemKind.InvalidValue, "must be at least 1");
        var malformed = new SettingsProblem("/p/.claude/settings.json", 2, null, SettingsProblemKind.Malformed, "not valid JSON");
        var unreadable = new SettingsProblem("/home/u/.claude/settings.json", null, null, SettingsProblemKind.Unreadable, "cannot be read");
        foreach (var (problem, reason, wire) in new[]
        {
            (invalid, SweepPauseReason.SettingsInvalid, "settings-invalid"),
            (malformed, SweepPauseReason.SettingsInvalid, "settings-invalid"),
            (unreadable, SweepPauseReason.SettingsUnreadable, "settings-unreadable"),
        })
        {
            var d = TestPolicy.Decide(Ctx() with { Settings = Settings(days: 7) with { Problems = [problem] } });
            Assert.False(d.LocalRetention.SweepRuns.Value);
            Assert.Equal("LOC-6", d.LocalRetention.SweepRuns.Rule);
            Assert.Equal(reason, d.LocalRetention.PauseReason.Value);
            Assert.Equal(wire, d.LocalRetention.PauseReason.Value.ToWireName());
            Assert.Null(d.LocalRetention.PeriodDays.Value);
            Assert.Equal("SET-6", d.LocalRetention.PeriodDays.Rule);
            Assert.Equal(problem.ToString(), d.LocalRetention.SweepRuns.Because);
            Assert.StartsWith(problem.Source, d.LocalRetention.PauseReason.Because, StringComparison.Ordinal);
        }

        Assert.Equal("/p/.claude/settings.json:3: cleanupPeriodDays: must be at least 1", invalid.ToString());
        Assert.Equal("/home/u/.claude/settings.json: cannot be read", unreadable.ToString());
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void The_first_problem_names_the_pause_reason()
    {
        var unreadable = new SettingsProblem("/a", null, null, SettingsProblemKind.Unreadable, "cannot be read");
        var invalid = new SettingsProblem("/b", 1, "cleanupPeriodDays", SettingsProblemKind.InvalidValue, "must be at least 1");
        var d = TestPolicy.Decide(Ctx() with { Settings = new PolicySettings { Problems = [unreadable, invalid] } });
        Assert.Equal(SweepPauseReason.SettingsUnreadable, d.LocalRetention.PauseReason.Value);
        var e = TestPolicy.Decide(Ctx() with { Settings = new PolicySettings { Problems = [invalid, unreadable] } });
        Assert.Equal(SweepPauseReason.SettingsInvalid, e.LocalRetention.PauseReason.Value);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void The_sweep_pauses_when_the_user_settings_source_is_excluded()
    {
        var d = TestPolicy.Decide(Ctx() with { Settings = Settings(days: 7) with { UserSettingsExcluded = true } });
        Assert.False(d.LocalRetention.SweepRuns.Value);
        Assert.Equal(SweepPauseReason.UserSettingsExcluded, d.LocalRetention.PauseReason.Value);
        Assert.Equal("user-settings-excluded", d.LocalRetention.PauseReason.Value.ToWireName());
        Assert.Null(d.LocalRetention.PeriodDays.Value);
        Assert.Equal("LOC-6", d.LocalRetention.PeriodDays.Rule);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-5")]
    public void A_managed_period_pins_the_sweep_even_with_problems_and_an_excluded_user_source()
    {
        var broken = new SettingsProblem("/home/u/.claude/settings.json", 1, null, SettingsProblemKind.Malformed, "not valid JSON");
        var d = TestPolicy.Decide(Ctx() with { Settings = Settings(days: 14, pinned: true) with { Problems = [broken], UserSettingsExcluded = true } });
        Assert.Equal(new Decision<long?>(14, "LOC-6", "cleanupPeriodDays=14 in /etc/claude-code/managed-settings.json"), d.LocalRetention.PeriodDays);
        Assert.True(d.LocalRetention.SweepRuns.Value);
        Assert.Equal("LOC-6", d.LocalRetention.SweepRuns.Rule);
        Assert.Equal(SweepPauseReason.None, d.LocalRetention.PauseReason.Value);
        Assert.Null(d.LocalRetention.PauseReason.Value.ToWireName());
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void A_pinned_flag_without_a_period_pins_nothing()
    {
        var broken = new SettingsProblem("/x", 1, null, SettingsProblemKind.Malformed, "not valid JSON");
        var d = TestPolicy.Decide(Ctx() with { Settings = new PolicySettings { CleanupPeriodPinned = true, Problems = [broken] } });
        Assert.False(d.LocalRetention.SweepRuns.Value);
    }

    // ---- FLW -------------------------------------------------------------------------------------------

    [Fact]
    [Trait("spec", "FLW-2")]
    public void Nonessential_traffic_off_leaves_only_the_WebFetch_check()
    {
        foreach (var value in new[] { "1", "0", "false", "off", "anything" })
        {
            var d = TestPolicy.Decide(Ctx(Plan.Pro, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=" + value));
            var t = d.Traffic;
            foreach (var flow in new[] { t.AutoUpdate, t.Metrics, t.ErrorReports, t.ReleaseNotes, t.FeatureFlags })
            {
                Assert.Equal(new Decision<bool>(false, "FLW-2", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=" + value), flow);
            }

            Assert.False(t.FeedbackUpload.Value);
            Assert.False(t.SurveyRatings.Value);
            Assert.False(t.TranscriptShare.Value);
            Assert.True(t.WebFetchPreflight.Value);
            Assert.Equal("FLW-2", t.WebFetchPreflight.Rule);
            Assert.Contains("does not turn off the WebFetch check", t.WebFetchPreflight.Because, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("spec", "FLW-2")]
    public void Only_skipWebFetchPreflight_turns_off_the_WebFetch_check()
    {
        var skipped = TestPolicy.Decide(Ctx(Plan.Pro, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1") with { Settings = Settings(skip: true) });
        Assert.Equal(new Decision<bool>(false, "FLW-2", "skipWebFetchPreflight=true in /home/u/.claude/settings.json"), skipped.Traffic.WebFetchPreflight);
        var notSkipped = TestPolicy.Decide(Ctx() with { Settings = Settings(skip: false) });
        Assert.True(notSkipped.Traffic.WebFetchPreflight.Value);
    }

    [Theory]
    [InlineData("DISABLE_TELEMETRY=1", true, false, true, false)]
    [InlineData("DISABLE_TELEMETRY=0", true, false, true, false)]
    [InlineData("DO_NOT_TRACK=1", true, false, true, false)]
    [InlineData("DO_NOT_TRACK=0", true, true, true, true)]
    [InlineData("DISABLE_ERROR_REPORTING=1", true, true, false, true)]
    [InlineData("DISABLE_ERROR_REPORTING=false", true, true, false, true)]
    [InlineData("DISABLE_ERROR_REPORTING=", true, true, true, true)]
    [Trait("spec", "FLW-2")]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    public void Telemetry_and_error_report_switches_turn_off_their_flows(string env, bool autoUpdate, bool metrics, bool errorReports, bool featureFlags)
    {
        var t = TestPolicy.Decide(Ctx(Plan.Pro, env)).Traffic;
        Assert.Equal(autoUpdate, t.AutoUpdate.Value);
        Assert.Equal(metrics, t.Metrics.Value);
        Assert.Equal(errorReports, t.ErrorReports.Value);
        Assert.Equal(featureFlags, t.FeatureFlags.Value);
        Assert.True(t.ReleaseNotes.Value);
        Assert.True(t.WebFetchPreflight.Value);
        foreach (var flow in new[] { t.Metrics, t.ErrorReports, t.FeatureFlags })
        {
            Assert.Equal(flow.Value ? "FLW-1" : "FLW-2", flow.Rule);
            if (!flow.Value) Assert.Equal(env, flow.Because);
        }
    }

    [Fact]
    [Trait("spec", "CUS-2")]
    [Trait("spec", "FLW-1")]
    public void DISABLE_AUTOUPDATER_turns_off_only_auto_update()
    {
        var d = TestPolicy.Decide(Ctx(Plan.Pro, "DISABLE_AUTOUPDATER=1"));
        Assert.Equal(new Decision<bool>(false, "CUS-2", "DISABLE_AUTOUPDATER=1"), d.Traffic.AutoUpdate);
        Assert.True(d.Traffic.Metrics.Value);
        Assert.True(d.Traffic.ReleaseNotes.Value);
        Assert.True(TestPolicy.Decide(Ctx(Plan.Pro, "DISABLE_AUTOUPDATER=0")).Traffic.AutoUpdate.Value);
    }

    [Fact]
    [Trait("spec", "FLW-3")]
    public void Third_party_platforms_turn_off_metrics_error_reports_and_feedback_uploads_but_keep_survey_and_WebFetch()
    {
        foreach (var provider in ThirdParties)
        {
            var d = TestPolicy.Decide(OnProvider(Ctx(), provider));
            var t = d.Traffic;
            Assert.Equal(new Decision<bool>(false, "FLW-3", TestPolicy.ProviderVariable(provider) + "=1"), t.Metrics);
            Assert.Equal(new Decision<bool>(false, "FLW-3", TestPolicy.ProviderVariable(provider) + "=1"), t.ErrorReports);
            Assert.False(t.FeedbackUpload.Value);
            Assert.True(d.Survey.Enabled.Value);
            Assert.True(t.WebFetchPreflight.Value);
            Assert.True(t.AutoUpdate.Value);
            Assert.True(t.FeatureFlags.Value);
            Assert.True(t.ReleaseNotes.Value);
        }
    }

    [Fact]
    [Trait("spec", "FLW-3")]
    public void Gateway_sessions_send_no_metrics_error_reports_or_ratings_to_the_server_whatever_the_settings()
    {
        foreach (var env in new[] { "", "DISABLE_TELEMETRY=", "DO_NOT_TRACK=0", "CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1" })
        {
            var d = TestPolicy.Decide(Ctx(Plan.Team, env) with { Gateway = true });
            Assert.Equal(new Decision<bool>(false, "FLW-3", "gateway session: never sent, and no setting turns it back on"), d.Traffic.Metrics);
            Assert.Equal(new Decision<bool>(false, "FLW-3", "gateway session: never sent, and no setting turns it back on"), d.Traffic.ErrorReports);
            Assert.False(d.Traffic.SurveyRatings.Value);
            Assert.NotEqual(SurveySink.Server, d.Survey.Sink.Value);
        }
    }
}
