using System.Data.Common;
using Custodian.Policy;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>
/// Several instances on one PostgreSQL database: a group commit holds the sessions it writes to (FOR KEY SHARE) from
/// its read of their owners to its commit, so neither the sweep (on another instance) nor an erasure can delete a
/// session under events being written to it — which would leave events no one could read or erase.
/// </summary>
public sealed partial class PostgresServerTests
{
    /// <summary>What another instance's group commit does with a session: reads its owner, locking the row, inside an open transaction.</summary>
    private async Task<(DbConnection Connection, DbTransaction Transaction)> WriterHoldingSessionAsync(string sessionId)
    {
        var connection = await Db.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT id, account_id, repository FROM sessions WHERE id = ANY(@ids) FOR KEY SHARE";
        var ids = read.CreateParameter();
        ids.ParameterName = "ids";
        ids.Value = new[] { sessionId };
        read.Parameters.Add(ids);
        Assert.Equal(sessionId, await read.ExecuteScalarAsync());
        return (connection, transaction);
    }

    private static async Task InsertEventAsync(DbConnection connection, DbTransaction transaction, string sessionId, string accountId, string marker, DateTimeOffset now)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO events (session_id, account_id, captured_at, expires_at, training, payload_bytes, payload)
            VALUES (@session, @account, @captured, @expires, 0, octet_length(@payload), @payload)
            """;
        foreach (var (name, value) in new (string, object)[]
                 {
                     ("session", sessionId), ("account", accountId), ("captured", now.ToUnixTimeMilliseconds()),
                     ("expires", now.AddDays(30).ToUnixTimeMilliseconds()), ("payload", "{\"m\":\"" + marker + "\"}"),
                 })
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            insert.Parameters.Add(parameter);
        }

        await insert.ExecuteNonQueryAsync();
    }

    [Fact]
    [Trait("spec", "RET-7")]
    [Trait("spec", "DEL-1")]
    public async Task The_sweep_does_not_delete_a_session_another_instance_is_writing_its_first_new_events_to()
    {
        var now = Time.GetUtcNow();
        await Store.EnsureAccountAsync(new Account("alice", Role.User, null, Plan.Pro, now));
        // A session whose old events all expired: the sweep would remove it as empty.
        await Store.AppendBatchAsync([new AppendRequest("alice", "s-old", null, ["{\"m\":\"old\"}"])],
            (_, _) => new CapturePolicy(now.AddDays(-31), RetentionPeriod.ThirtyDays, false));
        // A live session beside it (which also gives the new events' expiry day its partition).
        await Store.AppendBatchAsync([new AppendRequest("alice", "s-live", null, ["{\"m\":\"live\"}"])],
            (_, _) => new CapturePolicy(now, RetentionPeriod.ThirtyDays, false));
        await StopServerAsync(); // no start-up or periodic sweep of the server's own in between

        var (connection, transaction) = await WriterHoldingSessionAsync("s-old");
        await using (connection)
        {
            // The sweep runs while the other writer is between its read and its commit: it must neither wait for it
            // nor delete the session.
            var sweep = Store.DeleteExpiredAsync(now);
            var finished = await Task.WhenAny(sweep, Task.Delay(TimeSpan.FromSeconds(30))) == sweep;
            var marker = Marker("new");
            await InsertEventAsync(connection, transaction, "s-old", "alice", marker, now);
            await transaction.CommitAsync();
            Assert.True(finished, "the sweep waited for the writer's transaction instead of skipping its session");
            Assert.Equal(1, (await sweep).Events);

            Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id = 's-old'"));
            var events = await Store.GetSessionEventsAsync("alice", "s-old", now);
            Assert.NotNull(events);
            Assert.Contains(marker, Assert.Single(events).Json, StringComparison.Ordinal);
        }

        // With no writer holding it, an empty session is removed as before.
        await Store.AppendBatchAsync([new AppendRequest("alice", "s-empty", null, ["{\"m\":\"x\"}"])],
            (_, _) => new CapturePolicy(now.AddDays(-31), RetentionPeriod.ThirtyDays, false));
        await Store.DeleteExpiredAsync(now);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id = 's-empty'"));
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    public async Task An_erasure_waits_for_a_group_commit_writing_to_the_session_and_erases_its_events_too()
    {
        var now = Time.GetUtcNow();
        await Store.EnsureAccountAsync(new Account("alice", Role.User, null, Plan.Pro, now));
        await Store.AppendBatchAsync([new AppendRequest("alice", "s1", null, ["{\"m\":\"first\"}"])],
            (_, _) => new CapturePolicy(now, RetentionPeriod.ThirtyDays, false));

        var (connection, transaction) = await WriterHoldingSessionAsync("s1");
        await using (connection)
        {
            await InsertEventAsync(connection, transaction, "s1", "alice", Marker("in-flight"), now);
            var erasure = Store.DeleteSessionAsync("alice", "s1");
            // The erasure must wait for the write it would otherwise miss.
            Assert.False(await Task.WhenAny(erasure, Task.Delay(TimeSpan.FromSeconds(1))) == erasure, "the erasure did not wait for the group commit");
            await transaction.CommitAsync();
            Assert.True(await erasure);
        }

        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = 's1'"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE id = 's1'"));
    }
}
