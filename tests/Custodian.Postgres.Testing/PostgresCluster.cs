using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Custodian.Postgres.Testing;

/// <summary>
/// A PostgreSQL server for the suite: the one named by <c>$CUSTODIAN_TEST_POSTGRES</c> (an Npgsql connection string
/// with rights to create databases) if set, else a throwaway cluster initialised into a temporary directory and
/// started on 127.0.0.1 on a free port, stopped and deleted on dispose, on process exit, and (if a run was killed)
/// by the next run. Each test gets its own database. If PostgreSQL cannot be started the suite fails, naming why:
/// it is never skipped.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    public const string EnvironmentVariable = "CUSTODIAN_TEST_POSTGRES";
    private const string DirectoryPrefix = "custodian-pg-";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private string? _root;
    private string? _dataDir;
    private string? _binDir;
    private int _stopped;

    /// <summary>A connection string to the maintenance database, with rights to create databases.</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    /// <summary>True when this fixture started (and will stop) its own cluster.</summary>
    public bool Owned => _root is not null;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            await CheckConnectionAsync($"${EnvironmentVariable}");
            return;
        }

        _binDir = FindBinDir();
        RemoveStaleClusters(_binDir);
        _root = Path.Combine(TempRoot, DirectoryPrefix + Guid.NewGuid().ToString("N"));
        _dataDir = Path.Combine(_root, "data");
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        try
        {
            if (IsRoot)
            {
                var (chown, chownOutput) = ProcessRunner.Run("chown", ["-R", "postgres:postgres", _root], CommandTimeout);
                if (chown != 0) throw Fail($"chown of {_root} to the postgres user failed: {chownOutput}");
            }

            var (init, initOutput) = AsPostgres(Path.Combine(_binDir, "initdb"),
                ["-D", _dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
            if (init != 0) throw Fail($"initdb failed (exit {init}): {initOutput}");

            string lastError = string.Empty;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var port = FreePort();
                var log = Path.Combine(_root, "postgres.log");
                var (start, startOutput) = AsPostgres(Path.Combine(_binDir, "pg_ctl"),
                [
                    "-D", _dataDir, "-l", log, "-w", "-t", "60",
                    "-o", $"-p {port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200",
                    "start",
                ]);
                if (start == 0)
                {
                    AdminConnectionString = new NpgsqlConnectionStringBuilder
                    {
                        Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Timeout = 30, CommandTimeout = 120,
                    }.ToString();
                    await CheckConnectionAsync($"the cluster in {_dataDir}");
                    return;
                }

                lastError = $"pg_ctl start failed (exit {start}): {startOutput}\n{(File.Exists(log) ? File.ReadAllText(log) : string.Empty)}";
            }

            throw Fail(lastError);
        }
        catch
        {
            Stop();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/> (only needed on a server the suite does not own).</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (name is null || !name.StartsWith("t_", StringComparison.Ordinal)) return;
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task CheckConnectionAsync(string what)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int", connection);
            var version = (int)(await command.ExecuteScalarAsync())!;
            if (version < 150000) throw Fail($"{what} runs PostgreSQL {version}; the suite needs 15 or later");
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw Fail($"cannot connect to {what}: {e.Message}");
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Stop();

    private void Stop()
    {
        if (_root is null || Interlocked.Exchange(ref _stopped, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        NpgsqlConnection.ClearAllPools();
        if (_binDir is not null && _dataDir is not null && File.Exists(Path.Combine(_dataDir, "postmaster.pid")))
            AsPostgres(Path.Combine(_binDir, "pg_ctl"), ["-D", _dataDir, "-m", "immediate", "-w", "-t", "60", "stop"]);
        DeleteDirectory(_root);
    }

    private static (int ExitCode, string Output) AsPostgres(string program, IEnumerable<string> args) =>
        IsRoot
            ? ProcessRunner.Run("runuser", ["-u", "postgres", "--", program, .. args], CommandTimeout)
            : ProcessRunner.Run(program, args, CommandTimeout);

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Where clusters live: /tmp when running as root (the postgres user must be able to reach it, which a
    /// private $TMPDIR may not allow), else the temp dir.</summary>
    private static string TempRoot => IsRoot && Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();

    /// <summary>The path of a PostgreSQL client program (pg_dump, psql) of the installed version.</summary>
    public static string Tool(string name) => Path.Combine(FindBinDir(), name);

    private static string FindBinDir()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CUSTODIAN_PG_BIN") is { Length: > 0 } configured) candidates.Add(configured);
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => d.Version >= 15)
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw Fail($"no PostgreSQL 15+ found (looked in $CUSTODIAN_PG_BIN and /usr/lib/postgresql/*/bin); install postgresql-15 or set ${EnvironmentVariable}");
    }

    /// <summary>Stops and deletes clusters left behind by test runs that were killed.</summary>
    private static void RemoveStaleClusters(string binDir)
    {
        foreach (var dir in Directory.GetDirectories(TempRoot, DirectoryPrefix + "*"))
        {
            var pidFile = Path.Combine(dir, "owner.pid");
            if (File.Exists(pidFile)
                && int.TryParse(File.ReadAllText(pidFile), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                && ProcessRunner.IsAlive(owner))
            {
                continue;
            }

            var data = Path.Combine(dir, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
                AsPostgres(Path.Combine(binDir, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]);
            DeleteDirectory(dir);
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void DeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static InvalidOperationException Fail(string message) =>
        new("PostgreSQL for the server tests could not be provided: " + message);
}
