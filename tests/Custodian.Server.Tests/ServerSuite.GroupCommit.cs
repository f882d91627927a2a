using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Custodian.Policy;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>
/// Group commit: posts are written many to a transaction by one writer per store. Every acknowledged post is stored
/// exactly once and is committed before its 201; policy, consent and ownership are decided inside that transaction.
/// </summary>
public abstract partial class ServerSuite
{
    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    [Trait("spec", "RET-6")]
    public async Task A_large_batch_is_stored_whole_and_in_order()
    {
        // Enough rows for PostgreSQL's COPY path (a group commit of 64 event rows or more), and fewer for its INSERT.
        var alice = await KeyAsync("alice");
        await SetConsentAsync(alice, true);
        var marker = Marker("large-batch");
        string[] many = [.. Enumerable.Range(0, 300).Select(i => $"{marker}-{i:D3} {new string('y', 100)}")];
        await CaptureAsync(alice, "large", many);
        await CaptureAsync(alice, "small", $"{marker}-small");

        var events = await SessionEventsAsync(alice, "large");
        Assert.Equal(300, events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Contains($"{marker}-{i:D3} ", events[i].GetRawText(), StringComparison.Ordinal);
        }

        Assert.Single(await SessionEventsAsync(alice, "small"));
    }

    [Fact]
    [Trait("spec", "RET-6")]
    [Trait("spec", "ACC-2")]
    public async Task Concurrent_posts_from_many_clients_are_each_stored_once_and_committed_before_they_are_acknowledged()
    {
        const int Clients = 16;
        const int PostsPerClient = 20;
        var keys = new string[Clients];
        for (var c = 0; c < Clients; c++) keys[c] = await KeyAsync($"gc-{c}");
        var acknowledged = new ConcurrentBag<string>();
        var problems = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var http = Client(BaseAddress, keys[c]);
            for (var n = 0; n < PostsPerClient; n++)
            {
                var markers = Enumerable.Range(0, 1 + (n % 3)).Select(k => $"GC-{c}-{n}-{k}-{Guid.NewGuid():N}").ToList();
                using var response = await http.PostAsync(new Uri($"/v1/sessions/gc-{c}-s{n % 4}/events", UriKind.Relative),
                    new StringContent(EventsJson(markers), Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    problems.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                // Read back at the moment of the acknowledgement, on a connection of its own: the rows must already be
                // committed, or another connection could not see them.
                foreach (var marker in markers)
                {
                    var visible = await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%"));
                    if (visible != 1) problems.Add($"{marker}: {visible} rows visible when its post was acknowledged");
                    acknowledged.Add(marker);
                }
            }
        })));

        Assert.Empty(problems);
        Assert.Equal(Clients * Enumerable.Range(0, PostsPerClient).Sum(n => 1 + (n % 3)), acknowledged.Count);
        Assert.Equal(acknowledged.Count, await Db.ScalarAsync("SELECT COUNT(*) FROM events"));
        foreach (var client in Enumerable.Range(0, Clients))
        {
            // Every row is the poster's own, in the poster's own sessions.
            Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id LIKE @s AND account_id <> @a",
                ("s", $"gc-{client}-s%"), ("a", $"gc-{client}")));
        }

        Assert.Equal(Clients * 4, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id LIKE 'gc-%'"));
    }

    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-3")]
    [Trait("spec", "RET-6")]
    public async Task A_consent_change_between_two_posts_applies_to_the_second_even_while_other_clients_keep_the_writer_busy()
    {
        var alice = await KeyAsync("alice");
        var others = new string[4];
        for (var i = 0; i < others.Length; i++) others[i] = await KeyAsync($"busy-{i}");
        using var stop = new CancellationTokenSource();
        var background = others.Select((key, i) => Task.Run(async () =>
        {
            using var http = Client(BaseAddress, key);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                using var response = await http.PostAsync(new Uri($"/v1/sessions/busy-{i}/events", UriKind.Relative),
                    new StringContent(EventsJson([$"busy-{i}-{n}"]), Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        })).ToList();

        try
        {
            var allow = false;
            for (var round = 0; round < 8; round++)
            {
                allow = !allow;
                await SetConsentAsync(alice, allow);
                var marker = Marker($"consent-{round}");
                var captured = await CaptureAsync(alice, "alice-s", marker);

                Assert.Equal(allow, captured.GetProperty("trainingEligible").GetBoolean());
                Assert.Equal(allow ? "P5Y" : "P30D", captured.GetProperty("retention").GetString());
                Assert.Equal(allow ? 1 : 0, await Db.ScalarAsync("SELECT training FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%")));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(background);
        }
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-27")]
    public async Task A_revoked_key_or_a_changed_role_is_refused_at_once_on_the_same_instance()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        // Both keys are in the key cache after these.
        await CaptureAsync(alice, "s1", Marker("before"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/audit", ops)).Status);

        Assert.True(await Store.RevokeApiKeyAsync(ApiKeys.Hash(alice)));
        Assert.True(await Store.SetRoleAsync("ops", Role.User));

        // The fake clock has not moved: only the invalidation can make these fail.
        AssertProblem(await PostEventsAsync(alice, "s1", [Marker("after")]), 401);
        AssertProblem(await GetAsync("/v1/sessions", alice), 401);
        AssertProblem(await GetAsync("/v1/audit", ops), 403, rule: "ACC-2");
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-27")]
    public async Task A_key_revoked_through_another_instance_is_refused_once_the_cache_lifetime_has_passed()
    {
        var alice = await KeyAsync("alice");
        await CaptureAsync(alice, "s1", Marker("before"));
        await using var other = Db.Open(); // another server instance's store on the same database
        await other.InitializeAsync();

        Assert.True(await other.RevokeApiKeyAsync(ApiKeys.Hash(alice)));
        Time.Advance(new ServerOptions { Store = Store }.KeyCacheLifetime);

        AssertProblem(await GetAsync("/v1/sessions", alice), 401);
    }

    [Fact]
    [Trait("spec", "ACC-1")]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "RET-3")]
    public async Task In_one_group_commit_a_request_for_someone_elses_session_fails_alone_and_the_others_are_stored()
    {
        await Store.EnsureOrganizationAsync(new Organization("ent", Plan.Enterprise, false, false, ZeroDataRetention: true));
        foreach (var (id, org, plan) in new[] { ("alice", (string?)null, Plan.Pro), ("bob", null, Plan.Pro), ("zed", "ent", Plan.Enterprise) })
            await Store.EnsureAccountAsync(new Account(id, Role.User, org, plan, T0));
        var alice = await KeyAsync("alice"); // a key too, to read back over HTTP
        await CaptureAsync(alice, "alice-old", Marker("old"));
        var now = Time.GetUtcNow();
        var decided = new List<string>();

        var outcomes = await Store.AppendBatchAsync(
        [
            new AppendRequest("alice", "alice-new", "repo-a", ["{\"n\":1}", "{\"n\":2}"]),
            new AppendRequest("bob", "alice-old", null, ["{\"n\":\"bob into alice's session\"}"]),
            new AppendRequest("bob", "bob-new", null, ["{\"n\":3}"]),
            new AppendRequest("bob", "alice-new", null, ["{\"n\":\"bob into the session alice claimed just before\"}"]),
            new AppendRequest("alice", "alice-new", "repo-b", ["{\"n\":\"alice from another repository\"}"]),
            new AppendRequest("zed", "zed-s", null, ["{\"n\":\"zero data retention\"}"]),
            new AppendRequest("nobody", "nobody-s", null, ["{\"n\":\"no such account\"}"]),
            new AppendRequest("alice", "alice-old", null, ["{\"n\":4}"]),
        ], (account, subject) =>
        {
            decided.Add(account);
            if (subject is null) return null;
            return subject.Org?.ZeroDataRetention == true ? null : new CapturePolicy(now, RetentionPeriod.ThirtyDays, false);
        });

        Assert.Equal(
            [AppendStatus.Stored, AppendStatus.Conflict, AppendStatus.Stored, AppendStatus.Conflict, AppendStatus.Conflict, AppendStatus.NotStored, AppendStatus.NotStored, AppendStatus.Stored],
            outcomes.Select(o => o.Status));
        Assert.Equal([2, 0, 1, 0, 0, 0, 0, 1], outcomes.Select(o => o.Stored));
        Assert.Equal("alice", outcomes[1].OwnerAccountId);
        Assert.Equal(("alice", "repo-a"), (outcomes[4].OwnerAccountId, outcomes[4].BoundRepository));
        Assert.Null(outcomes[6].Subject);
        Assert.Equal(["alice", "bob", "zed", "nobody"], decided); // once per account
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE '%bob into%' OR payload LIKE '%another repository%' OR payload LIKE '%retention%' OR payload LIKE '%no such%'"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id IN ('zed-s', 'nobody-s')"));
        Assert.Equal("repo-a", await Db.TextAsync("SELECT repository FROM sessions WHERE id = 'alice-new'"));
        Assert.Equal(2, (await SessionEventsAsync(alice, "alice-new")).Count);
        Assert.Equal(2, (await SessionEventsAsync(alice, "alice-old")).Count);
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = 'bob-new' AND account_id = 'bob'"));
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task Concurrent_posts_into_someone_elses_session_are_refused_while_the_owners_posts_beside_them_are_stored()
    {
        var alice = await KeyAsync("alice");
        var mallory = await KeyAsync("mallory");
        await CaptureAsync(alice, "shared-target", Marker("first"));
        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(n => Task.Run(async () =>
        {
            var own = n % 2 == 0;
            var marker = $"MIX-{(own ? "alice" : "mallory")}-{n}-{Guid.NewGuid():N}";
            using var http = Client(BaseAddress, own ? alice : mallory);
            using var response = await http.PostAsync(new Uri("/v1/sessions/shared-target/events", UriKind.Relative),
                new StringContent(EventsJson([marker]), Encoding.UTF8, "application/json"));
            return (Own: own, Marker: marker, response.StatusCode);
        })));

        foreach (var (own, marker, status) in replies)
        {
            Assert.Equal(own ? HttpStatusCode.Created : HttpStatusCode.NotFound, status);
            Assert.Equal(own ? 1 : 0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + marker + "%")));
        }

        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE account_id = 'mallory'"));
    }

    [Fact]
    [Trait("spec", "RET-7")]
    public async Task A_sweep_of_more_rows_than_one_chunk_leaves_no_expired_row_while_appends_go_on()
    {
        const int Expired = 12_345;
        foreach (var id in new[] { "old", "live" }) await Store.EnsureAccountAsync(new Account(id, Role.User, null, Plan.Pro, T0));
        var old = new CapturePolicy(T0, RetentionPeriod.ThirtyDays, false);
        for (var start = 0; start < Expired; start += 1000)
        {
            var events = Enumerable.Range(start, Math.Min(1000, Expired - start)).Select(i => $"{{\"expired\":{i}}}").ToList();
            await Store.AppendEventsAsync("old", $"old-{start / 1000}", null, events, old);
        }

        // The server's own sweeper (which runs once at start-up, on a thread of its own) must not read the moved clock
        // and take these rows first: this test sweeps through the store, with appends through the store beside it.
        await StopServerAsync();
        Time.SetUtcNow(T0.AddDays(31));
        var now = Time.GetUtcNow();
        var fresh = new CapturePolicy(now, RetentionPeriod.ThirtyDays, false);
        await Store.AppendEventsAsync("live", "live-s", null, ["{\"live\":\"before\"}"], fresh);

        var sweep = Store.DeleteExpiredAsync(now);
        var during = 0;
        while (!sweep.IsCompleted && during < 50)
        {
            Assert.Equal(1, await Store.AppendEventsAsync("live", "live-s", null, [$"{{\"live\":{during}}}"], fresh));
            during++;
        }

        var report = await sweep;

        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE expires_at <= @now", ("now", now.ToUnixTimeMilliseconds())));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id LIKE 'old-%'"));
        Assert.Equal(1 + during, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = 'live-s'"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id = 'live-s'"));
        if (!report.EventsEstimated) Assert.Equal(Expired, report.Events);
        Assert.Equal(1 + during, (await Store.GetSessionEventsAsync("live", "live-s", now))!.Count);
    }
}
