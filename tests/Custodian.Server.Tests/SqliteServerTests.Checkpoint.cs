using Custodian.Policy;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>
/// The background checkpointer: group commits do not copy the WAL into the database file themselves; a background
/// task does, beside them, and still lets the WAL start over under steady writes.
/// </summary>
public sealed partial class SqliteServerTests
{
    private SqliteCustodianStore SqliteStore => (SqliteCustodianStore)Store;

    /// <summary>
    /// Writes <paramref name="marker"/> with <paramref name="write"/> and waits for it in the database file itself. The
    /// store's pooled connections stay open, so only a checkpoint can move the page out of the WAL; SQLite's own
    /// auto-checkpoint waits for 20,000 pages.
    /// </summary>
    private async Task AssertCheckpointedAsync(string marker, Func<Task> write)
    {
        var before = SqliteStore.Checkpoints;
        await write();
        await EventuallyAsync(() => Task.FromResult(FileContains(Sqlite.DatabasePath, marker)), $"{marker} is copied into the database file");
        // The checkpointer counts a round after its second pass, so the page can be in the file a moment before the count.
        await EventuallyAsync(() => Task.FromResult(SqliteStore.Checkpoints > before), "the background checkpointer ran");
    }

    [Fact]
    public async Task A_posted_event_reaches_the_database_file_through_the_background_checkpointer()
    {
        var alice = await KeyAsync("alice");
        var marker = Marker("checkpointed");
        await AssertCheckpointedAsync(marker, () => CaptureAsync(alice, "s1", marker));
    }

    [Fact]
    public async Task A_stored_feedback_bundle_reaches_the_database_file_through_the_background_checkpointer()
    {
        var now = Time.GetUtcNow();
        await Store.EnsureAccountAsync(new Account("fb", Role.User, null, Plan.Pro, now));
        var marker = Marker("bundle");
        await AssertCheckpointedAsync(marker, () => Store.AddFeedbackAsync(
            new FeedbackRecord(Guid.NewGuid().ToString("N"), "fb", FeedbackKind.Feedback, ["s1"], marker.Length, now, now.AddYears(5), false),
            System.Text.Encoding.UTF8.GetBytes(marker)));
    }

    [Fact]
    public async Task Under_steady_group_commits_the_WAL_starts_over_instead_of_growing()
    {
        var now = Time.GetUtcNow();
        await Store.EnsureAccountAsync(new Account("steady", Role.User, null, Plan.Pro, now));
        var policy = new CapturePolicy(now, RetentionPeriod.ThirtyDays, false);
        var payload = "{\"text\":\"" + new string('x', 1_000) + "\"}";
        var wal = Sqlite.DatabasePath + "-wal";
        long written = 0;
        var checkpointsBefore = SqliteStore.Checkpoints;

        // Writes for well over ten checkpoint intervals: a passive checkpoint alone never finds the
        // WAL fully copied while a writer keeps appending, so without the pass between two commits it only grows.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var n = 0;
        while (DateTime.UtcNow < until || SqliteStore.Checkpoints < checkpointsBefore + 5)
        {
            var group = Enumerable.Range(0, 8).Select(i => new AppendRequest("steady", $"steady-{n++ % 50}", null, [payload])).ToList();
            await Store.AppendBatchAsync(group, (_, _) => policy);
            written += 8 * payload.Length;
            await Task.Delay(1); // steady, not flat out: the WAL must stay small between checkpoints, not hit the bound
        }

        var walBytes = new FileInfo(wal).Length;
        // Its file keeps its largest size: what was written between two restarts, a fraction of the whole.
        Assert.True(walBytes < written, $"the WAL is {walBytes:N0} bytes after {written:N0} bytes of events: it did not start over");
        Assert.Equal(n, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE account_id = 'steady'"));
    }
}
