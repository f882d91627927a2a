using System.Diagnostics;
using System.Globalization;
using Custodian.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

// Expiry of a large number of records through the real stores (bench/server/run.sh drives it):
//   pg CONNSTR [EXPIRED] [LIVE]       PostgreSQL: DeleteExpiredAsync (drops whole expired partitions) vs a plain,
//                                     non-partitioned copy of the same rows with DELETE ... WHERE expires_at <= now
//                                     (then VACUUM, which is what makes a row DELETE give the space back)
//   sqlite PATH [EXPIRED] [LIVE]      SQLite: DeleteExpiredAsync (row DELETE with secure_delete, then WAL checkpoint)
// EXPIRED events (default 1,000,000) expire spread over the 4 whole days before today, LIVE events (default 100,000)
// over the next 30 days; 1,000 sessions, of which 500 also have live events. Prints key=value lines.
//   calls pg CONNSTR|sqlite PATH [N]  the store calls one single-event post makes, each timed on its own, one at a
//                                     time (no HTTP, no concurrency): what a request costs in the store alone
//   group pg CONNSTR|sqlite PATH [N] [PRELOAD]  the group commit alone: AppendBatchAsync of groups of 1, 4, 11 and 32
//                                     single-event requests (each to another of 1,000 sessions) on a store already
//                                     holding PRELOAD events (200,000); N requests per group size (20,000); wall and
//                                     process CPU µs per request
var mode = args.ElementAtOrDefault(0);
var target = args.ElementAtOrDefault(1);
if (mode == "calls" && args.Length >= 3)
{
    return await StoreCalls.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000);
}

if (mode == "group" && args.Length >= 3)
{
    return await GroupCommit.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20_000,
        args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 200_000);
}

if (mode is not ("pg" or "sqlite") || target is null)
{
    Console.Error.WriteLine("usage: Custodian.Server.Expiry pg CONNSTR|sqlite PATH [EXPIRED] [LIVE] | calls|group pg|sqlite TARGET [N]");
    return 2;
}

var expired = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
var live = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100_000;
var data = new Dataset(DateTimeOffset.UtcNow, expired, live);
return mode == "pg" ? await Postgres.RunAsync(target, data) : await Sqlite.RunAsync(target, data);

/// <summary>The generated rows: deterministic, about 200 bytes of JSON each.</summary>
internal sealed record Dataset(DateTimeOffset Now, int Expired, int Live)
{
    public const long DayMs = 86_400_000;
    public const int Sessions = 1_000;
    public const int ExpiredDays = 4;
    public const int LiveDays = 30;

    public long Today => Now.ToUnixTimeMilliseconds() / DayMs;

    public IEnumerable<(string Session, long Captured, long Expires, string Payload)> Rows()
    {
        var random = new Random(42);
        for (var i = 0; i < Expired + Live; i++)
        {
            var isLive = i >= Expired;
            // Live rows only in the first half of the sessions, so the sweep also removes the other half's sessions.
            var session = "s" + (isLive ? random.Next(Sessions / 2) : random.Next(Sessions)).ToString(CultureInfo.InvariantCulture);
            var day = isLive ? Today + 1 + random.Next(LiveDays) : Today - ExpiredDays + random.Next(ExpiredDays);
            var expires = day * DayMs + random.NextInt64(DayMs);
            var captured = expires - 30 * DayMs;
            yield return (session, captured, expires, Payload(i, random));
        }
    }

    private static string Payload(int i, Random random) =>
        "{\"type\":\"assistant\",\"uuid\":\"" + Guid.NewGuid().ToString() + "\",\"n\":" + i.ToString(CultureInfo.InvariantCulture)
        + ",\"text\":\"" + new string((char)('a' + random.Next(26)), 100) + "\",\"usage\":{\"input_tokens\":"
        + random.Next(100_000).ToString(CultureInfo.InvariantCulture) + "}}";
}

internal static class Report
{
    public static void Line(string key, double seconds, long rows) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}_seconds={seconds:F3} {key}_rows={rows} {key}_rows_per_s={(seconds > 0 ? rows / seconds : 0):F0}"));
}

internal static class Postgres
{
    public static async Task<int> RunAsync(string connectionString, Dataset data)
    {
        await using (var store = new PostgresCustodianStore(connectionString))
        {
            await store.InitializeAsync();
        }

        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var connection = await source.OpenConnectionAsync();
        async Task Sql(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }

        async Task<long> Scalar(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        // The store's own partition layout (events_d<day>, one per expiry day), created as the store creates them.
        for (var day = data.Today - Dataset.ExpiredDays; day <= data.Today + Dataset.LiveDays; day++)
        {
            if (day == data.Today) continue;
            await Sql($"CREATE TABLE IF NOT EXISTS events_d{day} PARTITION OF events FOR VALUES FROM ({day * Dataset.DayMs}) TO ({(day + 1) * Dataset.DayMs})");
        }

        var watch = Stopwatch.StartNew();
        await Sql(string.Concat(Enumerable.Range(0, Dataset.Sessions).Select(i =>
            $"INSERT INTO sessions (id, account_id, repository, created_at) VALUES ('s{i}', 'bench', NULL, 0) ON CONFLICT (id) DO NOTHING;")));
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY events (session_id, account_id, captured_at, expires_at, training, payload_bytes, payload) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (session, captured, expires, payload) in data.Rows())
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(session, NpgsqlDbType.Text);
                await copy.WriteAsync("bench", NpgsqlDbType.Text);
                await copy.WriteAsync(captured, NpgsqlDbType.Bigint);
                await copy.WriteAsync(expires, NpgsqlDbType.Bigint);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
                await copy.WriteAsync((long)System.Text.Encoding.UTF8.GetByteCount(payload), NpgsqlDbType.Bigint);
                await copy.WriteAsync(payload, NpgsqlDbType.Text);
            }

            await copy.CompleteAsync();
        }

        Report.Line("pg_load_copy", watch.Elapsed.TotalSeconds, data.Expired + data.Live);

        // The reference: the same rows and indexes in one plain table.
        await Sql("DROP TABLE IF EXISTS events_plain");
        await Sql("CREATE TABLE events_plain (seq BIGINT, session_id TEXT NOT NULL, account_id TEXT NOT NULL, captured_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, training INTEGER NOT NULL, payload_bytes BIGINT NOT NULL, payload TEXT NOT NULL)");
        await Sql("INSERT INTO events_plain SELECT * FROM events");
        await Sql("CREATE INDEX events_plain_session ON events_plain (session_id, expires_at, captured_at, payload_bytes)");
        await Sql("CREATE INDEX events_plain_expiry ON events_plain (expires_at)");
        await Sql("VACUUM ANALYZE events");
        await Sql("VACUUM ANALYZE events_plain");
        await Sql("CHECKPOINT");
        var partitionedBytes = await Scalar("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events'");
        var plainBytes = await Scalar("SELECT pg_total_relation_size('events_plain')");
        Console.WriteLine($"pg_partitioned_bytes={partitionedBytes} pg_plain_bytes={plainBytes}");

        var now = data.Now;
        var nowMs = now.ToUnixTimeMilliseconds();
        var expiredRows = await Scalar($"SELECT COUNT(*) FROM events_plain WHERE expires_at <= {nowMs}");

        // What counting the rows of the partitions to drop would cost (the sweep counts only partitions never analyzed).
        watch.Restart();
        long counted = 0;
        for (var day = data.Today - Dataset.ExpiredDays; day < data.Today; day++) counted += await Scalar($"SELECT COUNT(*) FROM events_d{day}");
        Report.Line("pg_partition_count", watch.Elapsed.TotalSeconds, counted);

        // (a) The store's sweep: drops the expired days' partitions (rows from the catalog estimate when analyzed), then trims by rows.
        await using (var store = new PostgresCustodianStore(connectionString))
        await using (var probeStore = new PostgresCustodianStore(connectionString))
        {
            var probe = await Probe.StartAsync(probeStore, now);
            watch.Restart();
            var report = await store.DeleteExpiredAsync(now);
            Report.Line("pg_partition_drop", watch.Elapsed.TotalSeconds, report.Events);
            Console.WriteLine($"pg_partitions_dropped={report.PartitionsDropped}");
            Console.WriteLine(await probe.StopAsync("pg"));
        }

        // The sweep's last statement removes sessions without events: a scan of every live event (timed here as a query).
        watch.Restart();
        var orphans = await Scalar("SELECT COUNT(*) FROM sessions WHERE id NOT IN (SELECT DISTINCT session_id FROM events)");
        Report.Line("pg_sessions_scan", watch.Elapsed.TotalSeconds, data.Live);
        var leftPartitioned = await Scalar($"SELECT COUNT(*) FROM events WHERE expires_at <= {nowMs}");
        var livePartitioned = await Scalar("SELECT COUNT(*) FROM events WHERE session_id <> 'probe'");

        // (b) Row DELETE on the plain table, in one statement as the store's row path does; then VACUUM.
        watch.Restart();
        await Sql($"DELETE FROM events_plain WHERE expires_at <= {nowMs}");
        Report.Line("pg_row_delete", watch.Elapsed.TotalSeconds, expiredRows);
        watch.Restart();
        await Sql("VACUUM events_plain");
        Report.Line("pg_row_vacuum", watch.Elapsed.TotalSeconds, expiredRows);
        var plainAfter = await Scalar("SELECT pg_total_relation_size('events_plain')");
        var partitionedAfter = await Scalar("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events'");
        var livePlain = await Scalar("SELECT COUNT(*) FROM events_plain");
        Console.WriteLine($"pg_check expired_left={leftPartitioned} orphan_sessions_left={orphans} live_partitioned={livePartitioned} live_plain={livePlain} " +
            $"partitioned_bytes_after={partitionedAfter} plain_bytes_after_vacuum={plainAfter}");
        return leftPartitioned == 0 && orphans == 0 && livePartitioned == data.Live && livePlain == data.Live ? 0 : 1;
    }
}

internal static class Sqlite
{
    public static async Task<int> RunAsync(string path, Dataset data)
    {
        await using (var store = new SqliteCustodianStore(path))
        {
            await store.InitializeAsync();
        }

        var watch = Stopwatch.StartNew();
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await using (var sessions = connection.CreateCommand())
            {
                sessions.Transaction = transaction;
                sessions.CommandText = "INSERT INTO sessions (id, account_id, repository, created_at) VALUES (@id, 'bench', NULL, 0) ON CONFLICT (id) DO NOTHING";
                var id = sessions.Parameters.Add("@id", SqliteType.Text);
                for (var i = 0; i < Dataset.Sessions; i++)
                {
                    id.Value = "s" + i.ToString(CultureInfo.InvariantCulture);
                    await sessions.ExecuteNonQueryAsync();
                }
            }

            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO events (session_id, account_id, captured_at, expires_at, training, payload_bytes, payload) VALUES (@s, 'bench', @c, @e, 0, @b, @p)";
                var s = insert.Parameters.Add("@s", SqliteType.Text);
                var c = insert.Parameters.Add("@c", SqliteType.Integer);
                var e = insert.Parameters.Add("@e", SqliteType.Integer);
                var b = insert.Parameters.Add("@b", SqliteType.Integer);
                var p = insert.Parameters.Add("@p", SqliteType.Text);
                insert.Prepare();
                foreach (var (session, captured, expires, payload) in data.Rows())
                {
                    s.Value = session;
                    c.Value = captured;
                    e.Value = expires;
                    b.Value = (long)System.Text.Encoding.UTF8.GetByteCount(payload);
                    p.Value = payload;
                    await insert.ExecuteNonQueryAsync();
                }
            }

            await transaction.CommitAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await checkpoint.ExecuteNonQueryAsync();
        }

        Report.Line("sqlite_load", watch.Elapsed.TotalSeconds, data.Expired + data.Live);
        Console.WriteLine($"sqlite_bytes={new FileInfo(path).Length}");

        await using (var store = new SqliteCustodianStore(path))
        {
            var probe = await Probe.StartAsync(store, data.Now);
            watch.Restart();
            var report = await store.DeleteExpiredAsync(data.Now);
            Report.Line("sqlite_row_delete", watch.Elapsed.TotalSeconds, report.Events);
            Console.WriteLine(await probe.StopAsync("sqlite"));
        }

        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var count = connection.CreateCommand();
            count.CommandText = $"SELECT COUNT(*), (SELECT COUNT(*) FROM events WHERE expires_at <= {data.Now.ToUnixTimeMilliseconds()}), (SELECT COUNT(*) FROM sessions) FROM events WHERE session_id <> 'probe'";
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            var left = reader.GetInt64(0);
            var expiredLeft = reader.GetInt64(1);
            Console.WriteLine($"sqlite_check expired_left={expiredLeft} live={left} sessions={reader.GetInt64(2)} bytes_after={new FileInfo(path).Length} wal_bytes_after={(File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0)}");
            return expiredLeft == 0 && left == data.Live ? 0 : 1;
        }
    }
}

internal static class StoreCalls
{
    public static async Task<int> RunAsync(string kind, string target, int n)
    {
        await using ICustodianStore store = kind == "pg" ? new PostgresCustodianStore(target) : new SqliteCustodianStore(target);
        await store.InitializeAsync();
        var now = DateTimeOffset.UtcNow;
        await store.EnsureAccountAsync(new Account("bench", Role.User, null, Custodian.Policy.Plan.Pro, now));
        var hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await store.AddApiKeyAsync("bench", hash, now);
        var policy = new CapturePolicy(now, Custodian.Policy.RetentionPeriod.ThirtyDays, false);
        string[] one = ["{\"type\":\"user\",\"text\":\"hello\"}"];
        var steps = new (string Name, Func<int, Task> Call)[]
        {
            ("ping (open + SELECT 1)", _ => store.PingAsync()),
            ("FindByKeyHashAsync", _ => store.FindByKeyHashAsync(hash)),
            ("GetSessionOwnerAsync", i => store.GetSessionOwnerAsync("s" + (i % 1000).ToString(CultureInfo.InvariantCulture))),
            ("GetConsentAsync", _ => store.GetConsentAsync("bench")),
            ("AppendEventsAsync (1 event)", i => store.AppendEventsAsync("bench", "s" + (i % 1000).ToString(CultureInfo.InvariantCulture), null, one, policy)),
        };
        double total = 0;
        foreach (var (name, call) in steps)
        {
            for (var i = 0; i < Math.Min(n, 200); i++) await call(i); // warm-up
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) await call(i);
            var us = watch.Elapsed.TotalMilliseconds * 1000 / n;
            if (!name.StartsWith("ping", StringComparison.Ordinal)) total += us;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind}\t{name}\t{us:F1} us"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind}\tstore calls of one single-event post\t{total:F1} us"));
        return 0;
    }
}

internal static class GroupCommit
{
    public static async Task<int> RunAsync(string kind, string target, int n, int preload)
    {
        await using ICustodianStore store = kind == "pg" ? new PostgresCustodianStore(target) : new SqliteCustodianStore(target);
        await store.InitializeAsync();
        var now = DateTimeOffset.UtcNow;
        await store.EnsureAccountAsync(new Account("bench", Role.User, null, Custodian.Policy.Plan.Pro, now));
        var policy = new CapturePolicy(now, Custodian.Policy.RetentionPeriod.ThirtyDays, false);
        string[] one = ["{\"type\":\"assistant\",\"uuid\":\"7f1c2a9e-5b3d-4c8e-9a61-000000000001\",\"n\":1,\"message\":{\"role\":\"assistant\",\"text\":\"lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum \"}}"];
        var counter = 0;
        AppendRequest[] Group(int size)
        {
            var group = new AppendRequest[size];
            for (var i = 0; i < size; i++) group[i] = new AppendRequest("bench", "s" + (counter++ % 1000).ToString(CultureInfo.InvariantCulture), null, one);
            return group;
        }

        // The store as a busy server leaves it: PRELOAD events over 1,000 sessions.
        for (var loaded = 0; loaded < preload; loaded += 500) await store.AppendBatchAsync(Group(500), (_, _) => policy);
        var process = Process.GetCurrentProcess();
        foreach (var size in new[] { 1, 4, 11, 32 })
        {
            for (var i = 0; i < 2000 / size; i++) await store.AppendBatchAsync(Group(size), (_, _) => policy); // warm-up
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var groups = Math.Max(1, n / size);
            for (var i = 0; i < groups; i++) await store.AppendBatchAsync(Group(size), (_, _) => policy);
            var wall = watch.Elapsed.TotalMilliseconds * 1000 / (groups * size);
            process.Refresh();
            var used = (process.TotalProcessorTime - cpu).TotalMilliseconds * 1000 / (groups * size);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind}\tgroup of {size}\t{wall:F1} us wall\t{used:F1} us CPU per request"));
        }

        return 0;
    }
}

/// <summary>
/// Ingestion during a sweep: appends one event (as a single-event post does) every 20 ms while the sweep runs, and
/// reports the slowest one: how long a write can be held up by expiry.
/// </summary>
internal sealed class Probe
{
    private readonly CancellationTokenSource _stop = new();
    private Task<(double MaxMs, int Count)>? _loop;

    public static async Task<Probe> StartAsync(ICustodianStore store, DateTimeOffset now)
    {
        var probe = new Probe();
        var policy = new CapturePolicy(now, Custodian.Policy.RetentionPeriod.ThirtyDays, false);
        string[] one = ["{\"type\":\"user\",\"text\":\"probe\"}"];
        await store.AppendEventsAsync("bench", "probe", null, one, policy); // warm: connection, partition
        probe._loop = Task.Run(async () =>
        {
            double max = 0;
            var count = 0;
            while (!probe._stop.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                await store.AppendEventsAsync("bench", "probe", null, one, policy);
                max = Math.Max(max, watch.Elapsed.TotalMilliseconds);
                count++;
                try
                {
                    await Task.Delay(20, probe._stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return (max, count);
        });
        await Task.Delay(100);
        return probe;
    }

    public async Task<string> StopAsync(string prefix)
    {
        await _stop.CancelAsync();
        var (max, count) = await _loop!;
        _stop.Dispose();
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}_append_during_sweep max_ms={max:F1} appends={count}");
    }
}
