using System.Globalization;
using Custodian.Server.Tests.Infrastructure;
using Npgsql;

namespace Custodian.Server.Tests;

/// <summary>PostgreSQL keeps events in one partition per expiry day; expiry drops whole partitions (RET-7).</summary>
public sealed partial class PostgresServerTests
{
    private static string PartitionOf(DateTimeOffset expiresAt) =>
        "events_d" + (expiresAt.ToUnixTimeMilliseconds() / 86_400_000).ToString(CultureInfo.InvariantCulture);

    private Task<List<string>> PartitionsAsync() => Db.TextsAsync(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' ORDER BY 1");

    [Fact]
    [Trait("spec", "RET-7")]
    public async Task The_sweeper_drops_the_partition_of_an_expired_day_and_keeps_the_others()
    {
        var (_, _, b, _) = await ThirtyDayAndFiveYearDataAsync();
        var expired = PartitionOf(T0.AddDays(30));
        var kept = PartitionOf(T0.AddYears(5));
        Assert.Equal([expired, kept], await PartitionsAsync());
        Assert.Equal(2, await Db.ScalarAsync($"SELECT COUNT(*) FROM {expired}"));

        Time.SetUtcNow(T0 + DefaultSweepInterval);
        await EventuallyAsync(async () => !(await PartitionsAsync()).Contains(expired), $"the sweeper drops {expired}");

        Assert.Equal([kept], await PartitionsAsync());
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname = @n", ("n", expired)));
        Assert.Equal(1, await Db.ScalarAsync($"SELECT COUNT(*) FROM {kept} WHERE payload LIKE @b", ("b", "%" + b + "%")));

        // New captures after the drop still find (or re-create) their partitions.
        var alice = await KeyAsync("alice");
        await CaptureAsync(alice, "s-new", Marker("after-drop"));
        Assert.Contains(PartitionOf(Time.GetUtcNow().AddDays(30)), await PartitionsAsync());
    }

    [Fact]
    [Trait("spec", "RET-7")]
    public async Task Records_expiring_later_today_are_trimmed_by_rows_when_their_day_is_not_over()
    {
        var alice = await KeyAsync("alice");
        await CaptureAsync(alice, "early", Marker("early"));
        Time.Advance(TimeSpan.FromHours(6));
        var late = Marker("late");
        await CaptureAsync(alice, "late", late);
        var partition = PartitionOf(T0.AddDays(30));
        Assert.Equal(2, await Db.ScalarAsync($"SELECT COUNT(*) FROM {partition}"));

        // Mid-way between the two expiries, on the same expiry day.
        var report = await Store.DeleteExpiredAsync(T0.AddDays(30).AddHours(3));

        Assert.Equal(1, report.Events);
        Assert.Equal(0, report.PartitionsDropped);
        Assert.Equal(1, await Db.ScalarAsync($"SELECT COUNT(*) FROM {partition} WHERE payload LIKE @l", ("l", "%" + late + "%")));
        Assert.Equal(1, await Db.ScalarAsync($"SELECT COUNT(*) FROM {partition}"));
    }

    [Fact]
    [Trait("spec", "DEL-2")]
    public async Task A_logical_backup_made_after_deletion_does_not_hold_the_deleted_content()
    {
        var (alice, _, marker) = await SessionWithEverythingAsync();
        Assert.Contains(marker, await DumpAsync(), StringComparison.Ordinal);

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/doomed", alice)).Status);

        var dump = await DumpAsync();
        Assert.DoesNotContain(marker, dump, StringComparison.Ordinal);
        Assert.Contains("kept", dump, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "RET-7")]
    public async Task A_failed_first_insert_of_an_expiry_day_does_not_leave_later_inserts_without_a_partition()
    {
        var alice = await KeyAsync("alice");
        // Stands in for anything that makes an insert fail after its partition was prepared (a dropped connection,
        // a cancelled request): a trigger that refuses one payload.
        await Db.ExecuteAsync("""
            CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.payload LIKE '%BOOM%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$
            """);
        await Db.ExecuteAsync("CREATE TRIGGER refuse_boom BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_boom()");

        var failed = await PostEventsAsync(alice, "s1", ["BOOM"]);
        Assert.Equal(500, failed.Code);

        var reply = await PostEventsAsync(alice, "s1", [Marker("after")]);

        Assert.True(reply.Code == 201, reply.ToString());
        Assert.Single(await SessionEventsAsync(alice, "s1"));
    }

    /// <summary>pg_dump of the test's database, as a backup job would make it.</summary>
    private Task<string> DumpAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(((PostgresTestStore)Db).ConnectionString);
        var pgDump = PostgresCluster.Tool("pg_dump");
        var (code, output) = ProcessRunner.Run(pgDump,
            ["-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!, "-d", builder.Database!, "--data-only"],
            TimeSpan.FromMinutes(1));
        Assert.True(code == 0, output);
        return Task.FromResult(output);
    }
}
