using System.Net;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Storage;
using Google.Protobuf;
using static Custodian.Server.Tests.Infrastructure.OtlpRequests;

namespace Custodian.Server.Tests;

/// <summary><c>GET /v1/usage</c> (OTL-7, CUS-80, CUS-81), on both stores.</summary>
public abstract partial class ServerSuite
{
    private const string Tokens = "claude_code.token.usage";
    private const string Cost = "claude_code.cost.usage";
    private const string Active = "claude_code.active_time.total";
    private const string Starts = "claude_code.session.count";
    private const string Sonnet = "claude-sonnet-4-5";
    private const string Opus = "claude-opus-4-1";

    /// <summary>T0's day and the next, as the API names them.</summary>
    private const string Day1 = "2026-03-02";
    private const string Day2 = "2026-03-03";

    /// <summary>Posts protobuf metrics and asserts a full success.</summary>
    private async Task ExportMetricsAsync(string key, params Custodian.Otlp.Proto.Metrics.Metric[] metrics)
    {
        var reply = await PostOtlpAsync(key, "/v1/metrics", MetricsOf(metrics).ToByteArray(), "application/x-protobuf");
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Empty(reply.Body);
    }

    /// <summary>A delta token point of one minute at <paramref name="at"/>.</summary>
    private static Custodian.Otlp.Proto.Metrics.NumberDataPoint TokenPoint(string session, DateTimeOffset at, double value, string type, string model) =>
        Point(session, at.AddMinutes(-1), at, value, Attribute("type", type), Attribute("model", model));

    private async Task<JsonElement> UsageAsync(string key, string query)
    {
        var reply = await GetAsync("/v1/usage" + query, key);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal("application/json", reply.MediaType);
        return reply.Json;
    }

    private static JsonElement Row(JsonElement usage, string key) =>
        Assert.Single(usage.GetProperty("rows").EnumerateArray(), r => r.GetProperty("key").GetString() == key);

    private static long Long(JsonElement e, string name) => e.GetProperty(name).GetInt64();

    private static double Dbl(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    /// <summary>Alice's two sessions: s1 on day 1 with Sonnet, s2 on day 2 with Opus.</summary>
    private async Task ExportTwoDaysAsync(string key, string prefix = "s")
    {
        var day2 = T0.AddDays(1);
        await ExportMetricsAsync(key,
            Counter(Tokens, false,
                TokenPoint(prefix + "1", T0.AddMinutes(1), 1000, "input", Sonnet), TokenPoint(prefix + "1", T0.AddMinutes(1), 200, "output", Sonnet),
                TokenPoint(prefix + "1", T0.AddMinutes(1), 50, "cacheRead", Sonnet), TokenPoint(prefix + "1", T0.AddMinutes(1), 25, "cacheCreation", Sonnet),
                TokenPoint(prefix + "1", T0.AddMinutes(2), 500, "input", Sonnet),
                TokenPoint(prefix + "2", day2.AddMinutes(1), 300, "input", Opus)),
            Counter(Cost, false,
                Point(prefix + "1", T0, T0.AddMinutes(1), 0.5, Attribute("model", Sonnet)), Point(prefix + "1", T0, T0.AddMinutes(2), 0.25, Attribute("model", Sonnet)),
                Point(prefix + "2", day2, day2.AddMinutes(1), 1.125, Attribute("model", Opus))),
            Counter(Active, false,
                Point(prefix + "1", T0, T0.AddMinutes(1), 90.5, Attribute("type", "user")), Point(prefix + "1", T0, T0.AddMinutes(1), 30, Attribute("type", "cli")),
                Point(prefix + "2", day2, day2.AddMinutes(1), 12, Attribute("type", "user"))),
            Counter(Starts, false, Point(prefix + "1", T0, T0, 1, Attribute("start_type", "fresh")), Point(prefix + "2", day2, day2, 1, Attribute("start_type", "fresh"))));
    }

    [Fact]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "CUS-80")]
    [Trait("spec", "CUS-81")]
    public async Task Usage_counts_tokens_cost_sessions_and_active_time_by_day_by_user_and_by_model()
    {
        var alice = await KeyAsync("alice");
        await ExportTwoDaysAsync(alice);

        var byDay = await UsageAsync(alice, $"?from=2026-03-01&to=2026-03-04&by=day");
        Assert.Equal("2026-03-01", byDay.GetProperty("from").GetString());
        Assert.Equal("2026-03-04", byDay.GetProperty("to").GetString());
        Assert.Equal("day", byDay.GetProperty("by").GetString());
        Assert.Equal("own", byDay.GetProperty("scope").GetString());
        Assert.False(byDay.GetProperty("truncated").GetBoolean());
        // Every day of the range, empty ones included, in order.
        Assert.Equal(["2026-03-01", Day1, Day2, "2026-03-04"], byDay.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        var first = Row(byDay, Day1);
        Assert.Equal(1500, Long(first, "inputTokens"));
        Assert.Equal(200, Long(first, "outputTokens"));
        Assert.Equal(50, Long(first, "cacheReadTokens"));
        Assert.Equal(25, Long(first, "cacheCreationTokens"));
        Assert.Equal(1775, Long(first, "tokens"));
        Assert.Equal(0.75, Dbl(first, "costUsd"));
        Assert.Equal(1, Long(first, "sessions"));
        Assert.Equal(120.5, Dbl(first, "activeSeconds"));
        var second = Row(byDay, Day2);
        Assert.Equal(300, Long(second, "tokens"));
        Assert.Equal(1.125, Dbl(second, "costUsd"));
        Assert.Equal(12, Dbl(second, "activeSeconds"));
        var empty = Row(byDay, "2026-03-01");
        Assert.Equal(0, Long(empty, "tokens"));
        Assert.Equal(0, Long(empty, "sessions"));
        var totals = byDay.GetProperty("totals");
        Assert.Equal(2075, Long(totals, "tokens"));
        Assert.Equal(1.875, Dbl(totals, "costUsd"));
        Assert.Equal(2, Long(totals, "sessions"));
        Assert.Equal(132.5, Dbl(totals, "activeSeconds"));

        var byModel = await UsageAsync(alice, "?from=2026-03-01&to=2026-03-04&by=model");
        // Largest cost first; active time names no model, so a model's row has none, the totals have it.
        Assert.Equal([Opus, Sonnet], byModel.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        Assert.Equal(1775, Long(Row(byModel, Sonnet), "tokens"));
        Assert.Equal(1, Long(Row(byModel, Sonnet), "sessions"));
        Assert.Equal(JsonValueKind.Null, Row(byModel, Sonnet).GetProperty("activeSeconds").ValueKind);
        Assert.Equal(300, Long(Row(byModel, Opus), "inputTokens"));
        Assert.Equal(132.5, Dbl(byModel.GetProperty("totals"), "activeSeconds"));

        var byUser = await UsageAsync(alice, "?from=2026-03-01&to=2026-03-04&by=user");
        var own = Assert.Single(byUser.GetProperty("rows").EnumerateArray());
        Assert.Equal("alice", own.GetProperty("key").GetString());
        Assert.Equal(2075, Long(own, "tokens"));

        // The range bounds what is counted: day 2 alone.
        var dayTwo = await UsageAsync(alice, $"?from={Day2}&to={Day2}");
        Assert.Equal(300, Long(dayTwo.GetProperty("totals"), "tokens"));
        Assert.Equal(1, Long(dayTwo.GetProperty("totals"), "sessions"));

        // Without parameters: the 30 days up to today (the server's clock), by day.
        var recent = await UsageAsync(alice, string.Empty);
        Assert.Equal("2026-02-01", recent.GetProperty("from").GetString());
        Assert.Equal(Day1, recent.GetProperty("to").GetString());
        Assert.Equal(30, recent.GetProperty("rows").GetArrayLength());
        Assert.Equal(1775, Long(recent.GetProperty("totals"), "tokens"));
    }

    [Fact]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-80")]
    public async Task Usage_is_the_users_own_an_org_admins_organizations_and_an_operators_all_and_never_another_organizations()
    {
        var alice = await KeyAsync("alice", org: "acme");
        var carol = await KeyAsync("carol", org: "acme");
        var admin = await KeyAsync("bob", Role.OrgAdmin, org: "acme");
        var dave = await KeyAsync("dave", org: "globex");
        var eve = await KeyAsync("eve");
        var ops = await OperatorAsync();
        await ExportMetricsAsync(alice, Counter(Tokens, false, TokenPoint("a1", T0.AddMinutes(1), 100, "input", Sonnet)));
        await ExportMetricsAsync(carol, Counter(Tokens, false, TokenPoint("c1", T0.AddMinutes(1), 20, "input", Sonnet)));
        await ExportMetricsAsync(dave, Counter(Tokens, false, TokenPoint("d1", T0.AddMinutes(1), 3, "input", Sonnet)));
        // Eve names Alice's session id and claims to be Alice: the key decides whose it is (OTL-2).
        await ExportMetricsAsync(eve, Counter(Tokens, false,
            Point("a1", T0, T0.AddMinutes(1), 4000, Attribute("type", "input"), Attribute("model", Sonnet), Attribute("user.account_id", "alice"))));
        const string range = $"?from={Day1}&to={Day1}&by=user";

        async Task<Dictionary<string, long>> UsersAsync(string key, string scope)
        {
            var usage = await UsageAsync(key, range);
            Assert.Equal(scope, usage.GetProperty("scope").GetString());
            return usage.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => Long(r, "tokens"));
        }

        Assert.Equal(new Dictionary<string, long> { ["alice"] = 100 }, await UsersAsync(alice, "own"));
        Assert.Equal(new Dictionary<string, long> { ["eve"] = 4000 }, await UsersAsync(eve, "own"));
        Assert.Equal(new Dictionary<string, long> { ["dave"] = 3 }, await UsersAsync(dave, "own"));
        Assert.Equal(new Dictionary<string, long> { ["alice"] = 100, ["carol"] = 20 }, await UsersAsync(admin, "organization"));
        Assert.Equal(120, Long((await UsageAsync(admin, $"?from={Day1}&to={Day1}")).GetProperty("totals"), "tokens"));
        Assert.Equal("acme", (await UsageAsync(admin, range)).GetProperty("organization").GetString());
        Assert.Equal(new Dictionary<string, long> { ["alice"] = 100, ["carol"] = 20, ["dave"] = 3, ["eve"] = 4000 }, await UsersAsync(ops, "all"));
        // Ordered by cost, then tokens: Eve first.
        Assert.Equal("eve", (await UsageAsync(ops, range)).GetProperty("rows")[0].GetProperty("key").GetString());

        // Reads of other accounts' usage are on the record; a user's read of their own is not.
        var audit = await GetAsync("/v1/audit", ops);
        var reads = audit.Json.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("action").GetString() == "usage.read").ToList();
        Assert.Contains(reads, e => e.GetProperty("actor").GetString() == "bob" && e.GetProperty("target").GetString() == "acme"
            && e.GetProperty("details").GetString() == $"role=org-admin by=user from={Day1} to={Day1}");
        Assert.Contains(reads, e => e.GetProperty("actor").GetString() == "ops" && e.GetProperty("target").GetString() == "-");
        Assert.DoesNotContain(reads, e => e.GetProperty("actor").GetString() is "alice" or "eve" or "dave");
    }

    [Fact]
    [Trait("spec", "CUS-81")]
    [Trait("spec", "OTL-6")]
    public async Task Cumulative_series_count_their_increase_once_and_delta_points_are_summed()
    {
        var alice = await KeyAsync("alice");
        var start = T0;
        var day2 = T0.AddDays(1);
        // One process exporting cumulatively every minute: running totals, an unchanged one re-sent, and on to day 2.
        var cumulative = Counter(Tokens, true,
            Point("c1", start, T0.AddMinutes(1), 100, Attribute("type", "input"), Attribute("model", Sonnet)),
            Point("c1", start, T0.AddMinutes(2), 250, Attribute("type", "input"), Attribute("model", Sonnet)),
            Point("c1", start, T0.AddMinutes(3), 250, Attribute("type", "input"), Attribute("model", Sonnet)),
            Point("c1", start, T0.AddMinutes(2), 40, Attribute("type", "output"), Attribute("model", Sonnet)),
            Point("c1", start, day2.AddMinutes(5), 400, Attribute("type", "input"), Attribute("model", Sonnet)));
        await ExportMetricsAsync(alice, cumulative);
        // The exporter retries the batch (OTL-6): stored once, and a cumulative total is not counted again either way.
        await ExportMetricsAsync(alice, cumulative);
        // A restarted process: a new start time, counting from zero again.
        await ExportMetricsAsync(alice, Counter(Tokens, true,
            Point("c1", T0.AddHours(2), T0.AddHours(2).AddMinutes(1), 70, Attribute("type", "input"), Attribute("model", Sonnet))));
        // Cumulative cost, where a value below the previous one (a reset without a new start time) counts from zero.
        await ExportMetricsAsync(alice, Counter(Cost, true,
            Point("c1", start, T0.AddMinutes(1), 0.5, Attribute("model", Sonnet)),
            Point("c1", start, T0.AddMinutes(2), 0.75, Attribute("model", Sonnet)),
            Point("c1", start, T0.AddMinutes(3), 0.25, Attribute("model", Sonnet))));
        // Delta points of another session: each is that interval's own amount.
        await ExportMetricsAsync(alice, Counter(Tokens, false,
            TokenPoint("d1", T0.AddMinutes(1), 10, "input", Sonnet), TokenPoint("d1", T0.AddMinutes(2), 20, "input", Sonnet),
            TokenPoint("d1", T0.AddMinutes(3), 30, "input", Sonnet)));

        var usage = await UsageAsync(alice, $"?from={Day1}&to={Day2}");
        var first = Row(usage, Day1);
        // Input: 250 (cumulative, not 100 + 250 + 250) + 70 (the restarted process) + 60 (deltas).
        Assert.Equal(380, Long(first, "inputTokens"));
        Assert.Equal(40, Long(first, "outputTokens"));
        Assert.Equal(1.0, Dbl(first, "costUsd"));
        Assert.Equal(2, Long(first, "sessions"));
        // Day 2 counts only the increase since day 1's last point: 400 - 250.
        Assert.Equal(150, Long(Row(usage, Day2), "inputTokens"));
        Assert.Equal(530, Long(usage.GetProperty("totals"), "inputTokens"));

        // A range starting on day 2 still measures the increase from the last point before it, not the running total.
        var later = await UsageAsync(alice, $"?from={Day2}&to={Day2}");
        Assert.Equal(150, Long(later.GetProperty("totals"), "inputTokens"));
        Assert.Equal(1, Long(later.GetProperty("totals"), "sessions"));
    }

    [Fact]
    [Trait("spec", "RET-7")]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "CUS-81")]
    public async Task Expired_telemetry_is_not_counted_and_zero_data_retention_usage_is()
    {
        // Consumer, consent off: telemetry is kept 30 days from capture (RET-1).
        var alice = await KeyAsync("alice");
        await ExportTwoDaysAsync(alice);
        await Store.EnsureOrganizationAsync(new Organization("vault", Plan.Enterprise, false, false, ZeroDataRetention: true));
        var zoe = await KeyAsync("zoe", Role.User, Plan.Enterprise, org: "vault");
        await ExportTwoDaysAsync(zoe, "z");
        const string range = $"?from={Day1}&to={Day2}";
        Assert.Equal(2075, Long((await UsageAsync(alice, range)).GetProperty("totals"), "tokens"));
        // Under zero data retention the usage metrics keep what they are counted by (CUS-74): model, type, values.
        var zdr = await UsageAsync(zoe, range + "&by=model");
        Assert.Equal(1775, Long(Row(zdr, Sonnet), "tokens"));
        Assert.Equal(2, Long(zdr.GetProperty("totals"), "sessions"));

        Time.Advance(TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
        // Still in the database (the sweeper has not run), but invisible: nothing counted, for anyone.
        Assert.True(await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE account_id = 'alice'") > 0);
        var expired = await UsageAsync(alice, range);
        Assert.Equal(0, Long(expired.GetProperty("totals"), "tokens"));
        Assert.Equal(0, Long(expired.GetProperty("totals"), "sessions"));
        Assert.Equal(0, Dbl(expired.GetProperty("totals"), "costUsd"));
        Assert.All(expired.GetProperty("rows").EnumerateArray(), r => Assert.Equal(0, Long(r, "tokens")));
        Assert.Empty((await UsageAsync(await OperatorAsync(), range + "&by=user")).GetProperty("rows").EnumerateArray());
    }

    [Theory]
    [Trait("spec", "CUS-80")]
    [InlineData("?from=2026-13-01", "from: expected a UTC date yyyy-MM-dd")]
    [InlineData("?from=yesterday", "from: expected a UTC date yyyy-MM-dd")]
    [InlineData("?to=2026-03-02T00:00:00Z", "to: expected a UTC date yyyy-MM-dd")]
    [InlineData("?from=1969-12-31", "from: expected a UTC date yyyy-MM-dd from 1970-01-01")]
    [InlineData("?to=9999-12-31", "to: expected a UTC date")]
    [InlineData("?by=week", "by: expected day, user or model, got 'week'")]
    [InlineData("?by=Day", "by: expected day, user or model")]
    [InlineData("?from=2026-03-05&to=2026-03-01", "from: 2026-03-05 is after to (2026-03-01)")]
    [InlineData("?from=2025-01-01&to=2026-03-01", "to: from 2025-01-01 to 2026-03-01 is 425 days; at most 366 days per request")]
    [InlineData("?from=2025-01-01", "from: from 2025-01-01 to 2026-03-02 is 426 days")]
    [InlineData("?by=day&by=user", "by: given 2 times; give it once")]
    [InlineData("?user=alice", "user: not a parameter of /v1/usage, which takes from, to and by")]
    public async Task A_bad_usage_parameter_is_a_400_naming_it(string query, string detail)
    {
        var alice = await KeyAsync("alice");
        var reply = await GetAsync("/v1/usage" + query, alice);
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.StartsWith(detail, reply.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("CUS-80", reply.Json.GetProperty("rule").GetString());
        Assert.Equal(401, (await GetAsync("/v1/usage" + query, null)).Code);
    }

    [Fact]
    [Trait("spec", "CUS-80")]
    public async Task A_full_year_is_accepted_and_an_unbounded_value_is_not_echoed_whole()
    {
        var alice = await KeyAsync("alice");
        var year = await UsageAsync(alice, "?from=2025-03-03&to=2026-03-03");
        Assert.Equal(366, year.GetProperty("rows").GetArrayLength());
        // An empty value is no value: the default applies (what an empty form field sends).
        Assert.Equal(Day1, (await UsageAsync(alice, "?from=&to=&by=")).GetProperty("to").GetString());

        var reply = await GetAsync("/v1/usage?by=" + new string('x', 5000), alice);
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.True(reply.Json.GetProperty("detail").GetString()!.Length < 120, reply.Body);
    }
}
