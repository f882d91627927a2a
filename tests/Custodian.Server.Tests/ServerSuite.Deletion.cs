using System.Net;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>Erasure (DEL-1, DEL-2).</summary>
public abstract partial class ServerSuite
{
    /// <summary>A session with events, a rating, a feedback bundle and a transcript share, next to another session that must survive.</summary>
    protected async Task<(string Key, string Ops, string Marker)> SessionWithEverythingAsync(string session = "doomed")
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        var marker = Marker("erase-me");
        await CaptureAsync(alice, session, [.. Enumerable.Range(0, 50).Select(i => $"{marker} event {i} {new string('x', 200)}")]);
        await CaptureAsync(alice, "kept", Marker("kept"));
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, session, 3)).Status);
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, "kept", 1, "a-kept")).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", [session], marker))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["kept", session], marker))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "transcript-share", Bundles.Build("transcript-share", [session], marker))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["kept"], "kept"))).Status);
        Assert.True(Mentions(await ExportAsync(ops), marker));
        return (alice, ops, marker);
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "DEL-2")]
    public async Task Deleting_a_session_removes_its_events_ratings_bundles_and_shares_permanently()
    {
        var (alice, ops, marker) = await SessionWithEverythingAsync();
        Time.Advance(TimeSpan.FromMinutes(1));

        var reply = await DeleteAsync("/v1/sessions/doomed", alice);

        Assert.True(reply.Status == HttpStatusCode.NoContent, reply.ToString());
        AssertProblem(await GetAsync("/v1/sessions/doomed", alice), 404);
        var list = await GetAsync("/v1/sessions", alice);
        Assert.Equal(["kept"], list.Json.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(["kept"], (await Store.ListRatingsAsync("alice", Time.GetUtcNow())).Select(r => r.SessionId));
        var bundles = await Store.ListFeedbackAsync("alice", Time.GetUtcNow());
        Assert.Equal(["kept"], Assert.Single(bundles).SessionIds);
        Assert.False(Mentions(await ExportAsync(ops), marker));

        // Behind the store's back: nothing of the session is left in any table.
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = 'doomed'"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%")));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings WHERE session_id = 'doomed'"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback_sessions WHERE session_id = 'doomed'"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id = 'doomed'"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = 'kept'"));

        // The audit log records who, what and when, never the content.
        var entry = Assert.Single(await AuditEntriesAsync(ops), e => e.GetProperty("action").GetString() == "session.delete");
        Assert.Equal("alice", entry.GetProperty("actor").GetString());
        Assert.Equal("doomed", entry.GetProperty("target").GetString());
        Assert.Equal(T0.AddMinutes(1), entry.GetProperty("at").GetDateTimeOffset());
        Assert.DoesNotContain(marker, (await GetAsync("/v1/audit", ops)).Body, StringComparison.Ordinal);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM audit WHERE details LIKE @m OR target LIKE @m", ("m", "%" + marker + "%")));

        // Not undoable, and a second delete finds nothing.
        AssertProblem(await DeleteAsync("/v1/sessions/doomed", alice), 404);
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "ACC-2")]
    public async Task Another_users_delete_leaves_the_session_and_everything_with_it()
    {
        var (alice, _, marker) = await SessionWithEverythingAsync();
        var bob = await KeyAsync("bob");

        AssertProblem(await DeleteAsync("/v1/sessions/doomed", bob), 404);

        Assert.Equal(50, (await SessionEventsAsync(alice, "doomed")).Count);
        Assert.Equal(2, (await Store.ListRatingsAsync("alice", Time.GetUtcNow())).Count);
        Assert.Equal(4, (await Store.ListFeedbackAsync("alice", Time.GetUtcNow())).Count);
        Assert.Equal(50, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%")));
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    public async Task A_session_whose_events_have_expired_can_still_be_deleted_with_its_feedback_bundles_and_ratings()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        await CaptureAsync(alice, "s1", Marker("short-lived"));
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, "s1", 3)).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["s1"], "five years"))).Status);
        // Someone else's bundle naming the same session id is theirs, not alice's to delete.
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(bob, "feedback", Bundles.Build("feedback", ["s1"], "bob's"))).Status);

        // The events expire (P30D) and are swept; the feedback bundle is kept five years (RET-4).
        Time.SetUtcNow(T0 + DefaultSweepInterval);
        await EventuallyAsync(async () => await Db.ScalarAsync("SELECT COUNT(*) FROM sessions") == 0, "the sweeper removes the emptied session");
        Assert.Single(await Store.ListFeedbackAsync("alice", Time.GetUtcNow()));

        var reply = await DeleteAsync("/v1/sessions/s1", alice);

        Assert.True(reply.Status == HttpStatusCode.NoContent, reply.ToString());
        Assert.Empty(await Store.ListFeedbackAsync("alice", Time.GetUtcNow()));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback WHERE account_id = 'alice'"));
        Assert.Single(await Store.ListFeedbackAsync("bob", Time.GetUtcNow()));
        AssertProblem(await DeleteAsync("/v1/sessions/s1", alice), 404);
        AssertProblem(await DeleteAsync("/v1/sessions/never-existed", alice), 404);
    }
}
