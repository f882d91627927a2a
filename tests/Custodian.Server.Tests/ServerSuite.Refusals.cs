using System.Net;
using Custodian.Server.Internal;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>
/// Another account's session: every use of it is refused (404) and audited, the audit bounded per caller (CUS-38);
/// the caller's own bundles and ratings that name it are still theirs to erase (DEL-1, CUS-39).
/// </summary>
public abstract partial class ServerSuite
{
    /// <summary>The audit log as stored, read behind the API (reading it through <c>/v1/audit</c> would add entries).</summary>
    protected async Task<List<AuditEntry>> StoredAuditAsync()
    {
        var entries = new List<AuditEntry>();
        await foreach (var entry in Store.ReadAuditAsync()) entries.Add(entry);
        return entries;
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "CUS-38")]
    [Trait("spec", "CUS-39")]
    public async Task Every_use_of_another_users_session_is_refused_with_404_and_audited()
    {
        var bob = await KeyAsync("bob");
        var mallory = await KeyAsync("mallory");
        var marker = Marker("bobs");
        await CaptureAsync(bob, "b1", marker);

        var read = await GetAsync("/v1/sessions/b1", mallory);
        var delete = await DeleteAsync("/v1/sessions/b1", mallory);
        var append = await PostEventsAsync(mallory, "b1", [Marker("intruder")]);
        var rating = await RateAsync(mallory, "b1", 1);
        var missing = await GetAsync("/v1/sessions/never-was", mallory);

        foreach (var reply in new[] { read, delete, append, rating, missing })
        {
            Assert.DoesNotContain(marker, reply.Body, StringComparison.Ordinal);
            AssertProblem(reply, 404, "no session");
        }

        Assert.Empty(await Store.ListRatingsAsync("mallory", Time.GetUtcNow()));
        var events = await SessionEventsAsync(bob, "b1");
        Assert.Contains(marker, Assert.Single(events).GetRawText(), StringComparison.Ordinal);

        var refused = (await StoredAuditAsync()).Where(e => e.Actor == "mallory").ToList();
        foreach (var action in new[] { "session.read.denied", "session.delete.denied", "session.append.denied", "rating.denied" })
        {
            var entry = Assert.Single(refused, e => e.Action == action && e.Target == "b1");
            Assert.Equal(SessionEndpoints.ForeignSession, entry.Details);
        }

        // An id that exists nowhere is audited too (so the two refusals cost the same), and says so to operators only.
        Assert.Single(refused, e => e.Action == "session.read.denied" && e.Target == "never-was" && e.Details != SessionEndpoints.ForeignSession);
        Assert.Equal(0, (await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument)).ExitCode);
    }

    [Fact]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "CUS-39")]
    public async Task A_rating_may_name_a_session_the_server_never_stored_but_not_another_users()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        await CaptureAsync(bob, "b1", Marker("bobs"));

        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, "only-on-alices-laptop", 3)).Status);
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(bob, "b1", 2)).Status);
        AssertProblem(await RateAsync(alice, "b1", 1), 404, "no session b1");

        Assert.Equal(["only-on-alices-laptop"], (await Store.ListRatingsAsync("alice", Time.GetUtcNow())).Select(r => r.SessionId));
        Assert.Equal(["b1"], (await Store.ListRatingsAsync("bob", Time.GetUtcNow())).Select(r => r.SessionId));
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "DEL-2")]
    [Trait("spec", "CUS-39")]
    public async Task A_user_erases_their_bundle_that_names_another_users_session_and_only_that()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        var bobs = Marker("bobs-events");
        await CaptureAsync(bob, "b1", bobs);
        var alicesBundle = Marker("alices-bundle");
        var bobsBundle = Marker("bobs-bundle");
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["b1"], alicesBundle))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostBundleAsync(bob, "feedback", Bundles.Build("feedback", ["b1"], bobsBundle))).Status);

        var reply = await DeleteAsync("/v1/sessions/b1", alice);

        Assert.True(reply.Status == HttpStatusCode.NoContent, reply.ToString());
        Assert.Empty(await Store.ListFeedbackAsync("alice", Time.GetUtcNow()));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback WHERE account_id = 'alice'"));
        // Bob's session, its events and his own bundle naming it are untouched.
        Assert.Single(await SessionEventsAsync(bob, "b1"));
        Assert.Equal(["b1"], Assert.Single(await Store.ListFeedbackAsync("bob", Time.GetUtcNow())).SessionIds);
        Assert.Equal("bob", (await Store.GetSessionOwnerAsync("b1"))?.AccountId);
        Assert.Single(await StoredAuditAsync(), e => e.Action == "session.delete" && e.Actor == "alice" && e.Target == "b1");

        // Nothing of alice's names it any more: from now on it is another user's session, refused and audited.
        AssertProblem(await DeleteAsync("/v1/sessions/b1", alice), 404, "no session b1");
        Assert.Single(await StoredAuditAsync(), e => e.Action == "session.delete.denied" && e.Actor == "alice" && e.Target == "b1");
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-38")]
    public async Task Refusals_beyond_the_per_caller_bound_are_counted_in_one_entry_and_the_log_still_verifies()
    {
        var bob = await KeyAsync("bob");
        var mallory = await KeyAsync("mallory");
        await CaptureAsync(bob, "b1", Marker("bobs"));
        const int Attempts = RefusalAudit.EntriesPerWindow + 15;

        for (var i = 0; i < Attempts; i++) AssertProblem(await GetAsync("/v1/sessions/b1", mallory), 404);
        AssertProblem(await RateAsync(mallory, "b1", 1), 404);

        var written = (await StoredAuditAsync()).Where(e => e.Actor == "mallory").ToList();
        Assert.Equal(RefusalAudit.EntriesPerWindow, written.Count);
        Assert.All(written, e => Assert.Equal("session.read.denied", e.Action));

        // Once the window has passed, one entry counts what was left out, per action, even if mallory stays quiet.
        Time.Advance(RefusalAudit.Window * 2);
        AuditEntry? summary = null;
        await EventuallyAsync(async () =>
        {
            summary = (await StoredAuditAsync()).SingleOrDefault(e => e.Actor == "mallory" && e.Action == RefusalAudit.SuppressedAction);
            return summary is not null;
        }, "the suppressed refusals are counted");
        Assert.StartsWith("rating.denied=1 session.read.denied=15 from=", summary!.Details, StringComparison.Ordinal);

        // A new window: refusals are written again.
        AssertProblem(await DeleteAsync("/v1/sessions/b1", mallory), 404);
        Assert.Single(await StoredAuditAsync(), e => e.Actor == "mallory" && e.Action == "session.delete.denied");
        Assert.Equal(0, (await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument)).ExitCode);
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-38")]
    public async Task Suppressed_refusals_are_counted_at_shutdown_too()
    {
        var mallory = await KeyAsync("mallory");
        for (var i = 0; i < RefusalAudit.EntriesPerWindow + 2; i++) AssertProblem(await GetAsync("/v1/export/training", mallory), 403);

        await StopServerAsync();

        var summary = Assert.Single(await StoredAuditAsync(), e => e.Actor == "mallory" && e.Action == RefusalAudit.SuppressedAction);
        Assert.StartsWith("export.training.denied=2 ", summary.Details, StringComparison.Ordinal);
        Assert.Equal(RefusalAudit.EntriesPerWindow, (await StoredAuditAsync()).Count(e => e.Actor == "mallory" && e.Action == "export.training.denied"));
        Assert.Equal(0, (await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument)).ExitCode);
    }
}
