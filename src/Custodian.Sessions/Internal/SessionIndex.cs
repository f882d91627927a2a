using Microsoft.Data.Sqlite;

namespace Custodian.Sessions.Internal;

/// <summary>
/// A cache of transcript scans in SQLite under <c>&lt;config-dir&gt;/custodian/</c>. A row is used only while the
/// transcript's size and modification time still match; otherwise the file is scanned again. The files are the
/// truth: a damaged index is deleted and rebuilt, and without a writable index everything still works.
/// </summary>
internal sealed class SessionIndex : IDisposable
{
    // 2: first prompts as LOC-9 reads them, subagent transcripts' rows, and the parent session of a Claude Code 2.0
    // agent-*.jsonl beside the transcripts (LOC-10). A version-1 index is dropped and rebuilt.
    private const int SchemaVersion = 2;
    private readonly SqliteConnection _connection;

    private SessionIndex(SqliteConnection connection) => _connection = connection;

    /// <summary>
    /// One file's cached scan: size and time it was read at, first prompt, working directory, newest timestamp,
    /// line and problem counts, and <c>Parent</c>: for an <c>agent-*.jsonl</c> beside the transcripts, the session its
    /// first lines name (else null).
    /// </summary>
    public sealed record Row(long Size, long ModifiedTicks, string? FirstPrompt, string? Cwd, long? NewestTicks, long Lines, long Problems, string? Parent = null);

    /// <summary>Opens (or rebuilds) the index; null when it cannot be used at all.</summary>
    public static SessionIndex? TryOpen(string path)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            SqliteConnection? connection = null;
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
                connection.Open();
                using (var pragma = connection.CreateCommand())
                {
                    pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
                    pragma.ExecuteNonQuery();
                    pragma.CommandText = "PRAGMA user_version;";
                    var version = Convert.ToInt64(pragma.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                    if (version != SchemaVersion)
                    {
                        pragma.CommandText = $"""
                            DROP TABLE IF EXISTS transcripts;
                            CREATE TABLE transcripts (
                              path TEXT PRIMARY KEY, size INTEGER NOT NULL, modified INTEGER NOT NULL,
                              first_prompt TEXT, cwd TEXT, newest INTEGER, lines INTEGER NOT NULL, problems INTEGER NOT NULL, parent TEXT);
                            PRAGMA user_version = {SchemaVersion};
                            """;
                        pragma.ExecuteNonQuery();
                    }
                }

                return new SessionIndex(connection);
            }
            catch (SqliteException)
            {
                connection?.Dispose();
                SqliteConnection.ClearAllPools();
                TryDelete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                connection?.Dispose();
                return null;
            }
        }

        return null;
    }

    public Dictionary<string, Row> LoadAll()
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT path, size, modified, first_prompt, cwd, newest, lines, problems, parent FROM transcripts";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows[reader.GetString(0)] = new Row(
                reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.GetInt64(6), reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetString(8));
        }

        return rows;
    }

    /// <summary>Writes new rows and removes rows of files that are gone, in one transaction.</summary>
    public void Update(IReadOnlyDictionary<string, Row> changed, IEnumerable<string> removed)
    {
        using var transaction = _connection.BeginTransaction();
        using (var upsert = _connection.CreateCommand())
        {
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO transcripts (path, size, modified, first_prompt, cwd, newest, lines, problems, parent)
                VALUES ($path, $size, $modified, $prompt, $cwd, $newest, $lines, $problems, $parent)
                ON CONFLICT(path) DO UPDATE SET size=excluded.size, modified=excluded.modified, first_prompt=excluded.first_prompt,
                  cwd=excluded.cwd, newest=excluded.newest, lines=excluded.lines, problems=excluded.problems, parent=excluded.parent
                """;
            var path = upsert.Parameters.Add("$path", SqliteType.Text);
            var size = upsert.Parameters.Add("$size", SqliteType.Integer);
            var modified = upsert.Parameters.Add("$modified", SqliteType.Integer);
            var prompt = upsert.Parameters.Add("$prompt", SqliteType.Text);
            var cwd = upsert.Parameters.Add("$cwd", SqliteType.Text);
            var newest = upsert.Parameters.Add("$newest", SqliteType.Integer);
            var lines = upsert.Parameters.Add("$lines", SqliteType.Integer);
            var problems = upsert.Parameters.Add("$problems", SqliteType.Integer);
            var parent = upsert.Parameters.Add("$parent", SqliteType.Text);
            foreach (var (key, row) in changed)
            {
                path.Value = key;
                size.Value = row.Size;
                modified.Value = row.ModifiedTicks;
                prompt.Value = (object?)row.FirstPrompt ?? DBNull.Value;
                cwd.Value = (object?)row.Cwd ?? DBNull.Value;
                newest.Value = (object?)row.NewestTicks ?? DBNull.Value;
                lines.Value = row.Lines;
                problems.Value = row.Problems;
                parent.Value = (object?)row.Parent ?? DBNull.Value;
                upsert.ExecuteNonQuery();
            }
        }

        using (var delete = _connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM transcripts WHERE path = $path";
            var path = delete.Parameters.Add("$path", SqliteType.Text);
            foreach (var key in removed)
            {
                path.Value = key;
                delete.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    public void Dispose() => _connection.Dispose();

    private static void TryDelete(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
