using System.Net;
using Custodian.Policy;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>Consent history, capture-time policy and the training export (TRN, DPP, RET-6, FBK-5).</summary>
public abstract partial class ServerSuite
{
    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-3")]
    public async Task Events_captured_while_consent_was_off_are_never_exported_even_after_consent_turns_on()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        var before = Marker("before-consent");
        var after = Marker("after-consent");

        var off = await CaptureAsync(alice, "s1", before);
        Assert.False(off.GetProperty("trainingEligible").GetBoolean());
        Time.Advance(TimeSpan.FromMinutes(5));
        await SetConsentAsync(alice, true);
        Time.Advance(TimeSpan.FromMinutes(5));
        var on = await CaptureAsync(alice, "s1", after);
        Assert.True(on.GetProperty("trainingEligible").GetBoolean());

        var export = await ExportAsync(ops);

        Assert.False(Mentions(export, before), "data captured before consent was exported");
        var line = Assert.Single(export);
        Assert.Equal("event", line.GetProperty("kind").GetString());
        Assert.Equal("alice", line.GetProperty("accountId").GetString());
        Assert.Equal("s1", line.GetProperty("sessionId").GetString());
        Assert.Contains(after, line.GetProperty("data").GetRawText(), StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(10), line.GetProperty("capturedAt").GetDateTimeOffset());

        // The session itself keeps both events, each with the eligibility it was captured with.
        var events = await SessionEventsAsync(alice, "s1");
        Assert.Equal([false, true], events.Select(e => e.GetProperty("trainingEligible").GetBoolean()));
    }

    [Fact]
    [Trait("spec", "TRN-3")]
    [Trait("spec", "TRN-1")]
    public async Task Events_captured_with_consent_are_exported_only_while_consent_is_still_on()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        var marker = Marker("with-consent");
        await CaptureAsync(alice, "s1", marker);

        Assert.True(Mentions(await ExportAsync(ops), marker));

        await SetConsentAsync(alice, false);
        Assert.Empty(await ExportAsync(ops));

        // Captured while off: never eligible, whatever happens later.
        var whileOff = Marker("while-off");
        await CaptureAsync(alice, "s1", whileOff);
        await SetConsentAsync(alice, true);
        var export = await ExportAsync(ops);
        Assert.True(Mentions(export, marker));
        Assert.False(Mentions(export, whileOff));

        // Each change is in the audit log.
        var changes = (await AuditEntriesAsync(ops)).Where(e => e.GetProperty("action").GetString() == "privacy.update").ToList();
        Assert.Equal(["allowModelImprovement=true", "allowModelImprovement=false", "allowModelImprovement=true"],
            changes.Select(e => e.GetProperty("details").GetString()));
    }

    [Fact]
    [Trait("spec", "RET-6")]
    [Trait("spec", "RET-1")]
    public async Task Retention_is_fixed_at_capture_P30D_without_consent_and_P5Y_with_it()
    {
        var alice = await KeyAsync("alice");
        var first = await CaptureAsync(alice, "s1", Marker("a"));
        Assert.Equal("P30D", first.GetProperty("retention").GetString());
        Assert.Equal("RET-1", first.GetProperty("retentionRule").GetString());
        Assert.Equal(T0.AddDays(30), first.GetProperty("expiresAt").GetDateTimeOffset());

        Time.Advance(TimeSpan.FromDays(1));
        await SetConsentAsync(alice, true);
        var privacy = await GetAsync("/v1/me/privacy", alice);
        Assert.Equal("P5Y", privacy.Json.GetProperty("sessionRetention").GetString());
        var second = await CaptureAsync(alice, "s1", Marker("b"));
        Assert.Equal("P5Y", second.GetProperty("retention").GetString());
        Assert.Equal(T0.AddDays(1).AddYears(5), second.GetProperty("expiresAt").GetDateTimeOffset());

        // Turning consent off again changes neither record's retention.
        Time.Advance(TimeSpan.FromDays(1));
        await SetConsentAsync(alice, false);
        var third = await CaptureAsync(alice, "s1", Marker("c"));
        Assert.Equal("P30D", third.GetProperty("retention").GetString());

        var events = await SessionEventsAsync(alice, "s1");
        Assert.Equal([T0.AddDays(30), T0.AddDays(1).AddYears(5), T0.AddDays(2).AddDays(30)],
            events.Select(e => e.GetProperty("expiresAt").GetDateTimeOffset()));
        Assert.Equal(T0.AddDays(30).ToUnixTimeMilliseconds(), await Db.ScalarAsync("SELECT MIN(expires_at) FROM events"));
        Assert.Equal(T0.AddDays(1).AddYears(5).ToUnixTimeMilliseconds(), await Db.ScalarAsync("SELECT MAX(expires_at) FROM events"));
    }

    [Theory]
    [InlineData(Plan.Team)]
    [InlineData(Plan.Enterprise)]
    [InlineData(Plan.Api)]
    [InlineData(Plan.Gov)]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "RET-2")]
    public async Task Commercial_org_data_is_kept_30_days_and_never_exported_even_with_the_users_consent(Plan plan)
    {
        var user = await KeyAsync("u", Role.User, plan, "org");
        var ops = await OperatorAsync();
        await SetConsentAsync(user, true);

        var captured = await CaptureAsync(user, "s1", Marker("commercial"));

        Assert.Equal("P30D", captured.GetProperty("retention").GetString());
        Assert.Equal("RET-2", captured.GetProperty("retentionRule").GetString());
        Assert.False(captured.GetProperty("trainingEligible").GetBoolean());
        Assert.Empty(await ExportAsync(ops));
    }

    [Fact]
    [Trait("spec", "DPP-3")]
    [Trait("spec", "TRN-3")]
    [Trait("spec", "TRN-2")]
    public async Task An_api_org_in_the_development_partner_program_is_exported_from_opt_in_on_and_a_team_org_never()
    {
        var admin = await KeyAsync("api-admin", Role.OrgAdmin, Plan.Api, "api-org");
        var dev = await KeyAsync("api-dev", Role.User, Plan.Api, "api-org");
        var teamAdmin = await KeyAsync("team-admin", Role.OrgAdmin, Plan.Team, "team-org");
        var teamDev = await KeyAsync("team-dev", Role.User, Plan.Team, "team-org");
        var ops = await OperatorAsync();
        await SetConsentAsync(teamDev, true);

        var beforeOptIn = Marker("api-before");
        await CaptureAsync(dev, "api-s1", beforeOptIn);
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/api-org/policy", admin, "{\"developmentPartnerProgram\":true}")).Status);
        AssertProblem(await PutJsonAsync("/v1/orgs/team-org/policy", teamAdmin, "{\"developmentPartnerProgram\":true}"), 422, rule: "DPP-2");

        var afterOptIn = Marker("api-after");
        var captured = await CaptureAsync(dev, "api-s1", afterOptIn);
        Assert.True(captured.GetProperty("trainingEligible").GetBoolean());
        var team = Marker("team");
        Assert.False((await CaptureAsync(teamDev, "team-s1", team)).GetProperty("trainingEligible").GetBoolean());

        var export = await ExportAsync(ops);
        Assert.True(Mentions(export, afterOptIn));
        Assert.False(Mentions(export, beforeOptIn));
        Assert.False(Mentions(export, team));
        Assert.All(export, l => Assert.Equal("api-dev", l.GetProperty("accountId").GetString()));

        // Opting out stops the export of what was captured while in (TRN-3 at export time).
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/api-org/policy", admin, "{\"developmentPartnerProgram\":false}")).Status);
        Assert.Empty(await ExportAsync(ops));
    }

    [Fact]
    [Trait("spec", "SRV-1")]
    public async Task A_rating_with_any_content_field_is_refused()
    {
        var alice = await KeyAsync("alice");
        foreach (var field in new[] { "transcript", "input", "output", "comment", "text" })
        {
            var body = $"{{\"sessionId\":\"s1\",\"appearanceId\":\"a1\",\"rating\":2,\"{field}\":\"the user's code\"}}";
            AssertProblem(await PostJsonAsync("/v1/survey/ratings", alice, body), 400, field + ": unknown field");
        }

        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "SRV-6")]
    public async Task Every_answer_records_only_the_rating_is_never_exported_and_leaves_the_training_preference_alone(int rating)
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        var appearance = Marker("appearance");

        var reply = await RateAsync(alice, "s1", rating, appearance);

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.False(reply.Json.GetProperty("trainingEligible").GetBoolean());
        var stored = Assert.Single(await Store.ListRatingsAsync("alice", Time.GetUtcNow()));
        Assert.Equal(new Rating("alice", "s1", appearance, rating, T0), stored);
        Assert.False(Mentions(await ExportAsync(ops), appearance));
        Assert.Empty(await ExportAsync(ops));
        Assert.True((await GetAsync("/v1/me/privacy", alice)).Json.GetProperty("allowModelImprovement").GetBoolean());
        await SetConsentAsync(alice, false);
        await RateAsync(alice, "s1", rating, Marker("again"));
        Assert.False((await GetAsync("/v1/me/privacy", alice)).Json.GetProperty("allowModelImprovement").GetBoolean());
    }

    [Fact]
    [Trait("spec", "RET-4")]
    [Trait("spec", "RET-5")]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "FBK-5")]
    public async Task Feedback_is_kept_5_years_and_exported_when_eligible_transcript_shares_6_months_and_never_exported()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);

        var feedback = await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["s1", "s2"], Marker("fb")));
        Assert.True(feedback.Status == HttpStatusCode.Created, feedback.ToString());
        Assert.Equal("P5Y", feedback.Json.GetProperty("retention").GetString());
        Assert.Equal("RET-4", feedback.Json.GetProperty("retentionRule").GetString());
        Assert.Equal(T0.AddYears(5), feedback.Json.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.True(feedback.Json.GetProperty("trainingEligible").GetBoolean());

        var share = await PostBundleAsync(alice, "transcript-share", Bundles.Build("transcript-share", ["s1"], Marker("share")));
        Assert.True(share.Status == HttpStatusCode.Created, share.ToString());
        Assert.Equal("P6M", share.Json.GetProperty("retention").GetString());
        Assert.Equal("RET-5", share.Json.GetProperty("retentionRule").GetString());
        Assert.Equal(T0.AddMonths(6), share.Json.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.False(share.Json.GetProperty("trainingEligible").GetBoolean());

        var stored = await Store.ListFeedbackAsync("alice", Time.GetUtcNow());
        Assert.Equal(2, stored.Count);
        Assert.Equal(["s1", "s2"], stored.Single(f => f.Kind == FeedbackKind.Feedback).SessionIds);

        var export = await ExportAsync(ops);
        var line = Assert.Single(export);
        Assert.Equal("feedback", line.GetProperty("kind").GetString());
        Assert.Equal("s1", line.GetProperty("sessionId").GetString());
        Assert.Equal(feedback.Json.GetProperty("id").GetString(), line.GetProperty("data").GetProperty("feedbackId").GetString());
        var bundle = Convert.FromBase64String(line.GetProperty("data").GetProperty("bundleBase64").GetString()!);
        Assert.Equal(stored.Single(f => f.Kind == FeedbackKind.Feedback).Bytes, bundle.Length);
        Assert.DoesNotContain(share.Json.GetProperty("id").GetString()!, string.Join("\n", export.Select(e => e.GetRawText())), StringComparison.Ordinal);

        // Sent without consent: not training-eligible, and stays so (FBK-5 at the time it was sent).
        await SetConsentAsync(alice, false);
        var unconsented = await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["s3"], Marker("fb-off")));
        Assert.False(unconsented.Json.GetProperty("trainingEligible").GetBoolean());
        Assert.Equal("P5Y", unconsented.Json.GetProperty("retention").GetString());
        Assert.Empty(await ExportAsync(ops));
        await SetConsentAsync(alice, true);
        var again = await ExportAsync(ops);
        Assert.Equal([feedback.Json.GetProperty("id").GetString()], again.Select(l => l.GetProperty("data").GetProperty("feedbackId").GetString()));
    }

    [Fact]
    [Trait("spec", "RET-3")]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "FBK-2")]
    [Trait("spec", "SHR-2")]
    public async Task Under_zero_data_retention_events_are_acknowledged_but_not_stored_ratings_are_kept_and_feedback_is_refused()
    {
        var user = await KeyAsync("ent-dev", Role.User, Plan.Enterprise, "ent");
        var ops = await OperatorAsync();
        var before = Marker("before-zdr");
        await CaptureAsync(user, "s0", before);
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/ent/policy", ops, "{\"zeroDataRetention\":true}")).Status);
        var marker = Marker("zdr");

        var reply = await PostEventsAsync(user, "s1", [marker, marker + "-2", marker + "-3"]);

        Assert.True(reply.Code == 202, reply.ToString());
        Assert.Equal(0, reply.Json.GetProperty("stored").GetInt32());
        Assert.Equal(3, reply.Json.GetProperty("refused").GetInt32());
        Assert.Equal("RET-3", reply.Json.GetProperty("rule").GetString());
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%")));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id = 's1'"));
        AssertProblem(await GetAsync("/v1/sessions/s1", user), 404);
        Assert.Equal("P0D", (await GetAsync("/v1/me/privacy", user)).Json.GetProperty("sessionRetention").GetString());

        var rating = await RateAsync(user, "s1", 3);
        Assert.True(rating.Status == HttpStatusCode.Created, rating.ToString());
        Assert.Single(await Store.ListRatingsAsync("ent-dev", Time.GetUtcNow()));

        AssertProblem(await PostBundleAsync(user, "feedback", Bundles.Build("feedback", ["s1"], marker)), 403, rule: "FBK-2");
        AssertProblem(await PostBundleAsync(user, "transcript-share", Bundles.Build("transcript-share", ["s1"], marker)), 403);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback"));

        // What was captured before ZDR keeps its own retention (RET-6) and stays readable to its owner.
        Assert.Contains(before, (await GetAsync("/v1/sessions/s0", user)).Body, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "FBK-2")]
    public async Task An_org_that_disables_product_feedback_refuses_ratings_and_bundles()
    {
        var admin = await KeyAsync("admin", Role.OrgAdmin, Plan.Team, "team");
        var user = await KeyAsync("dev", Role.User, Plan.Team, "team");
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(user, "s1", 2)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/team/policy", admin, "{\"productFeedbackDisabled\":true}")).Status);

        AssertProblem(await RateAsync(user, "s1", 2, "a2"), 403, rule: "SRV-3");
        AssertProblem(await PostBundleAsync(user, "feedback", Bundles.Build("feedback", ["s1"], "x")), 403, rule: "FBK-2");
        Assert.Single(await Store.ListRatingsAsync("dev", Time.GetUtcNow()));
    }
}
