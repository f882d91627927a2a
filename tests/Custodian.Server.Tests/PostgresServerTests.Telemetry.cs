using System.Globalization;
using System.Net;

namespace Custodian.Server.Tests;

/// <summary>PostgreSQL keeps telemetry in expiry-day partitions as it keeps events, and drops them on expiry (OTL-3, RET-7).</summary>
public sealed partial class PostgresServerTests
{
    private Task<List<string>> TelemetryPartitionsAsync() => Db.TextsAsync(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'telemetry' ORDER BY 1");

    private static string TelemetryPartitionOf(DateTimeOffset expiresAt) =>
        "telemetry_d" + (expiresAt.ToUnixTimeMilliseconds() / 86_400_000).ToString(CultureInfo.InvariantCulture);

    [Fact]
    [Trait("spec", "RET-7")]
    [Trait("spec", "OTL-3")]
    public async Task Telemetry_is_partitioned_by_expiry_day_like_events_and_the_sweeper_drops_an_expired_day()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        await SetConsentAsync(bob, true);
        await ExportLogsAsync(alice, Infrastructure.OtlpRequests.UserPrompt("p30", "thirty days"), Infrastructure.OtlpRequests.ApiRequest("p30"));
        await ExportLogsAsync(bob, Infrastructure.OtlpRequests.UserPrompt("p5y", "five years"));
        var expired = TelemetryPartitionOf(T0.AddDays(30));
        var kept = TelemetryPartitionOf(T0.AddYears(5));
        Assert.Equal([expired, kept], await TelemetryPartitionsAsync());
        Assert.Equal(2, await Db.ScalarAsync($"SELECT SUM(records) FROM {expired}"));

        var report = await Store.DeleteExpiredAsync(T0.AddDays(31));

        Assert.Equal([kept], await TelemetryPartitionsAsync());
        Assert.Equal(2, report.Telemetry);
        Assert.True(report.PartitionsDropped >= 1);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM telemetry_keys WHERE session_id = 'p30'"));
        Assert.Equal(1, await Db.ScalarAsync($"SELECT SUM(records) FROM {kept}"));

        // New telemetry after the drop re-creates its partition.
        Time.SetUtcNow(T0.AddDays(31));
        await ExportLogsAsync(alice, Infrastructure.OtlpRequests.UserPrompt("after", "after the drop"));
        Assert.Contains(TelemetryPartitionOf(T0.AddDays(61)), await TelemetryPartitionsAsync());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/sessions/after/telemetry", alice)).Status);
    }
}
