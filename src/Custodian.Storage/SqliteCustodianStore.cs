using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Custodian.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. <c>secure_delete</c> zeroes deleted content and the WAL is
/// checkpointed and truncated after deletions, so a deleted session cannot be read back from the files (DEL-2).
/// Writes of events, ratings and feedback leave the WAL to a background checkpointer (within <see cref="CheckpointInterval"/> of a commit),
/// so copying pages into the database file and its fsyncs do not hold up the single writer.
/// </summary>
public sealed class SqliteCustodianStore : SqlCustodianStore
{
    private readonly string _connectionString;

    // SQLite has one writer per file. This instance's bulk writers (the group commit and the sweep's chunks) queue
    // here instead of in SQLite's busy handler, which sleeps and retries and is not first come first served.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // One checkpoint at a time in this instance: the one after a deletion must not find the background one running
    // (SQLite would answer it "busy" and leave the deleted pages in the WAL).
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _checkpointerStart = new();
    private Task? _checkpointer;
    private int _committedSinceCheckpoint;
    private long _checkpoints;

    /// <summary>
    /// WAL pages after which a committing connection checkpoints on its own (SQLite's auto-checkpoint, 1,000 by
    /// default): here only a bound (about 80 MB) for when the background checkpointer falls behind.
    /// </summary>
    internal const int AutoCheckpointPages = 20_000;

    /// <summary>How long after a committed write the background checkpointer copies the WAL into the database file.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    public SqliteCustodianStore(string path)
        : this(path, TimeProvider.System)
    {
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>; <paramref name="time"/> paces the background checkpointer.</summary>
    public SqliteCustodianStore(string path, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(time);
        Path = System.IO.Path.GetFullPath(path);
        _time = time;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Background checkpoints completed so far (for tests).</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Description => "sqlite:" + Path;

    /// <inheritdoc />
    protected override string AutoIncrementKey => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc />
    protected override string BlobType => "BLOB";

    /// <inheritdoc />
    protected override string JsonTextSql(string document, params string[] path) =>
        $"json_extract({document}, '$.{string.Join('.', path.Select(k => "\"" + k + "\""))}')";

    /// <inheritdoc />
    protected override string JsonNumberSql(string document, string key) =>
        $"CASE WHEN json_type({document}, '$.\"{key}\"') IN ('integer', 'real') THEN json_extract({document}, '$.\"{key}\"') END";

    /// <inheritdoc />
    protected override string PayloadBytesSql => "LENGTH(CAST(payload AS BLOB))";

    /// <inheritdoc />
    protected override async Task<bool> HasColumnAsync(DbConnection connection, DbTransaction? transaction, string table, string column, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT COUNT(*) FROM pragma_table_info(@table) WHERE name = @column", ("table", table), ("column", column));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    /// <inheritdoc />
    public override async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        await using (var connection = await OpenAsync(cancellationToken))
        {
            // WAL is a property of the file: set once. NORMAL sync keeps every committed write across a crash of
            // the process (SIGKILL); only a power loss can lose the last commits.
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", cancellationToken);
        }

        await base.InitializeAsync(cancellationToken);
        await using (var connection = await OpenAsync(cancellationToken))
        {
            await AddTelemetryRecordKeysAsync(connection, cancellationToken);
        }
    }

    /// <summary>
    /// Here a telemetry record's idempotency key (CUS-76) is a column of its row under one unique index, instead of a
    /// row of <c>telemetry_keys</c> with three indexes of its own: one statement and half the B-tree inserts a record.
    /// (PostgreSQL keeps <c>telemetry_keys</c>: a unique index on its partitioned table would have to hold the
    /// partition key.) Rows stored before the column existed have none, which the unique index allows; their old rows
    /// in <c>telemetry_keys</c> go with them on erasure and expiry.
    /// </summary>
    private async Task AddTelemetryRecordKeysAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (!await HasColumnAsync(connection, null, "telemetry", "record_key", cancellationToken))
        {
            // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default) holds the write lock: another process migrating at the
            // same time is seen by the second look.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (!await HasColumnAsync(connection, transaction, "telemetry", "record_key", cancellationToken))
                await ExecuteAsync(connection, transaction, "ALTER TABLE telemetry ADD COLUMN record_key BLOB", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await ExecuteAsync(connection, null, "CREATE UNIQUE INDEX IF NOT EXISTS telemetry_record_key ON telemetry (record_key)", cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA secure_delete=ON; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint={AutoCheckpointPages};";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One statement a record, through SQLite's C API on the group commit's own connection and inside its transaction:
    /// Microsoft.Data.Sqlite looks every parameter up by name and walks its statement list again on each execution,
    /// which costs about as much as SQLite's insert of the row itself (bench/README.md, "OTLP ingestion"). Here the
    /// statement is prepared once per commit and bound by position; strings are bound as they are (UTF-16) and the
    /// payload as the UTF-8 it already is.
    /// </remarks>
    protected override Task<bool[]> InsertTelemetryRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TelemetryRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var db = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("The connection is not open.");
        var inserted = new bool[rows.Count];
        using var insert = Prepare(db, """
            INSERT INTO telemetry (account_id, session_id, kind, name, at, captured_at, expires_at, payload, record_key, records)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (record_key) DO NOTHING
            """);
        for (var i = 0; i < rows.Count; i++)
        {
            if ((i & 0xff) == 0) cancellationToken.ThrowIfCancellationRequested();
            var row = rows[i];
            Bind(db, raw.sqlite3_bind_text16(insert, 1, row.AccountId));
            Bind(db, raw.sqlite3_bind_text16(insert, 2, row.SessionId));
            Bind(db, raw.sqlite3_bind_text16(insert, 3, row.Kind));
            Bind(db, raw.sqlite3_bind_text16(insert, 4, row.Name));
            Bind(db, raw.sqlite3_bind_int64(insert, 5, row.At));
            Bind(db, raw.sqlite3_bind_int64(insert, 6, row.CapturedAt));
            Bind(db, raw.sqlite3_bind_int64(insert, 7, row.ExpiresAt));
            Bind(db, raw.sqlite3_bind_text(insert, 8, row.Payload.Span));
            Bind(db, raw.sqlite3_bind_blob(insert, 9, row.Key));
            Bind(db, raw.sqlite3_bind_int(insert, 10, row.Records));
            Step(db, insert);
            // No change: the key was stored already, by an earlier delivery or an earlier row of this batch.
            inserted[i] = raw.sqlite3_changes(db) > 0;
        }

        return Task.FromResult(inserted);
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        return statement;
    }

    private static void Bind(sqlite3 db, int rc) => SqliteException.ThrowExceptionForRC(rc, db);

    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
    }

    /// <inheritdoc />
    protected override async Task AfterDeletionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Deleted pages were zeroed in the WAL; folding it into the database and truncating it removes the
        // older page images that still hold the content.
        await CheckpointAsync(connection, "TRUNCATE", cancellationToken);
    }

    /// <inheritdoc />
    protected override void AfterWriteCommitted()
    {
        Volatile.Write(ref _committedSinceCheckpoint, 1);
        if (Volatile.Read(ref _checkpointer) is not null) return;
        lock (_checkpointerStart)
        {
            if (_checkpointer is null && !_stopping.IsCancellationRequested) _checkpointer = Task.Run(CheckpointLoopAsync);
        }
    }

    private async Task CheckpointLoopAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (true)
            {
                await Task.Delay(CheckpointInterval, _time, stopping);
                if (Interlocked.Exchange(ref _committedSinceCheckpoint, 0) == 0) continue;
                await CheckpointAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: the last connection to close checkpoints the rest.
        }
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            // Most of the copying happens beside the writers. A passive checkpoint only copies what was committed
            // when it began, so under steady writes the WAL would never be fully copied and never start over; the
            // second pass, between two group commits, copies the few pages committed meanwhile and lets the next
            // commit start the WAL from the beginning. Locks are always taken writer first, then checkpoint.
            await CheckpointAsync(connection, "PASSIVE", cancellationToken);
            using (await EnterWriteAsync(cancellationToken)) await CheckpointAsync(connection, "PASSIVE", cancellationToken);
            Interlocked.Increment(ref _checkpoints);
        }
        catch (SqliteException)
        {
            // Left to the next round (or, past AutoCheckpointPages, to the committing connection itself).
        }
    }

    /// <summary>One checkpoint in <paramref name="mode"/> (PASSIVE or TRUNCATE), never two at once in this instance.</summary>
    private async Task CheckpointAsync(DbConnection connection, string mode, CancellationToken cancellationToken)
    {
        await _checkpointGate.WaitAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, $"PRAGMA wal_checkpoint({mode})", cancellationToken);
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    /// <summary>Rows deleted per transaction by the sweep.</summary>
    private const int SweepChunkRows = 5000;

    /// <inheritdoc />
    public override async Task<ExpiryReport> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var (events, ratings, feedback, telemetry) = await DeleteExpiredInChunksAsync(now, cancellationToken);
        if (events + ratings + feedback + telemetry > 0)
        {
            // Most of the WAL was checkpointed as the chunks committed; this folds in the rest and truncates it (DEL-2).
            using var gate = await EnterWriteAsync(cancellationToken);
            await using var connection = await OpenAsync(cancellationToken);
            await AfterDeletionAsync(connection, cancellationToken);
        }

        return new ExpiryReport(events, ratings, feedback, 0, Telemetry: telemetry);
    }

    /// <summary>
    /// Row deletes of everything expired, <see cref="SweepChunkRows"/> rows per transaction, letting this instance's
    /// writers in between chunks (through the write gate, first come first served): SQLite has one writer, and one
    /// transaction for the whole sweep would hold it for about 10 s per million rows. Each chunk is
    /// complete on its own (a feedback bundle goes with its session list), so stopping between chunks loses nothing
    /// and the next sweep carries on. Returns counts.
    /// </summary>
    private async Task<(long Events, long Ratings, long Feedback, long Telemetry)> DeleteExpiredInChunksAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var p = ("now", (object?)now.ToUnixTimeMilliseconds());
        // countsRecords: the table's rows hold `records` each (telemetry blocks, CUS-88), and the count is of those.
        async Task<long> ChunksAsync(string table, int rows, string? andThen, bool countsRecords = false)
        {
            long total = 0;
            while (true)
            {
                int deleted;
                using (await EnterWriteAsync(cancellationToken))
                {
                    await using var connection = await OpenAsync(cancellationToken);
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    var sql = $"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE expires_at <= @now LIMIT {rows.ToString(CultureInfo.InvariantCulture)})";
                    if (countsRecords)
                    {
                        (deleted, var records) = await DeleteTelemetryAsync(connection, transaction, sql, cancellationToken, p);
                        total += records;
                    }
                    else
                    {
                        deleted = await ExecuteAsync(connection, transaction, sql, cancellationToken, p);
                        total += deleted;
                    }

                    if (deleted > 0 && andThen is not null) await ExecuteAsync(connection, transaction, andThen, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                if (deleted < rows) return total;
                await Task.Yield();
            }
        }

        var events = await ChunksAsync("events", SweepChunkRows, null);
        var ratings = await ChunksAsync("ratings", SweepChunkRows, null);
        // Bundles are large: fewer per transaction.
        var feedback = await ChunksAsync("feedback", 100, "DELETE FROM feedback_sessions WHERE feedback_id NOT IN (SELECT id FROM feedback)");
        var telemetry = await ChunksAsync("telemetry", SweepChunkRows, null, countsRecords: true);
        await ChunksAsync("telemetry_keys", SweepChunkRows, null);
        while (true)
        {
            int deleted;
            using (await EnterWriteAsync(cancellationToken))
            {
                await using var connection = await OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                // Sessions left without events; checked per session through the events index.
                deleted = await ExecuteAsync(connection, transaction, $"""
                    DELETE FROM sessions WHERE id IN (SELECT s.id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id)
                    LIMIT {SweepChunkRows.ToString(CultureInfo.InvariantCulture)})
                    """, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            if (deleted < SweepChunkRows) break;
            await Task.Yield();
        }

        return (events, ratings, feedback, telemetry);
    }

    /// <inheritdoc />
    protected override async ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        return new GateRelease(_writeGate);
    }

    private sealed class GateRelease(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        Task? checkpointer;
        lock (_checkpointerStart)
        {
            _stopping.Cancel();
            checkpointer = _checkpointer;
        }

        if (checkpointer is not null) await checkpointer.ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
        _writeGate.Dispose();
        _checkpointGate.Dispose();
        _stopping.Dispose();
    }
}
