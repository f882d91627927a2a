using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Custodian.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. <c>secure_delete</c> zeroes deleted content and the WAL is
/// checkpointed and truncated after deletions, so a deleted session cannot be read back from the files (DEL-2).
/// </summary>
public sealed class SqliteCustodianStore : SqlCustodianStore
{
    private readonly string _connectionString;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    public SqliteCustodianStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Description => "sqlite:" + Path;

    /// <inheritdoc />
    protected override string AutoIncrementKey => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc />
    protected override string BlobType => "BLOB";

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
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA secure_delete=ON; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <inheritdoc />
    protected override async Task AfterDeletionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Deleted pages were zeroed in the WAL; folding it into the database and truncating it removes the
        // older page images that still hold the content.
        await ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
