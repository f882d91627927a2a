using System.Text;

namespace Custodian.Server.Tests;

/// <summary>Listing reads the sizes kept at write time, never the payloads; databases from before are migrated once.</summary>
public abstract partial class ServerSuite
{
    /// <summary>The listed size of each of the account's sessions.</summary>
    private async Task<Dictionary<string, long>> ListedSizesAsync(string key)
    {
        var reply = await GetAsync("/v1/sessions", key);
        Assert.True(reply.Status == System.Net.HttpStatusCode.OK, reply.ToString());
        return reply.Json.GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("size").GetInt64());
    }

    /// <summary>The UTF-8 size of a session's events as stored (each event's JSON exactly as the store returns it).</summary>
    private async Task<long> StoredBytesAsync(string key, string session) =>
        (await SessionEventsAsync(key, session)).Sum(e => (long)Encoding.UTF8.GetByteCount(e.GetProperty("event").GetRawText()));

    private async Task CaptureNonAsciiAsync(string key)
    {
        await CaptureAsync(key, "s1", "héllo wörld ✓ 🙂", Marker("ascii"));
        await CaptureAsync(key, "s2", "日本語のプロンプト");
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task Listing_reports_each_sessions_size_in_utf8_bytes_kept_at_write_time()
    {
        var alice = await KeyAsync("alice");
        await CaptureNonAsciiAsync(alice);
        var expected = new Dictionary<string, long> { ["s1"] = await StoredBytesAsync(alice, "s1"), ["s2"] = await StoredBytesAsync(alice, "s2") };

        Assert.Equal(expected, await ListedSizesAsync(alice));

        // Behind the store's back the payloads change and the sizes do not: the list never reads a payload.
        await Db.ExecuteAsync("UPDATE events SET payload = '{}'");
        Assert.Equal(expected, await ListedSizesAsync(alice));
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task A_database_from_before_sizes_were_kept_gets_them_computed_once_at_upgrade()
    {
        var alice = await KeyAsync("alice");
        await CaptureNonAsciiAsync(alice);
        var expected = new Dictionary<string, long> { ["s1"] = await StoredBytesAsync(alice, "s1"), ["s2"] = await StoredBytesAsync(alice, "s2") };
        await StopServerAsync();

        // The schema as the previous release left it: no size column, the narrower session index.
        await Db.ExecuteAsync("DROP INDEX events_session_sizes");
        await Db.ExecuteAsync("ALTER TABLE events DROP COLUMN payload_bytes");
        await Db.ExecuteAsync("CREATE INDEX events_session ON events (session_id, expires_at)");

        await Store.InitializeAsync();
        await StartServerAsync(o => o);

        Assert.Equal(expected, await ListedSizesAsync(alice));
        var indexes = Db.Kind == "sqlite"
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = @name"
            : "SELECT COUNT(*) FROM pg_indexes WHERE indexname = @name";
        Assert.Equal(0, await Db.ScalarAsync(indexes, ("name", "events_session")));
        Assert.Equal(1, await Db.ScalarAsync(indexes, ("name", "events_session_sizes")));

        // Once: a later start leaves the stored sizes as they are, and new events get theirs at write time.
        await Db.ExecuteAsync("UPDATE events SET payload = '{}'");
        await Store.InitializeAsync();
        Assert.Equal(expected, await ListedSizesAsync(alice));
        await CaptureAsync(alice, "s3", "ünïcödé");
        Assert.Equal(Encoding.UTF8.GetByteCount((await SessionEventsAsync(alice, "s3"))[0].GetProperty("event").GetRawText()), (await ListedSizesAsync(alice))["s3"]);
    }
}
