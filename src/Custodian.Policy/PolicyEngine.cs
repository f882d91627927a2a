namespace Custodian.Policy;

/// <summary>
/// The data policy as one pure function: a <see cref="PolicyContext"/> in, every decision out, each with the
/// spec statement that made it. No I/O, no clock, no allocation beyond the result.
/// </summary>
public static class PolicyEngine
{
    /// <summary>The survey rate used when neither settings nor the server give one (SRV-2).</summary>
    public const double BuiltInSurveyRate = 0.005;

    /// <summary>The local retention period when <c>cleanupPeriodDays</c> is unset (LOC-3).</summary>
    public const int DefaultCleanupPeriodDays = 30;

    /// <summary>Evaluates the policy, or explains why the context is impossible.</summary>
    public static PolicyOutcome Evaluate(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var error = Validate(context);
        return error is null ? PolicyOutcome.Of(Decide(context)) : PolicyOutcome.Failed(error);
    }

    /// <summary>Returns the first impossible combination in <paramref name="context"/>, or null.</summary>
    public static PolicyInputError? Validate(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Org.ZeroDataRetention && context.Plan != Plan.Enterprise)
        {
            return new PolicyInputError(
                "org.zeroDataRetention",
                $"zero data retention exists only for enterprise organizations (RET-3); the plan is '{context.Plan.ToWireName()}'");
        }

        if (context.Org.DevelopmentPartnerProgram)
        {
            if (context.Plan != Plan.Api)
            {
                return new PolicyInputError(
                    "org.developmentPartnerProgram",
                    $"the Development Partner Program is available only to first-party API organizations (DPP-2); the plan is '{context.Plan.ToWireName()}'");
            }

            if (context.Environment.Provider != Provider.Anthropic)
            {
                return new PolicyInputError(
                    "org.developmentPartnerProgram",
                    $"the Development Partner Program is available only on the first-party API (DPP-2); the provider is '{context.Environment.Provider.ToWireName()}' ({context.Environment.ProviderEvidence})");
            }
        }

        return null;
    }

    private static PolicyDecisions Decide(PolicyContext c)
    {
        var env = c.Environment;
        var thirdParty = env.Provider != Provider.Anthropic;
        var zdr = c.Org.ZeroDataRetention;
        var consumer = !thirdParty && PlanNames.CategoryOf(c.Plan) == PlanCategory.Consumer;

        var category = thirdParty
            ? new Decision<PlanCategory>(PlanCategory.Commercial, "TRN-2", Reasons.ThirdPartyIsCommercial)
            : consumer
                ? new Decision<PlanCategory>(PlanCategory.Consumer, "TRN-1", Reasons.PlanIs(c.Plan))
                : new Decision<PlanCategory>(PlanCategory.Commercial, "TRN-2", Reasons.PlanIs(c.Plan));
        var provider = thirdParty
            ? new Decision<Provider>(env.Provider, "SET-5", Reasons.ProviderSelected(env))
            : new Decision<Provider>(Provider.Anthropic, "SET-5", Reasons.NoProviderVariable);

        var training = DecideTraining(c, thirdParty, zdr, consumer);
        var retention = DecideServerRetention(c, thirdParty, zdr, consumer);
        var survey = DecideSurvey(c);
        var feedback = DecideFeedbackCommand(c, thirdParty, zdr, survey);
        var share = DecideTranscriptShare(c, survey, thirdParty, zdr);
        var local = DecideLocalRetention(c.Settings);
        var traffic = DecideTraffic(c, thirdParty, feedback, survey, share);

        return new PolicyDecisions(category, provider, training, retention, feedback, survey, share, local, traffic)
        {
            IgnoredProviders = env.IgnoredProviders,
            Telemetry = env.Telemetry,
        };
    }

    private static TrainingDecisions DecideTraining(PolicyContext c, bool thirdParty, bool zdr, bool consumer)
    {
        Decision<bool> sessionData;
        if (thirdParty)
            sessionData = new(false, "TRN-2", Reasons.ThirdPartyNoTraining);
        else if (zdr)
            sessionData = new(false, "RET-3", Reasons.ZdrNothingPersisted);
        else if (consumer)
            sessionData = c.User.AllowModelImprovement
                ? new(true, "TRN-1", Reasons.ModelImprovementOn)
                : new(false, "TRN-1", Reasons.ModelImprovementOff);
        else
            sessionData = c.Org.DevelopmentPartnerProgram
                ? new(true, "DPP-3", Reasons.DppOptedIn)
                : new(false, "TRN-2", Reasons.CommercialNoProgram);

        return new TrainingDecisions(
            sessionData,
            new Decision<bool>(sessionData.Value, "FBK-5", sessionData.Because),
            new Decision<bool>(false, "TRN-4", Reasons.RatingsNeverTraining),
            new Decision<bool>(false, "TRN-4", Reasons.SharedNeverTraining));
    }

    private static ServerRetentionDecisions DecideServerRetention(PolicyContext c, bool thirdParty, bool zdr, bool consumer)
    {
        if (thirdParty)
        {
            var platform = new Decision<RetentionPeriod>(RetentionPeriod.None, "RET-8", Reasons.PlatformGovernsRetention);
            return new ServerRetentionDecisions(new(false, "RET-8", Reasons.PlatformGovernsRetention), platform, platform, platform);
        }

        var reaches = new Decision<bool>(true, "RET-8", Reasons.FirstPartyReachesServer);
        if (zdr)
        {
            var none = new Decision<RetentionPeriod>(RetentionPeriod.None, "RET-3", Reasons.ZdrNothingPersisted);
            return new ServerRetentionDecisions(reaches, none, none, none);
        }

        Decision<RetentionPeriod> sessionData = consumer
            ? c.User.AllowModelImprovement
                ? new(RetentionPeriod.FiveYears, "RET-1", Reasons.ModelImprovementOn)
                : new(RetentionPeriod.ThirtyDays, "RET-1", Reasons.ModelImprovementOff)
            : new(RetentionPeriod.ThirtyDays, "RET-2", Reasons.PlanIs(c.Plan));

        return new ServerRetentionDecisions(
            reaches,
            sessionData,
            new(RetentionPeriod.FiveYears, "RET-4", Reasons.FeedbackKeptFiveYears),
            new(RetentionPeriod.SixMonths, "RET-5", Reasons.SharedKeptSixMonths));
    }

    private static FeedbackCommandDecisions DecideFeedbackCommand(PolicyContext c, bool thirdParty, bool zdr, SurveyDecisions survey)
    {
        var env = c.Environment;
        string? off = env.DisableFeedbackCommand.On ? env.DisableFeedbackCommand.Evidence
            : env.DisableNonessentialTraffic.On ? env.DisableNonessentialTraffic.Evidence
            : zdr ? Reasons.ZdrNothingPersisted
            : c.Org.ProductFeedbackDisabled ? Reasons.OrgDisablesFeedback
            : null;
        if (off is not null)
        {
            return new FeedbackCommandDecisions(new(false, "FBK-2", off), new(Destination.None, "FBK-2", off));
        }

        var enabled = new Decision<bool>(true, "FBK-1", Reasons.NothingDisablesFeedback);
        Decision<Destination> destination =
            thirdParty ? new(Destination.LocalArchive, "FBK-3", env.ProviderEvidence!)
            : c.Gateway ? new(Destination.LocalArchive, "FBK-3", Reasons.GatewaySession)
            : !c.ServerCredentials ? new(Destination.LocalArchive, "FBK-3", Reasons.NoServerCredentials)
            : survey.EnabledViaOtelOverride.Value ? new(Destination.LocalArchive, "SRV-4", Reasons.OtelOverrideNoServerFeedback)
            : new(Destination.Upload, "FBK-1", Reasons.SignedInFirstParty);
        return new FeedbackCommandDecisions(enabled, destination);
    }

    private static SurveyDecisions DecideSurvey(PolicyContext c)
    {
        var env = c.Environment;
        var rate = DecideSurveyRate(c);

        // The hard switches win over the OTel override (SRV-4, last sentence).
        string? hardOff = env.DisableFeedbackSurvey.On ? env.DisableFeedbackSurvey.Evidence
            : c.Org.ProductFeedbackDisabled ? Reasons.OrgDisablesFeedback
            : null;
        if (hardOff is not null)
        {
            var overrideNote = env.EnableFeedbackSurveyForOtel.On ? Reasons.OverrideCannotLift : Reasons.OverrideNotSet;
            return new SurveyDecisions(
                new(false, "SRV-3", hardOff), rate, new(SurveySink.None, "SRV-3", hardOff), new(false, "SRV-4", overrideNote));
        }

        string? softOff = env.DisableNonessentialTraffic.On ? env.DisableNonessentialTraffic.Evidence
            : env.DisableTelemetry.On ? env.DisableTelemetry.Evidence
            : env.DoNotTrack.On ? env.DoNotTrack.Evidence
            : null;
        if (softOff is not null)
        {
            if (env.EnableFeedbackSurveyForOtel.On)
            {
                var why = env.EnableFeedbackSurveyForOtel.Evidence!;
                return new SurveyDecisions(new(true, "SRV-4", why), rate, new(SurveySink.Otel, "SRV-4", why), new(true, "SRV-4", why));
            }

            return new SurveyDecisions(
                new(false, "SRV-3", softOff), rate, new(SurveySink.None, "SRV-3", softOff), new(false, "SRV-4", Reasons.OverrideNotSet));
        }

        var overrideIdle = env.EnableFeedbackSurveyForOtel.On ? Reasons.OverrideIdle : Reasons.OverrideNotSet;
        Decision<SurveySink> sink = c.Gateway
            ? new(SurveySink.None, "SRV-5", Reasons.GatewayRatingsStayLocal)
            : new(SurveySink.Server, "SRV-1", Reasons.RatingsToServer);
        return new SurveyDecisions(new(true, "SRV-2", Reasons.NothingDisablesSurvey), rate, sink, new(false, "SRV-4", overrideIdle));
    }

    private static Decision<double> DecideSurveyRate(PolicyContext c)
    {
        if (c.Settings.FeedbackSurveyRate is { } configured)
            return new(configured.Value, "SRV-2", configured.Evidence);
        if (c.PublishedSurveyRate is { } published)
            return new(published, "SRV-2", Reasons.PublishedRate);
        return new(BuiltInSurveyRate, "SRV-2", Reasons.BuiltInRate);
    }

    private static TranscriptShareDecisions DecideTranscriptShare(PolicyContext c, SurveyDecisions survey, bool thirdParty, bool zdr)
    {
        var env = c.Environment;
        string? off = !survey.Enabled.Value ? survey.Enabled.Because
            : survey.EnabledViaOtelOverride.Value ? Reasons.OtelOverrideNoFollowUp
            : env.DisableNonessentialTraffic.On ? env.DisableNonessentialTraffic.Evidence
            : zdr ? Reasons.ZdrNothingPersisted
            : c.Org.ProductFeedbackDisabled ? Reasons.OrgDisablesFeedback
            : c.User.SurveyDontAskAgain ? Reasons.DontAskAgain
            : null;
        if (off is not null)
        {
            return new TranscriptShareDecisions(new(false, "SHR-2", off), new(Destination.None, "SHR-2", off));
        }

        Decision<Destination> destination =
            thirdParty ? new(Destination.LocalArchive, "SHR-4", env.ProviderEvidence!)
            : c.Gateway ? new(Destination.LocalArchive, "SHR-4", Reasons.GatewaySession)
            : !c.ServerCredentials ? new(Destination.LocalArchive, "CUS-1", Reasons.NoServerCredentials)
            : new(Destination.Upload, "SHR-3", Reasons.SignedInFirstParty);
        return new TranscriptShareDecisions(new(true, "SHR-1", Reasons.NothingDisablesShare), destination);
    }

    private static LocalRetentionDecisions DecideLocalRetention(PolicySettings s)
    {
        if (s.CleanupPeriodPinned && s.CleanupPeriodDays is { } pinned)
        {
            return new LocalRetentionDecisions(
                new(pinned.Value, "LOC-6", pinned.Evidence),
                new(true, "LOC-6", pinned.Evidence),
                new(SweepPauseReason.None, "LOC-6", pinned.Evidence));
        }

        if (s.Problems.Count > 0)
        {
            var problem = s.Problems[0];
            var reason = problem.Kind == SettingsProblemKind.Unreadable
                ? SweepPauseReason.SettingsUnreadable
                : SweepPauseReason.SettingsInvalid;
            var why = problem.ToString();
            return new LocalRetentionDecisions(new(null, "SET-6", why), new(false, "LOC-6", why), new(reason, "LOC-6", why));
        }

        if (s.UserSettingsExcluded)
        {
            return new LocalRetentionDecisions(
                new(null, "LOC-6", Reasons.UserSettingsExcluded),
                new(false, "LOC-6", Reasons.UserSettingsExcluded),
                new(SweepPauseReason.UserSettingsExcluded, "LOC-6", Reasons.UserSettingsExcluded));
        }

        Decision<long?> period = s.CleanupPeriodDays is { } days
            ? new(days.Value, "LOC-3", days.Evidence)
            : new(DefaultCleanupPeriodDays, "LOC-3", Reasons.DefaultCleanupPeriod);
        return new LocalRetentionDecisions(
            period,
            new(true, "LOC-3", Reasons.PeriodKnown),
            new(SweepPauseReason.None, "LOC-6", Reasons.PeriodKnown));
    }

    private static TrafficDecisions DecideTraffic(
        PolicyContext c, bool thirdParty, FeedbackCommandDecisions feedback, SurveyDecisions survey, TranscriptShareDecisions share)
    {
        var env = c.Environment;
        var nonessential = env.DisableNonessentialTraffic;

        Decision<bool> autoUpdate =
            nonessential.On ? new(false, "FLW-2", nonessential.Evidence!)
            : env.DisableAutoUpdater.On ? new(false, "CUS-2", env.DisableAutoUpdater.Evidence!)
            : new(true, "FLW-1", Reasons.OptionalFlowOn);

        Decision<bool> metrics =
            c.Gateway ? new(false, "FLW-3", Reasons.GatewayNoTelemetry)
            : thirdParty ? new(false, "FLW-3", env.ProviderEvidence!)
            : nonessential.On ? new(false, "FLW-2", nonessential.Evidence!)
            : env.DisableTelemetry.On ? new(false, "FLW-2", env.DisableTelemetry.Evidence!)
            : env.DoNotTrack.On ? new(false, "FLW-2", env.DoNotTrack.Evidence!)
            : new(true, "FLW-1", Reasons.OptionalFlowOn);

        Decision<bool> errorReports =
            c.Gateway ? new(false, "FLW-3", Reasons.GatewayNoTelemetry)
            : thirdParty ? new(false, "FLW-3", env.ProviderEvidence!)
            : nonessential.On ? new(false, "FLW-2", nonessential.Evidence!)
            : env.DisableErrorReporting.On ? new(false, "FLW-2", env.DisableErrorReporting.Evidence!)
            : new(true, "FLW-1", Reasons.OptionalFlowOn);

        var feedbackUpload = new Decision<bool>(
            feedback.Destination.Value == Destination.Upload, feedback.Destination.Rule, feedback.Destination.Because);
        var surveyRatings = new Decision<bool>(
            survey.Enabled.Value && survey.Sink.Value == SurveySink.Server, survey.Sink.Rule, survey.Sink.Because);
        var transcriptShare = new Decision<bool>(
            share.Destination.Value == Destination.Upload, share.Destination.Rule, share.Destination.Because);

        Decision<bool> webFetch = c.Settings.SkipWebFetchPreflight is { Value: true } skip
            ? new(false, "FLW-2", skip.Evidence)
            : new(true, "FLW-2", nonessential.On ? Reasons.WebFetchUnaffectedByNonessential : Reasons.WebFetchOn);

        Decision<bool> featureFlags =
            nonessential.On ? new(false, "FLW-2", nonessential.Evidence!)
            : env.DisableTelemetry.On ? new(false, "FLW-2", env.DisableTelemetry.Evidence!)
            : env.DoNotTrack.On ? new(false, "FLW-2", env.DoNotTrack.Evidence!)
            : new(true, "FLW-1", Reasons.OptionalFlowOn);

        Decision<bool> releaseNotes = nonessential.On
            ? new(false, "FLW-2", nonessential.Evidence!)
            : new(true, "FLW-1", Reasons.OptionalFlowOn);

        return new TrafficDecisions(
            autoUpdate, metrics, errorReports, feedbackUpload, surveyRatings, transcriptShare, webFetch, featureFlags, releaseNotes);
    }

    /// <summary>The fixed "because" texts; constants so that evaluation allocates nothing but the result.</summary>
    private static class Reasons
    {
        public const string ThirdPartyIsCommercial = "a third-party platform is selected: commercial terms apply whatever the plan";
        public const string NoProviderVariable = "no provider variable is set: the first-party API";
        public const string ThirdPartyNoTraining = "third-party platform: session data never reaches the server and is never used for training";
        public const string ZdrNothingPersisted = "the organization has zero data retention: no session content is persisted on the server";
        public const string ModelImprovementOn = "consumer plan with allowModelImprovement on";
        public const string ModelImprovementOff = "consumer plan with allowModelImprovement off (the default)";
        public const string DppOptedIn = "the organization opted in to the Development Partner Program";
        public const string CommercialNoProgram = "commercial plan without a data-sharing program";
        public const string RatingsNeverTraining = "survey ratings are never training data";
        public const string SharedNeverTraining = "transcripts shared through the survey follow-up are never training data";
        public const string PlatformGovernsRetention = "third-party platform: session data does not reach the server; the platform governs retention";
        public const string FirstPartyReachesServer = "first-party API: session data reaches the server";
        public const string FeedbackKeptFiveYears = "transcripts sent with /feedback are kept 5 years";
        public const string SharedKeptSixMonths = "transcripts shared through the survey follow-up are kept at most 6 months";
        public const string OrgDisablesFeedback = "organization policy disables product feedback";
        public const string NothingDisablesFeedback = "no switch or policy disables /feedback";
        public const string GatewaySession = "gateway session: nothing leaves the machine";
        public const string NoServerCredentials = "no server credentials: nothing can be uploaded";
        public const string SignedInFirstParty = "signed in to the first-party API";
        public const string OverrideCannotLift = "the OTel override cannot lift CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY or an org policy";
        public const string OverrideNotSet = "CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL is not set";
        public const string OverrideIdle = "the OTel override applies only when a telemetry switch disabled the survey";
        public const string GatewayRatingsStayLocal = "gateway session: ratings are kept only on the machine";
        public const string RatingsToServer = "ratings (rating, session id and time only) go to the server";
        public const string NothingDisablesSurvey = "no switch or policy disables the survey";
        public const string PublishedRate = "feedbackSurveyRate unset: the rate the server publishes";
        public const string BuiltInRate = "feedbackSurveyRate unset and no server-published rate: the built-in 0.005";
        public const string OtelOverrideNoServerFeedback = "OTel override mode: no feedback traffic goes to the server, so /feedback writes the local archive";
        public const string OtelOverrideNoFollowUp = "OTel override mode: the follow-up and all server-bound feedback stay off";
        public const string DontAskAgain = "the user chose Don't ask again";
        public const string NothingDisablesShare = "the survey is on and nothing disables the follow-up";
        public const string UserSettingsExcluded = "the user settings source is excluded, so the user's cleanupPeriodDays is unknown";
        public const string DefaultCleanupPeriod = "cleanupPeriodDays unset: the default 30 days";
        public const string PeriodKnown = "the retention period is known from valid settings";
        public const string OptionalFlowOn = "optional flow, not switched off";
        public const string GatewayNoTelemetry = "gateway session: never sent, and no setting turns it back on";
        public const string WebFetchOn = "skipWebFetchPreflight is not set";
        public const string WebFetchUnaffectedByNonessential = "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC does not turn off the WebFetch check; only skipWebFetchPreflight does";

        /// <summary>The winning variable, and the ones that lost to it: the trace must show them (SET-5).</summary>
        public static string ProviderSelected(ClientEnvironment env) => env.IgnoredProviders.Count == 0
            ? env.ProviderEvidence!
            : $"{env.ProviderEvidence}; also set and ignored, as Claude Code uses the first of Bedrock, Foundry, Claude Platform on AWS, Vertex: "
                + string.Join(", ", env.IgnoredProviders);

        public static string PlanIs(Plan plan) => plan switch
        {
            Plan.Free => "plan 'free' (consumer)",
            Plan.Pro => "plan 'pro' (consumer)",
            Plan.Max => "plan 'max' (consumer)",
            Plan.Team => "plan 'team' (commercial)",
            Plan.Enterprise => "plan 'enterprise' (commercial)",
            Plan.Api => "plan 'api' (commercial)",
            _ => "plan 'gov' (commercial)",
        };
    }
}
