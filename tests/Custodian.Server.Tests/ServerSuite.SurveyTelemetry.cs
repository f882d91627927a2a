using System.Net;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Storage;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>
/// Survey ratings from the collector (OTL-4): Claude Code's <c>claude_code.feedback_survey</c> records become ratings
/// beside those posted to <c>/v1/survey/ratings</c>, read with <c>GET /v1/survey/ratings</c> (OTL-7), on both stores.
/// </summary>
public abstract partial class ServerSuite
{
    /// <summary>A survey record as Claude Code 2.1.328 sends it (real-client.md): the session survey's event.</summary>
    private static Custodian.Otlp.Proto.Logs.LogRecord Survey(
        string session, int sequence, string eventType, string? response = null, string appearance = "appear-1", bool overridden = true, string surveyType = "session")
    {
        var record = OtlpRequests.Event("feedback_survey", session, sequence,
            OtlpRequests.Attribute("event_type", eventType), OtlpRequests.Attribute("appearance_id", appearance),
            OtlpRequests.Attribute("survey_type", surveyType), OtlpRequests.Attribute("enabled_via_override", overridden));
        if (response is not null) record.Attributes.Add(OtlpRequests.Attribute("response", response));
        return record;
    }

    /// <summary><c>GET /v1/survey/ratings</c> as <paramref name="key"/> reads it (asserting 200).</summary>
    private async Task<List<JsonElement>> RatingsAsync(string key, string query = "")
    {
        var reply = await GetAsync("/v1/survey/ratings" + query, key);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal("application/json", reply.MediaType);
        return [.. reply.Json.GetProperty("ratings").EnumerateArray()];
    }

    private static (string Session, string Appearance, int Rating, string Source, bool Override) Summary(JsonElement rating) => (
        rating.GetProperty("sessionId").GetString()!, rating.GetProperty("appearanceId").GetString()!, rating.GetProperty("rating").GetInt32(),
        rating.GetProperty("source").GetString()!, rating.GetProperty("enabledViaOverride").GetBoolean());

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SRV-4")]
    public async Task A_responded_survey_record_is_a_rating_of_its_word_beside_the_ratings_posted_to_the_api()
    {
        var alice = await KeyAsync("alice");
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, "api-1", 2, "posted")).Status);
        Time.Advance(TimeSpan.FromSeconds(1));

        await ExportLogsAsync(alice,
            Survey("o1", 1, "appeared", appearance: "a-good"),
            Survey("o1", 2, "responded", "good", "a-good"),
            Survey("o2", 3, "responded", "fine", "a-fine", overridden: false),
            Survey("o3", 4, "responded", "bad", "a-bad"),
            Survey("o4", 5, "responded", "dismissed", "a-dismissed"),
            // Not a session rating: another survey's answer, a word that is no rating, an event that is not an answer.
            Survey("o5", 6, "responded", "good", "a-memory", surveyType: "memory"),
            Survey("o6", 7, "responded", "excellent", "a-unknown"),
            Survey("o7", 8, "transcript_prompt_appeared", appearance: "a-share"));

        var ratings = await RatingsAsync(alice);
        Assert.Equal(
            [
                ("api-1", "posted", 2, "api", false),
                ("o1", "a-good", 3, "otel", true),
                ("o2", "a-fine", 2, "otel", false),
                ("o3", "a-bad", 1, "otel", true),
                ("o4", "a-dismissed", 0, "otel", true),
            ],
            ratings.Select(Summary).OrderBy(r => r.Session, StringComparer.Ordinal).ToList());
        Assert.All(ratings, r => Assert.Equal("alice", r.GetProperty("accountId").GetString()));
        // The rating's time is the record's own; the posted one's is when it was posted.
        Assert.Equal(T0.AddMilliseconds(2), ratings.Single(r => r.GetProperty("sessionId").GetString() == "o1").GetProperty("at").GetDateTimeOffset());
        // Every record is still telemetry, rated or not.
        Assert.Equal(8, await TelemetryRowsAsync());
        Assert.False((await GetAsync("/v1/survey/ratings", alice)).Json.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "CUS-76")]
    public async Task A_retried_batch_rates_once()
    {
        var alice = await KeyAsync("alice");
        var batch = OtlpRequests.Logs(Survey("r1", 1, "responded", "good"));

        for (var attempt = 0; attempt < 3; attempt++) Assert.Equal(HttpStatusCode.OK, (await PostLogsAsync(alice, batch)).Status);
        // Twice in one batch too: the second record is the first's duplicate.
        Assert.Equal(HttpStatusCode.OK, (await PostLogsAsync(alice, OtlpRequests.Logs(Survey("r2", 1, "responded", "bad"), Survey("r2", 1, "responded", "bad")))).Status);

        Assert.Equal([("r1", 3), ("r2", 1)], (await RatingsAsync(alice)).Select(r => (r.GetProperty("sessionId").GetString()!, r.GetProperty("rating").GetInt32())).OrderBy(r => r.Item1, StringComparer.Ordinal));
        Assert.Equal(2, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings"));
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "TRN-4")]
    [Trait("spec", "SRV-3")]
    [Trait("spec", "CUS-74")]
    public async Task Under_zero_data_retention_the_rating_is_kept_30_days_and_never_exported_for_training()
    {
        var zoe = await ZeroDataRetentionUserAsync();
        var ops = await OperatorAsync();
        await ExportLogsAsync(zoe, Survey("z1", 1, "responded", "good", "z-appear"));

        Assert.Equal(("z1", "z-appear", 3, "otel", true), Summary(Assert.Single(await RatingsAsync(zoe))));
        Assert.Equal(T0.AddDays(30).ToUnixTimeMilliseconds(), await Db.ScalarAsync("SELECT expires_at FROM ratings WHERE session_id = 'z1'"));
        Assert.DoesNotContain(await ExportAsync(ops), l => l.GetRawText().Contains("z-appear", StringComparison.Ordinal));

        // It expires with its record (RET-7).
        Time.Advance(TimeSpan.FromDays(30));
        Assert.Empty(await RatingsAsync(zoe));
        var report = await Store.DeleteExpiredAsync(Time.GetUtcNow());
        Assert.Equal((1, 1L), (report.Telemetry, report.Ratings));
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "CUS-79")]
    public async Task Where_the_org_turned_product_feedback_off_a_survey_record_is_telemetry_and_never_a_rating()
    {
        var dev = await KeyAsync("dev", Role.User, Plan.Team, org: "quiet");
        var admin = await KeyAsync("quiet-admin", Role.OrgAdmin, Plan.Team, org: "quiet");
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/quiet/policy", admin, "{\"productFeedbackDisabled\":true}")).Status);

        await ExportLogsAsync(dev, Survey("q1", 1, "responded", "good"));

        Assert.Empty(await RatingsAsync(dev));
        Assert.Equal(1, await TelemetryRowsAsync());
        // The same answer posted to the API is refused the same way (SRV-3).
        AssertProblem(await RateAsync(dev, "q1", 3), 403);
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "RED-1")]
    public async Task A_survey_record_without_a_session_or_with_an_appearance_id_that_is_a_secret_rates_nothing()
    {
        var alice = await KeyAsync("alice");
        var noSession = Survey("", 1, "responded", "good", "no-session");

        await ExportLogsAsync(alice, noSession, Survey("s1", 2, "responded", "good", GitHubToken), Survey("s2", 3, "responded", "good", new string('a', 129)));

        Assert.Empty(await RatingsAsync(alice));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings"));
        Assert.Equal(3, await TelemetryRowsAsync());
        Assert.Equal(0, await TelemetryRowsAsync(GitHubToken));
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "DEL-1")]
    public async Task Erasing_the_session_erases_its_ratings_from_the_collector()
    {
        var alice = await KeyAsync("alice");
        await ExportLogsAsync(alice, Survey("gone", 1, "responded", "bad", "g"), Survey("kept", 2, "responded", "good", "k"));

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/gone", alice)).Status);

        Assert.Equal(["kept"], (await RatingsAsync(alice)).Select(r => r.GetProperty("sessionId").GetString()));
    }

    [Fact]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "ACC-2")]
    public async Task Users_read_their_own_ratings_org_admins_their_organizations_and_operators_all()
    {
        var dev = await KeyAsync("dev", Role.User, Plan.Team, org: "acme");
        var colleague = await KeyAsync("colleague", Role.User, Plan.Team, org: "acme");
        var admin = await KeyAsync("acme-admin", Role.OrgAdmin, Plan.Team, org: "acme");
        var outsider = await KeyAsync("outsider", Role.User, Plan.Team, org: "globex");
        var ops = await OperatorAsync();
        await ExportLogsAsync(dev, Survey("d1", 1, "responded", "good"));
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(colleague, "c1", 1)).Status);
        await ExportLogsAsync(outsider, Survey("x1", 1, "responded", "fine"));

        string[] Accounts(List<JsonElement> ratings) => [.. ratings.Select(r => r.GetProperty("accountId").GetString()!).Order(StringComparer.Ordinal)];
        Assert.Equal(["dev"], Accounts(await RatingsAsync(dev)));
        Assert.Equal(["colleague", "dev"], Accounts(await RatingsAsync(admin)));
        Assert.Equal(["outsider"], Accounts(await RatingsAsync(outsider)));
        Assert.Equal(["colleague", "dev", "outsider"], Accounts(await RatingsAsync(ops)));
        AssertProblem(await GetAsync("/v1/survey/ratings", null), 401);
        // The usage page counts the same audience's ratings, by answer, in the store.
        Assert.Equal([0L, 1, 0, 1], await Store.CountRatingsAsync(TelemetryAudience.Organization("acme"), T0.AddDays(-1), T0.AddDays(1), Time.GetUtcNow()));
        Assert.Equal([0L, 0, 0, 0], await Store.CountRatingsAsync(TelemetryAudience.Organization("acme"), T0.AddDays(1), T0.AddDays(2), Time.GetUtcNow()));

        // Reading other accounts' ratings is on the record; reading one's own is not.
        var audit = await AuditEntriesAsync(ops);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "survey.ratings.read" && e.GetProperty("actor").GetString() == "acme-admin"
            && e.GetProperty("target").GetString() == "acme" && e.GetProperty("details").GetString() == "otherAccounts=2 ratings=2");
        Assert.DoesNotContain(audit, e => e.GetProperty("action").GetString() == "survey.ratings.read" && e.GetProperty("actor").GetString() == "dev");
    }

    [Theory]
    [InlineData("?limit=0", "limit: a whole number from 1 to 10000")]
    [InlineData("?limit=10001", "limit: a whole number from 1 to 10000")]
    [InlineData("?limit=ten", "limit: a whole number from 1 to 10000")]
    [InlineData("?limit=1&limit=2", "limit: a whole number from 1 to 10000")]
    [InlineData("?session=s1", "session: unknown query parameter")]
    [Trait("spec", "OTL-7")]
    public async Task A_bad_ratings_query_is_a_400_naming_the_parameter(string query, string detail)
    {
        var alice = await KeyAsync("alice");
        AssertProblem(await GetAsync("/v1/survey/ratings" + query, alice), 400, detail);
    }

    [Fact]
    [Trait("spec", "OTL-7")]
    public async Task A_limit_returns_the_oldest_ratings_and_says_there_are_more()
    {
        var alice = await KeyAsync("alice");
        await ExportLogsAsync(alice, Survey("l1", 1, "responded", "good", "first"), Survey("l2", 2, "responded", "bad", "second"), Survey("l3", 3, "responded", "fine", "third"));

        var page = await GetAsync("/v1/survey/ratings?limit=2", alice);
        Assert.Equal(["first", "second"], page.Json.GetProperty("ratings").EnumerateArray().Select(r => r.GetProperty("appearanceId").GetString()));
        Assert.True(page.Json.GetProperty("truncated").GetBoolean());
        Assert.False((await GetAsync("/v1/survey/ratings?limit=3", alice)).Json.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    [Trait("spec", "OTL-4")]
    [Trait("spec", "SRV-1")]
    public async Task A_database_from_before_ratings_had_sources_keeps_its_ratings_as_posted_ones_at_upgrade()
    {
        var alice = await KeyAsync("alice");
        Assert.Equal(HttpStatusCode.Created, (await RateAsync(alice, "old", 3, "before")).Status);
        await StopServerAsync();

        // The ratings table as the previous release left it.
        await Db.ExecuteAsync("ALTER TABLE ratings DROP COLUMN enabled_via_override");
        await Db.ExecuteAsync("ALTER TABLE ratings DROP COLUMN source");

        await Store.InitializeAsync();
        await Store.InitializeAsync();
        await StartServerAsync(o => o);
        await ExportLogsAsync(alice, Survey("new", 1, "responded", "bad", "after"));

        Assert.Equal([("old", "before", 3, "api", false), ("new", "after", 1, "otel", true)], (await RatingsAsync(alice)).Select(Summary));
    }
}
