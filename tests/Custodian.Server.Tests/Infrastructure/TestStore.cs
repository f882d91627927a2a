using System.Data.Common;
using Custodian.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Custodian.Server.Tests.Infrastructure;

/// <summary>
/// One test's own database, for either store: opens <see cref="ICustodianStore"/> instances on it, names it as the
/// CLI's <c>--store</c> value, and runs raw SQL on it (to look behind the store's back: row counts, partitions,
/// tampering with the audit log).
/// </summary>
public abstract class TestStore : IAsyncDisposable
{
    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The value of <c>--store</c> for the CLI.</summary>
    public abstract string CliArgument { get; }

    /// <summary>A new store instance on this database (not initialized).</summary>
    public abstract ICustodianStore Open();

    /// <summary>A raw connection, not pooled.</summary>
    protected abstract DbConnection Connect();

    /// <summary>An open raw connection, for tests that hold a transaction open while the store works.</summary>
    public async Task<DbConnection> OpenConnectionAsync()
    {
        var connection = Connect();
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string?> TextAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync() as string;
    }

    public async Task<List<string>> TextsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public abstract ValueTask DisposeAsync();

    private static DbCommand Command(DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // test SQL is constant text; values are parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

/// <summary>A SQLite database file in a fresh temporary directory.</summary>
public sealed class SqliteTestStore : TestStore
{
    public SqliteTestStore()
    {
        Directory = Path.Combine(Path.GetTempPath(), "custodian-server-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabasePath = Path.Combine(Directory, "custodian.db");
    }

    public string Directory { get; }

    public string DatabasePath { get; }

    public override string Kind => "sqlite";

    public override string CliArgument => "sqlite:" + DatabasePath;

    public override ICustodianStore Open() => new SqliteCustodianStore(DatabasePath);

    protected override DbConnection Connect() =>
        new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, DefaultTimeout = 30 }.ToString());

    public override ValueTask DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh database on the suite's PostgreSQL cluster.</summary>
public sealed class PostgresTestStore : TestStore
{
    private readonly PostgresCluster _cluster;

    private PostgresTestStore(PostgresCluster cluster, string connectionString)
    {
        _cluster = cluster;
        ConnectionString = connectionString;
    }

    public static async Task<PostgresTestStore> CreateAsync(PostgresCluster cluster) => new(cluster, await cluster.CreateDatabaseAsync());

    public string ConnectionString { get; }

    public override string Kind => "postgres";

    public override string CliArgument => "postgres:" + ConnectionString;

    public override ICustodianStore Open() => new PostgresCustodianStore(ConnectionString);

    protected override DbConnection Connect() =>
        new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());

    public override async ValueTask DisposeAsync()
    {
        // A cluster of the suite's own is thrown away whole; on a shared server, clean up after ourselves.
        if (!_cluster.Owned) await _cluster.DropDatabaseAsync(ConnectionString);
    }
}
