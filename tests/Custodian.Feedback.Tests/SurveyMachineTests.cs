using Custodian.Feedback.Survey;
using Custodian.Policy;
using Microsoft.Extensions.Time.Testing;
using static Custodian.Feedback.Tests.SurveyTestKit;

namespace Custodian.Feedback.Tests;

public sealed class SurveyMachineTests
{
    private static AwaitingRating Shown(PolicyDecisions policy, SurveyState? state = null)
    {
        var begin = Machine().Begin(policy, state ?? SurveyState.Empty, Eligible());
        return Assert.IsType<AwaitingRating>(begin.Next);
    }

    // ---- SRV-1: the prompt, the answers, only the rating is recorded ------------------------------------------

    [Theory]
    [Trait("spec", "SRV-1")]
    [InlineData("1", SurveyRating.Bad)]
    [InlineData("2", SurveyRating.Fine)]
    [InlineData("3", SurveyRating.Good)]
    [InlineData("0", SurveyRating.Dismiss)]
    [InlineData("  3\t", SurveyRating.Good)]
    public void A_digit_alone_on_the_line_is_a_rating(string line, SurveyRating expected)
    {
        Assert.True(SurveyInput.TryParseRating(line, out var rating));
        Assert.Equal(expected, rating);
    }

    [Theory]
    [Trait("spec", "SRV-1")]
    [InlineData("I have 2 cats")]
    [InlineData("2 cats")]
    [InlineData("cats: 2")]
    [InlineData("22")]
    [InlineData("2.")]
    [InlineData("4")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("one")]
    [InlineData("٣")]
    public void A_digit_inside_other_text_is_never_a_rating(string line)
    {
        Assert.False(SurveyInput.TryParseRating(line, out _));

        var shown = Shown(Decisions());
        var t = Machine().Rate(shown, line, SurveyState.Empty);
        Assert.Same(shown, t.Next);
        Assert.Empty(t.Effects);
        Assert.NotNull(t.Rejected);
    }

    [Theory]
    [Trait("spec", "SRV-1")]
    [InlineData("1", SurveyRating.Bad)]
    [InlineData("0", SurveyRating.Dismiss)]
    public void Any_answer_Dismiss_included_records_only_the_rating_with_session_and_time(string line, SurveyRating expected)
    {
        var time = new FakeTimeProvider(Now);
        var machine = Machine(time: time);
        var shown = Assert.IsType<AwaitingRating>(machine.Begin(Decisions(), SurveyState.Empty, Eligible("s-42")).Next);
        time.Advance(TimeSpan.FromSeconds(7));

        var t = machine.Rate(shown, line, SurveyState.Empty);

        var record = Assert.IsType<RecordRating>(Assert.Single(t.Effects));
        Assert.Equal(new RatingRecord("s-42", "appearance-1", expected, Now.AddSeconds(7)), record.Rating);
        Assert.Equal(SurveySink.Server, record.Sink);
        // The record type has no room for content: exactly session, appearance, rating and time.
        Assert.Equal(
            ["AppearanceId", "At", "Rating", "SessionId"],
            typeof(RatingRecord).GetProperties().Select(p => p.Name).Where(n => n != "EqualityContract").Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("spec", "SRV-1")]
    public void Dismiss_ends_the_survey_without_the_follow_up()
    {
        var t = Machine().Rate(Shown(Decisions()), "0", SurveyState.Empty);

        Assert.Equal(SurveyEnd.Rated, Assert.IsType<SurveyFinished>(t.Next).End);
    }

    // ---- SRV-2: eligibility and sampling ------------------------------------------------------------------------

    [Theory]
    [Trait("spec", "SRV-2")]
    [InlineData(0.005, 0.0, true)]
    [InlineData(0.005, 0.0049999, true)]
    [InlineData(0.005, 0.005, false)]
    [InlineData(0.005, 0.0050001, false)]
    [InlineData(0.0, 0.0, false)]
    [InlineData(1.0, 0.9999999, true)]
    [InlineData(0.1, 0.0999, true)]
    [InlineData(0.1, 0.1, false)]
    public void The_survey_appears_when_the_draw_is_below_the_rate(double rate, double draw, bool appears)
    {
        var t = Machine(draw).Begin(Decisions(rate: rate), SurveyState.Empty, Eligible());

        if (appears)
        {
            Assert.IsType<AwaitingRating>(t.Next);
            Assert.IsType<RecordAppearance>(Assert.Single(t.Effects));
        }
        else
        {
            Assert.Equal(SkipReason.NotSampled, Assert.IsType<SurveySkipped>(t.Next).Reason);
            Assert.Equal(new RecordDraw("session-1"), Assert.Single(t.Effects));
        }
    }

    [Theory]
    [Trait("spec", "SRV-2")]
    [InlineData(null, null, 0.005)]
    [InlineData(null, 0.25, 0.25)]
    [InlineData(0.5, 0.25, 0.5)]
    public void The_rate_is_settings_else_the_published_rate_else_0_005(double? settings, double? published, double expected)
    {
        var policy = Decisions(rate: settings, published: published);
        Assert.Equal(expected, policy.Survey.Rate.Value);

        Assert.IsType<AwaitingRating>(Machine(Math.BitDecrement(expected)).Begin(policy, SurveyState.Empty, Eligible()).Next);
        Assert.IsType<SurveySkipped>(Machine(expected).Begin(policy, SurveyState.Empty, Eligible()).Next);
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public void A_session_becomes_eligible_after_three_prompts_and_has_one_draw()
    {
        var draws = 0;
        var machine = new SurveyMachine(new FuncRandomSource(() => { draws++; return 0.0; }), new FakeTimeProvider(Now));

        var young = machine.Begin(Decisions(), SurveyState.Empty, new SurveySession("s", SurveyEligibility.MinUserTurns - 1));
        Assert.Equal(SkipReason.TooShort, Assert.IsType<SurveySkipped>(young.Next).Reason);
        Assert.Equal(0, draws);

        var drawn = machine.Begin(Decisions(), SurveyState.Empty with { DrawnSessions = ["s"] }, new SurveySession("s", 10));
        Assert.Equal(SkipReason.AlreadyDrawn, Assert.IsType<SurveySkipped>(drawn.Next).Reason);
        Assert.Equal(0, draws);

        Assert.IsType<AwaitingRating>(machine.Begin(Decisions(), SurveyState.Empty, new SurveySession("s", 3)).Next);
        Assert.Equal(1, draws);
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public void Without_a_session_there_is_no_survey()
    {
        var t = Machine().Begin(Decisions(), SurveyState.Empty, null);

        Assert.Equal(SkipReason.NoSession, Assert.IsType<SurveySkipped>(t.Next).Reason);
        Assert.Empty(t.Effects);
    }

    // ---- SRV-3/4/5: the gates ----------------------------------------------------------------------------------

    [Theory]
    [Trait("spec", "SRV-3")]
    [InlineData("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY")]
    [InlineData("DISABLE_TELEMETRY=1", "DISABLE_TELEMETRY")]
    [InlineData("DO_NOT_TRACK=true", "DO_NOT_TRACK")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")]
    [InlineData("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1;DO_NOT_TRACK=1", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY")]
    public void A_disabled_survey_never_draws_appears_or_records(string env, string cause)
    {
        var draws = 0;
        var machine = new SurveyMachine(new FuncRandomSource(() => { draws++; return 0.0; }), new FakeTimeProvider(Now));

        var t = machine.Begin(Decisions(env), SurveyState.Empty, Eligible());

        var skipped = Assert.IsType<SurveySkipped>(t.Next);
        Assert.Equal(SkipReason.Disabled, skipped.Reason);
        Assert.Equal("SRV-3", skipped.Rule);
        Assert.Contains(cause, skipped.Because, StringComparison.Ordinal);
        Assert.Empty(t.Effects);
        Assert.Equal(0, draws);
    }

    [Fact]
    [Trait("spec", "SRV-3")]
    public void An_org_policy_disabling_product_feedback_disables_the_survey_and_the_override_cannot_lift_it()
    {
        var t = Machine().Begin(Decisions("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1;DO_NOT_TRACK=1", orgFeedbackOff: true), SurveyState.Empty, Eligible());

        Assert.Equal(SkipReason.Disabled, Assert.IsType<SurveySkipped>(t.Next).Reason);
    }

    [Fact]
    [Trait("spec", "SRV-3")]
    public void Zero_data_retention_alone_does_not_disable_the_survey_but_there_is_no_follow_up()
    {
        var machine = Machine();
        var shown = Assert.IsType<AwaitingRating>(machine.Begin(Decisions(zdr: true), SurveyState.Empty, Eligible()).Next);

        var t = machine.Rate(shown, "3", SurveyState.Empty);

        Assert.IsType<RecordRating>(Assert.Single(t.Effects));
        Assert.IsType<SurveyFinished>(t.Next);
    }

    [Theory]
    [Trait("spec", "SRV-4")]
    [InlineData("DISABLE_TELEMETRY=1")]
    [InlineData("DO_NOT_TRACK=1")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")]
    public void The_override_sends_events_to_the_collector_only_and_never_offers_the_follow_up(string telemetrySwitch)
    {
        var machine = Machine();
        var begin = machine.Begin(Decisions(telemetrySwitch + ";CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"), SurveyState.Empty, Eligible());
        var shown = Assert.IsType<AwaitingRating>(begin.Next);
        Assert.True(shown.Appearance.EnabledViaOtelOverride);
        Assert.Equal(SurveySink.Otel, shown.Appearance.Sink);
        var appeared = Assert.Single(begin.Effects.OfType<EmitSurveyEvent>());
        Assert.Equal(SurveyEventType.Appeared, appeared.Event.Type);

        var t = machine.Rate(shown, "1", SurveyState.Empty);

        var responded = Assert.IsType<EmitSurveyEvent>(Assert.Single(t.Effects));
        Assert.Equal(SurveyEventType.Responded, responded.Event.Type);
        Assert.Equal(SurveyRating.Bad, responded.Event.Rating);
        Assert.DoesNotContain(t.Effects, e => e is RecordRating);
        Assert.Equal(SurveyEnd.Rated, Assert.IsType<SurveyFinished>(t.Next).End);
    }

    [Fact]
    [Trait("spec", "SRV-4")]
    public void Without_the_override_no_event_is_emitted()
    {
        var machine = Machine();
        var begin = machine.Begin(Decisions("CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"), SurveyState.Empty, Eligible());
        var shown = Assert.IsType<AwaitingRating>(begin.Next);
        var rated = machine.Rate(shown, "2", SurveyState.Empty);

        Assert.DoesNotContain(begin.Effects.Concat(rated.Effects), e => e is EmitSurveyEvent);
        Assert.Equal(SurveySink.Server, Assert.IsType<RecordRating>(Assert.Single(rated.Effects)).Sink);
    }

    [Theory]
    [Trait("spec", "SRV-5")]
    [InlineData("CLAUDE_CODE_USE_BEDROCK=1", false, SurveySink.Server)]
    [InlineData("CLAUDE_CODE_USE_VERTEX=1", false, SurveySink.Server)]
    [InlineData("CLAUDE_CODE_USE_FOUNDRY=1", false, SurveySink.Server)]
    [InlineData("", true, SurveySink.None)]
    public void The_survey_runs_on_every_provider_and_gateway_ratings_stay_on_the_machine(string env, bool gateway, SurveySink sink)
    {
        var machine = Machine();
        var shown = Assert.IsType<AwaitingRating>(machine.Begin(Decisions(env, gateway: gateway), SurveyState.Empty, Eligible()).Next);

        var t = machine.Rate(shown, "3", SurveyState.Empty);

        Assert.Equal(sink, Assert.IsType<RecordRating>(Assert.Single(t.Effects)).Sink);
    }

    // ---- SRV-6 / TRN-4: the training preference is never touched --------------------------------------------------

    [Theory]
    [Trait("spec", "SRV-6")]
    [Trait("spec", "TRN-4")]
    [InlineData(true)]
    [InlineData(false)]
    public void No_answer_path_has_an_effect_that_could_change_the_training_preference(bool allowTraining)
    {
        var policy = Decisions(allowTraining: allowTraining);
        var machine = Machine();
        var effects = new List<SurveyEffect>();
        foreach (var rating in new[] { "0", "1", "2", "3" })
        {
            foreach (var followUp in new[] { "y", "n", "d" })
            {
                var begin = machine.Begin(policy, SurveyState.Empty, Eligible());
                effects.AddRange(begin.Effects);
                var rated = machine.Rate(Assert.IsType<AwaitingRating>(begin.Next), rating, SurveyState.Empty);
                effects.AddRange(rated.Effects);
                if (rated.Next is AwaitingFollowUp f) effects.AddRange(SurveyMachine.FollowUp(f, followUp).Effects);
            }
        }

        Assert.All(effects, e => Assert.True(e is RecordAppearance or RecordRating or PersistDontAskAgain, e.GetType().Name));
        Assert.False(policy.Training.SurveyRatings.Value);
        Assert.False(policy.Training.SharedTranscripts.Value);
    }

    // ---- SHR-1/2: the follow-up and when it is never offered ------------------------------------------------------

    [Theory]
    [Trait("spec", "SHR-1")]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    public void After_a_rating_the_follow_up_is_offered_with_Yes_No_and_Dont_ask_again(string rating)
    {
        var t = Machine().Rate(Shown(Decisions()), rating, SurveyState.Empty);

        var followUp = Assert.IsType<AwaitingFollowUp>(t.Next);
        Assert.Equal(Destination.Upload, followUp.Destination);
        Assert.Equal(FollowUpChoice.Yes, SurveyInput.ParseFollowUp("y"));
        Assert.Equal(FollowUpChoice.No, SurveyInput.ParseFollowUp("No"));
        Assert.Equal(FollowUpChoice.DontAskAgain, SurveyInput.ParseFollowUp("d"));
        Assert.Null(SurveyInput.ParseFollowUp("yeah sure"));
    }

    [Theory]
    [Trait("spec", "SHR-2")]
    [InlineData("DO_NOT_TRACK=1;CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1", false, false, false, false)]
    [InlineData("", true, false, false, false)]
    [InlineData("", false, true, false, false)]
    [InlineData("", false, false, true, false)]
    [InlineData("", false, false, false, true)]
    public void The_follow_up_is_never_offered_under_override_ZDR_org_policy_or_after_Dont_ask_again(
        string env, bool zdr, bool orgOff, bool dontAskInPolicy, bool dontAskInState)
    {
        var policy = Decisions(env, zdr: zdr, dontAskAgain: dontAskInPolicy);
        var state = SurveyState.Empty with { DontAskAgain = dontAskInState };
        if (orgOff)
        {
            // The org switch disables the survey itself (SRV-3), so there is no rating to follow up.
            Assert.IsType<SurveySkipped>(Machine().Begin(Decisions(orgFeedbackOff: true), state, Eligible()).Next);
            return;
        }

        var t = Machine().Rate(Shown(policy, state), "3", state);

        Assert.Equal(SurveyEnd.Rated, Assert.IsType<SurveyFinished>(t.Next).End);
    }

    [Fact]
    [Trait("spec", "SHR-2")]
    public void Nonessential_traffic_disables_the_survey_and_so_the_follow_up()
    {
        Assert.IsType<SurveySkipped>(Machine().Begin(Decisions("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"), SurveyState.Empty, Eligible()).Next);
        Assert.False(Decisions("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1").TranscriptShare.Offered.Value);
    }

    // ---- SHR-3/4: where Yes goes ----------------------------------------------------------------------------------

    [Theory]
    [Trait("spec", "SHR-3")]
    [Trait("spec", "SHR-4")]
    [InlineData("", false, true, Destination.Upload)]
    [InlineData("CLAUDE_CODE_USE_BEDROCK=1", false, true, Destination.LocalArchive)]
    [InlineData("CLAUDE_CODE_USE_VERTEX=1", false, true, Destination.LocalArchive)]
    [InlineData("CLAUDE_CODE_USE_FOUNDRY=1", false, true, Destination.LocalArchive)]
    [InlineData("", true, true, Destination.LocalArchive)]
    [InlineData("", false, false, Destination.LocalArchive)]
    public void Yes_prepares_a_share_for_the_policy_destination_and_sends_nothing_yet(string env, bool gateway, bool credentials, Destination destination)
    {
        var policy = Decisions(env, gateway: gateway, credentials: credentials);
        var machine = Machine();
        var rated = machine.Rate(Assert.IsType<AwaitingRating>(machine.Begin(policy, SurveyState.Empty, Eligible()).Next), "3", SurveyState.Empty);

        var yes = SurveyMachine.FollowUp(Assert.IsType<AwaitingFollowUp>(rated.Next), "y");

        Assert.Equal(destination, Assert.IsType<PreparingShare>(yes.Next).Destination);
        Assert.Empty(yes.Effects);
    }

    // ---- SHR-5: No and Don't ask again send nothing ----------------------------------------------------------------

    [Theory]
    [Trait("spec", "SHR-5")]
    [InlineData("n")]
    [InlineData("no")]
    public void No_sends_nothing(string line)
    {
        var t = SurveyMachine.FollowUp(FollowUp(), line);

        Assert.Equal(SurveyEnd.FollowUpNo, Assert.IsType<SurveyFinished>(t.Next).End);
        Assert.Empty(t.Effects);
    }

    [Fact]
    [Trait("spec", "SHR-5")]
    public void Dont_ask_again_sends_nothing_and_persists()
    {
        var t = SurveyMachine.FollowUp(FollowUp(), "d");

        Assert.Equal(SurveyEnd.FollowUpDontAskAgain, Assert.IsType<SurveyFinished>(t.Next).End);
        Assert.IsType<PersistDontAskAgain>(Assert.Single(t.Effects));
    }

    [Fact]
    [Trait("spec", "SHR-5")]
    public void Ending_the_input_at_the_follow_up_is_a_No()
    {
        var t = SurveyMachine.Abandon(FollowUp());

        Assert.Equal(SurveyEnd.FollowUpNo, Assert.IsType<SurveyFinished>(t.Next).End);
        Assert.Empty(t.Effects);
    }

    // ---- SHR-6: only the deliberate confirmation sends --------------------------------------------------------------

    [Theory]
    [Trait("spec", "SHR-6")]
    [InlineData("y")]
    [InlineData("Y")]
    [InlineData("")]
    [InlineData("ye")]
    [InlineData("yes please")]
    [InlineData("yess")]
    [InlineData("3")]
    [InlineData("no")]
    public void Yes_without_the_confirmation_sends_nothing(string line)
    {
        var t = SurveyMachine.Confirm(Confirmation(), line);

        Assert.Equal(SurveyEnd.ShareCancelled, Assert.IsType<SurveyFinished>(t.Next).End);
        Assert.Empty(t.Effects);
    }

    [Theory]
    [Trait("spec", "SHR-6")]
    [InlineData("yes")]
    [InlineData("YES")]
    [InlineData("  yes ")]
    public void Only_yes_in_full_delivers_exactly_the_previewed_payload(string line)
    {
        var confirmation = Confirmation();

        var t = SurveyMachine.Confirm(confirmation, line);

        Assert.Equal(SurveyEnd.Shared, Assert.IsType<SurveyFinished>(t.Next).End);
        Assert.Same(confirmation.Preview, Assert.IsType<DeliverShare>(Assert.Single(t.Effects)).Preview);
    }

    [Fact]
    [Trait("spec", "SHR-6")]
    public void A_preview_of_another_session_or_destination_is_refused()
    {
        var preparing = Assert.IsType<PreparingShare>(SurveyMachine.FollowUp(FollowUp(), "y").Next);

        Assert.Throws<ArgumentException>(() => SurveyMachine.Prepared(preparing, Preview("other", Destination.Upload)));
        Assert.Throws<ArgumentException>(() => SurveyMachine.Prepared(preparing, Preview("session-1", Destination.LocalArchive)));
    }

    [Fact]
    [Trait("spec", "SHR-6")]
    public void Ending_the_input_at_the_confirmation_sends_nothing()
    {
        var t = SurveyMachine.Abandon(Confirmation());

        Assert.Equal(SurveyEnd.ShareCancelled, Assert.IsType<SurveyFinished>(t.Next).End);
        Assert.Empty(t.Effects);
    }

    private static AwaitingFollowUp FollowUp() =>
        Assert.IsType<AwaitingFollowUp>(Machine().Rate(Shown(Decisions()), "3", SurveyState.Empty).Next);

    private static AwaitingShareConfirmation Confirmation()
    {
        var preparing = Assert.IsType<PreparingShare>(SurveyMachine.FollowUp(FollowUp(), "y").Next);
        return Assert.IsType<AwaitingShareConfirmation>(SurveyMachine.Prepared(preparing, Preview("session-1", Destination.Upload)).Next);
    }

    internal static SharePreview Preview(string session, Destination destination) =>
        new(session, destination, "test", [new ShareFile($"transcripts/{session}.jsonl", 1234, 2)], 567,
            new Dictionary<string, long> { ["anthropic-api-key"] = 2 }, new object());
}
