namespace Custodian.Server.Tests;

/// <summary>SQLite keeps a telemetry record's idempotency key in its row; databases from before get the column once.</summary>
public sealed partial class SqliteServerTests
{
    [Fact]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "CUS-76")]
    public async Task A_database_from_before_keys_were_kept_in_the_rows_gets_the_column_and_keeps_its_telemetry()
    {
        var alice = await KeyAsync("alice");
        await ExportLogsAsync(alice, Infrastructure.OtlpRequests.UserPrompt("old", "stored by the previous release"));
        await StopServerAsync();

        // The schema as the previous release left it: keys in telemetry_keys only, none in the rows.
        await Db.ExecuteAsync("DROP INDEX telemetry_record_key");
        await Db.ExecuteAsync("ALTER TABLE telemetry DROP COLUMN record_key");

        await Store.InitializeAsync();
        await Store.InitializeAsync(); // once: a second start finds the column and leaves it
        await StartServerAsync(o => o);

        Assert.Single((await TelemetryAsync(alice, "old")).GetProperty("events").EnumerateArray());
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM telemetry WHERE record_key IS NULL"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'telemetry_record_key'"));

        // New records get their keys, and a retried batch is stored once.
        var batch = Infrastructure.OtlpRequests.Logs(Infrastructure.OtlpRequests.UserPrompt("new", "after the upgrade"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await PostLogsAsync(alice, batch)).Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await PostLogsAsync(alice, batch)).Status);
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM telemetry WHERE session_id = 'new' AND record_key IS NOT NULL"));
        Assert.Equal(2, await Db.ScalarAsync("SELECT COUNT(*) FROM telemetry"));
    }

    [Fact]
    [Trait("spec", "CUS-88")]
    public async Task A_database_from_before_blocks_gets_the_records_column_and_its_rows_count_one_record_each()
    {
        var alice = await KeyAsync("alice");
        await ExportLogsAsync(alice, Infrastructure.OtlpRequests.UserPrompt("pre", "stored by the previous release"));
        await StopServerAsync();

        // The schema as the previous release left it: no records column.
        await Db.ExecuteAsync("ALTER TABLE telemetry DROP COLUMN records");

        await Store.InitializeAsync();
        await Store.InitializeAsync(); // once: a second start finds the column and leaves it
        await StartServerAsync(o => o);

        Assert.Equal(1, await Db.ScalarAsync("SELECT records FROM telemetry WHERE session_id = 'pre'"));
        Assert.Single((await TelemetryAsync(alice, "pre")).GetProperty("events").EnumerateArray());
        await ExportLogsAsync(alice, Infrastructure.OtlpRequests.UserPrompt("post", "a", sequence: 1), Infrastructure.OtlpRequests.ApiRequest("post", sequence: 2));
        Assert.Equal(2, await Db.ScalarAsync("SELECT records FROM telemetry WHERE session_id = 'post'"));
    }
}
