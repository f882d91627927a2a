using System.Net;
using Custodian.Policy;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>Expiry with a fake clock (RET-7, RET-5).</summary>
public abstract partial class ServerSuite
{
    /// <summary>
    /// At T0: alice (consumer, consent off) and dev (api org in the program) capture P30D data, bob (consent on) P5Y
    /// data. Returns their markers.
    /// </summary>
    protected async Task<(string Alice, string Dev, string Bob, string Ops)> ThirtyDayAndFiveYearDataAsync()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        var admin = await KeyAsync("api-admin", Role.OrgAdmin, Plan.Api, "api-org");
        var dev = await KeyAsync("dev", Role.User, Plan.Api, "api-org");
        var ops = await OperatorAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/api-org/policy", admin, "{\"developmentPartnerProgram\":true}")).Status);
        await SetConsentAsync(bob, true);
        var a = Marker("alice-30d");
        var d = Marker("dev-30d");
        var b = Marker("bob-5y");
        Assert.Equal("P30D", (await CaptureAsync(alice, "s-alice", a)).GetProperty("retention").GetString());
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, "s-alice", 2)).Status);
        var devCapture = await CaptureAsync(dev, "s-dev", d);
        Assert.Equal("P30D", devCapture.GetProperty("retention").GetString());
        Assert.True(devCapture.GetProperty("trainingEligible").GetBoolean());
        Assert.Equal("P5Y", (await CaptureAsync(bob, "s-bob", b)).GetProperty("retention").GetString());
        return (a, d, b, ops);
    }

    [Fact]
    [Trait("spec", "RET-7")]
    public async Task An_expired_record_is_invisible_to_reads_and_export_the_moment_it_expires_and_then_swept()
    {
        var (a, d, b, ops) = await ThirtyDayAndFiveYearDataAsync();
        var alice = await KeyAsync("alice");

        Time.SetUtcNow(T0.AddDays(30).AddMilliseconds(-1));
        Assert.Contains(a, (await GetAsync("/v1/sessions/s-alice", alice)).Body, StringComparison.Ordinal);
        Assert.Single((await GetAsync("/v1/sessions", alice)).Json.GetProperty("sessions").EnumerateArray());
        Assert.Single(await Store.ListRatingsAsync("alice", Time.GetUtcNow()));
        var export = await ExportAsync(ops);
        Assert.True(Mentions(export, d));
        Assert.True(Mentions(export, b));

        Time.SetUtcNow(T0.AddDays(30));
        AssertProblem(await GetAsync("/v1/sessions/s-alice", alice), 404);
        Assert.Empty((await GetAsync("/v1/sessions", alice)).Json.GetProperty("sessions").EnumerateArray());
        Assert.Empty(await Store.ListRatingsAsync("alice", Time.GetUtcNow()));
        export = await ExportAsync(ops);
        Assert.False(Mentions(export, d));
        Assert.True(Mentions(export, b));

        // Hidden, but not yet swept: the last sweep ran at start-up, the next is one interval after it.
        Assert.Equal(2, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id IN ('s-alice', 's-dev')"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings"));

        Time.SetUtcNow(T0 + DefaultSweepInterval);
        await EventuallyAsync(async () => await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id IN ('s-alice', 's-dev')") == 0,
            "the sweeper deletes the expired events");
        await EventuallyAsync(async () => await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id IN ('s-alice', 's-dev')") == 0,
            "the sweeper deletes the emptied sessions");
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @a OR payload LIKE @d", ("a", "%" + a + "%"), ("d", "%" + d + "%")));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @b", ("b", "%" + b + "%")));
        Assert.True(Mentions(await ExportAsync(ops), b));
    }

    [Fact]
    [Trait("spec", "RET-5")]
    [Trait("spec", "RET-4")]
    [Trait("spec", "RET-7")]
    public async Task Transcript_shares_expire_after_six_months_while_feedback_is_kept_five_years()
    {
        var alice = await KeyAsync("alice");
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "transcript-share", Bundles.Build("transcript-share", ["s1"], "t"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["s1"], "f"))).Status);

        Time.SetUtcNow(T0.AddMonths(6).AddMilliseconds(-1));
        Assert.Equal(2, (await Store.ListFeedbackAsync("alice", Time.GetUtcNow())).Count);
        Time.SetUtcNow(T0.AddMonths(6));
        Assert.Equal(FeedbackKind.Feedback, Assert.Single(await Store.ListFeedbackAsync("alice", Time.GetUtcNow())).Kind);

        Time.Advance(DefaultSweepInterval);
        await EventuallyAsync(async () => await Db.ScalarAsync("SELECT COUNT(*) FROM feedback WHERE kind = 'transcript-share'") == 0,
            "the sweeper deletes the expired transcript share");
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback WHERE kind = 'feedback'"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback_sessions"));

        Time.SetUtcNow(T0.AddYears(5));
        Assert.Empty(await Store.ListFeedbackAsync("alice", Time.GetUtcNow()));
    }

    [Fact]
    [Trait("spec", "RET-7")]
    public async Task Two_instances_sweeping_at_once_delete_each_expired_record_once()
    {
        await ThirtyDayAndFiveYearDataAsync();
        await using var other = Db.Open();
        await other.InitializeAsync();
        var now = T0.AddDays(40);

        var reports = await Task.WhenAll(Store.DeleteExpiredAsync(now), other.DeleteExpiredAsync(now), Store.DeleteExpiredAsync(now));

        Assert.Equal(2, reports.Sum(r => r.Events));
        Assert.Equal(1, reports.Sum(r => r.Ratings));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM events"));
    }
}
