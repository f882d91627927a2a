using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Custodian.Policy;

namespace Custodian.Storage;

/// <summary>
/// The SQL shared by both stores. Times are stored as milliseconds since the Unix epoch, flags as integers,
/// and parameters are named <c>@name</c>, which both SQLite and PostgreSQL accept.
/// </summary>
public abstract class SqlCustodianStore : ICustodianStore
{
    /// <inheritdoc />
    public abstract string Description { get; }

    /// <summary>The type of an auto-incrementing primary key column.</summary>
    protected abstract string AutoIncrementKey { get; }

    /// <summary>The type of a binary column.</summary>
    protected abstract string BlobType { get; }

    /// <summary>Opens a connection ready for use.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The <c>CREATE TABLE</c> for events (PostgreSQL partitions it).</summary>
    protected virtual string EventsTableDdl => $"""
        CREATE TABLE IF NOT EXISTS events (
          seq {AutoIncrementKey}, session_id TEXT NOT NULL, account_id TEXT NOT NULL,
          captured_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, training INTEGER NOT NULL, payload_bytes BIGINT NOT NULL, payload TEXT NOT NULL)
        """;

    /// <summary>The <c>CREATE TABLE</c> for telemetry (PostgreSQL partitions it by expiry day, like events).</summary>
    protected virtual string TelemetryTableDdl => $"""
        CREATE TABLE IF NOT EXISTS telemetry (
          seq {AutoIncrementKey}, account_id TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
          at BIGINT NOT NULL, captured_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, payload TEXT NOT NULL, records INTEGER NOT NULL DEFAULT 1)
        """;

    /// <summary>The SQL of a payload's size in UTF-8 bytes, for the one-time migration of rows stored before sizes were kept.</summary>
    protected abstract string PayloadBytesSql { get; }

    /// <summary>True when <paramref name="table"/> has <paramref name="column"/> (read inside <paramref name="transaction"/>).</summary>
    protected abstract Task<bool> HasColumnAsync(DbConnection connection, DbTransaction? transaction, string table, string column, CancellationToken cancellationToken);

    /// <summary>Serializes schema migrations across processes, inside <paramref name="transaction"/> (PostgreSQL: an advisory lock).</summary>
    protected virtual Task LockMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Called inside the insert transaction before events expiring at <paramref name="expiresAt"/> are written.</summary>
    protected virtual Task PrepareEventInsertAsync(DbConnection connection, DbTransaction transaction, long expiresAt, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Serializes audit appends across processes, inside <paramref name="transaction"/>.</summary>
    protected virtual Task LockAuditAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Runs after rows were deleted, to make the deletion physical (SQLite: checkpoint the WAL).</summary>
    protected virtual Task AfterDeletionAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Appended to the group commit's read of session owners: PostgreSQL locks the rows (<c>FOR KEY SHARE</c>) so that
    /// an erasure or the sweep's removal of event-less sessions, on any instance, cannot delete a session between this
    /// read and the commit of the events written to it. SQLite needs none: its writers are serialized whole.
    /// </summary>
    protected virtual string SessionOwnerReadLock => string.Empty;

    /// <summary>Appended to an erasure's read of the session's owner: PostgreSQL waits for group commits writing to it.</summary>
    protected virtual string SessionEraseLock => string.Empty;

    /// <summary>
    /// Serializes this instance's bulk writers (group commits, sweep chunks) in process, first come first served;
    /// null where the database itself queues writers well (PostgreSQL). Dispose the result to let the next one in.
    /// </summary>
    protected virtual ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IDisposable?>(null);

    /// <summary>
    /// Appends <c>column IN (...)</c> for <paramref name="values"/> to <paramref name="sql"/>, adding its parameters
    /// (named <paramref name="prefix"/>0, 1, ...) to <paramref name="parameters"/>. PostgreSQL binds one array instead.
    /// </summary>
    protected virtual void AppendInList(System.Text.StringBuilder sql, List<(string Name, object? Value)> parameters, string column, IReadOnlyList<string> values, string prefix)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(values);
        sql.Append(column).Append(" IN (");
        for (var i = 0; i < values.Count; i++)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "@" : ", @").Append(name);
            parameters.Add((name, values[i]));
        }

        sql.Append(')');
    }

    /// <summary>Inserts event rows inside <paramref name="transaction"/>; the default reuses one prepared single-row INSERT.</summary>
    protected virtual async Task InsertEventRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var insert = Command(connection, transaction,
            "INSERT INTO events (session_id, account_id, captured_at, expires_at, training, payload_bytes, payload) VALUES (@session, @account, @captured, @expires, @training, @bytes, @payload)",
            ("session", string.Empty), ("account", string.Empty), ("captured", 0L), ("expires", 0L), ("training", 0L), ("bytes", 0L), ("payload", string.Empty));
        await insert.PrepareAsync(cancellationToken);
        var p = insert.Parameters;
        foreach (var row in rows)
        {
            p[0].Value = row.SessionId;
            p[1].Value = row.AccountId;
            p[2].Value = row.CapturedAt;
            p[3].Value = row.ExpiresAt;
            p[4].Value = row.Training;
            p[5].Value = row.PayloadBytes;
            p[6].Value = row.Payload;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// One events row to insert; times in Unix milliseconds, <paramref name="Training"/> 0 or 1, and
    /// <paramref name="PayloadBytes"/> the payload's UTF-8 size, kept so that listing never reads payloads.
    /// </summary>
    protected readonly record struct EventRow(string SessionId, string AccountId, long CapturedAt, long ExpiresAt, long Training, long PayloadBytes, string Payload);

    private long _accessVersion;

    /// <inheritdoc />
    public long AccessVersion => Interlocked.Read(ref _accessVersion);

    /// <summary>Marks a committed change of keys, roles or organizations (after the commit, so a re-read sees it).</summary>
    protected void AccessChanged() => Interlocked.Increment(ref _accessVersion);

    /// <inheritdoc />
    public virtual async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var ddl in new[]
        {
            "CREATE TABLE IF NOT EXISTS orgs (id TEXT PRIMARY KEY, plan TEXT NOT NULL, dpp INTEGER NOT NULL, feedback_disabled INTEGER NOT NULL, zdr INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, role TEXT NOT NULL, org_id TEXT, plan TEXT NOT NULL, created_at BIGINT NOT NULL)",
            $"CREATE TABLE IF NOT EXISTS api_keys (hash {BlobType} PRIMARY KEY, account_id TEXT NOT NULL, created_at BIGINT NOT NULL)",
            $"CREATE TABLE IF NOT EXISTS consents (seq {AutoIncrementKey}, account_id TEXT NOT NULL, allow INTEGER NOT NULL, at BIGINT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS consents_account ON consents (account_id, seq)",
            "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, repository TEXT, created_at BIGINT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account_id)",
            EventsTableDdl,
            "CREATE INDEX IF NOT EXISTS events_expiry ON events (expires_at)",
            "CREATE TABLE IF NOT EXISTS ratings (account_id TEXT NOT NULL, session_id TEXT NOT NULL, appearance_id TEXT NOT NULL, rating INTEGER NOT NULL, recorded_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, source TEXT NOT NULL DEFAULT 'api', enabled_via_override INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX IF NOT EXISTS ratings_session ON ratings (session_id)",
            "CREATE INDEX IF NOT EXISTS ratings_account ON ratings (account_id, recorded_at)",
            $"CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, kind TEXT NOT NULL, bytes BIGINT NOT NULL, captured_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, training INTEGER NOT NULL, bundle {BlobType} NOT NULL)",
            "CREATE TABLE IF NOT EXISTS feedback_sessions (feedback_id TEXT NOT NULL, session_id TEXT NOT NULL, position INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS feedback_sessions_session ON feedback_sessions (session_id)",
            "CREATE TABLE IF NOT EXISTS audit (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            TelemetryTableDdl,
            "CREATE INDEX IF NOT EXISTS telemetry_session ON telemetry (session_id, account_id, expires_at)",
            "CREATE INDEX IF NOT EXISTS telemetry_expiry ON telemetry (expires_at)",
            // Usage reports read an account's metrics of a few names over a time range (CUS-81).
            "CREATE INDEX IF NOT EXISTS telemetry_usage ON telemetry (account_id, name, at)",
            // The idempotency keys of stored telemetry (CUS-76), beside it: a unique index on a partitioned table must
            // hold the partition key, and a retry is captured later, so it would land in another partition unnoticed.
            // SQLite keeps new keys in the telemetry rows instead (SqliteCustodianStore); its table holds older ones.
            $"CREATE TABLE IF NOT EXISTS telemetry_keys (record_key {BlobType} PRIMARY KEY, account_id TEXT NOT NULL, session_id TEXT NOT NULL, expires_at BIGINT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS telemetry_keys_session ON telemetry_keys (session_id, account_id)",
            "CREATE INDEX IF NOT EXISTS telemetry_keys_expiry ON telemetry_keys (expires_at)",
        })
        {
            await ExecuteAsync(connection, null, ddl, cancellationToken);
        }

        await AddPayloadSizesAsync(connection, cancellationToken);
        await AddRatingSourcesAsync(connection, cancellationToken);
        await AddTelemetryRecordCountsAsync(connection, cancellationToken);
        // Covers listing (session, expiry, time, size): a user's session list is read from the index alone, never from
        // the rows holding the payloads. Its prefix serves every lookup the narrower index it replaces served.
        await ExecuteAsync(connection, null,
            "CREATE INDEX IF NOT EXISTS events_session_sizes ON events (session_id, expires_at, captured_at, payload_bytes)", cancellationToken);
        await ExecuteAsync(connection, null, "DROP INDEX IF EXISTS events_session", cancellationToken);
    }

    /// <summary>
    /// Migrates a database from before telemetry blocks (CUS-88): adds <c>telemetry.records</c>, 1 for every row stored
    /// until then (each held one record).
    /// </summary>
    private Task AddTelemetryRecordCountsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        AddColumnOnceAsync(connection, "telemetry", "records", "INTEGER NOT NULL DEFAULT 1", null, cancellationToken);

    /// <summary>
    /// Migrates a database from before payload sizes were kept: adds <c>events.payload_bytes</c> and computes it once
    /// for every existing row, in one transaction, so no row is ever left with a size of 0 it does not have.
    /// </summary>
    private Task AddPayloadSizesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        AddColumnOnceAsync(connection, "events", "payload_bytes", "BIGINT NOT NULL DEFAULT 0", $"UPDATE events SET payload_bytes = {PayloadBytesSql}", cancellationToken);

    /// <summary>
    /// Adds <paramref name="column"/> to <paramref name="table"/> unless it is there, and runs <paramref name="backfill"/>
    /// in the same transaction, under the migration lock.
    /// </summary>
    private async Task AddColumnOnceAsync(
        DbConnection connection, string table, string column, string definition, string? backfill, CancellationToken cancellationToken)
    {
        if (await HasColumnAsync(connection, null, table, column, cancellationToken)) return;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockMigrationAsync(connection, transaction, cancellationToken);
        // Another instance may have migrated while this one waited for the lock.
        if (!await HasColumnAsync(connection, transaction, table, column, cancellationToken))
        {
            await ExecuteAsync(connection, transaction, $"ALTER TABLE {table} ADD COLUMN {column} {definition}", cancellationToken);
            if (backfill is not null) await ExecuteAsync(connection, transaction, backfill, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Migrates a database from before ratings came from telemetry too (OTL-4): every rating stored until then was
    /// posted to the ratings API, without the override.
    /// </summary>
    private async Task AddRatingSourcesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (await HasColumnAsync(connection, null, "ratings", "source", cancellationToken)) return;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockMigrationAsync(connection, transaction, cancellationToken);
        if (!await HasColumnAsync(connection, transaction, "ratings", "source", cancellationToken))
        {
            await ExecuteAsync(connection, transaction, "ALTER TABLE ratings ADD COLUMN source TEXT NOT NULL DEFAULT 'api'", cancellationToken);
            await ExecuteAsync(connection, transaction, "ALTER TABLE ratings ADD COLUMN enabled_via_override INTEGER NOT NULL DEFAULT 0", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, "SELECT 1");
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (DbException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<Organization> EnsureOrganizationAsync(Organization organization, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(organization);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO orgs (id, plan, dpp, feedback_disabled, zdr) VALUES (@id, @plan, @dpp, @fd, @zdr) ON CONFLICT (id) DO NOTHING",
            cancellationToken,
            ("id", organization.Id), ("plan", organization.Plan.ToWireName()), ("dpp", Flag(organization.DevelopmentPartnerProgram)),
            ("fd", Flag(organization.ProductFeedbackDisabled)), ("zdr", Flag(organization.ZeroDataRetention)));
        return (await GetOrganizationAsync(organization.Id, cancellationToken))!;
    }

    /// <inheritdoc />
    public async Task<Organization?> GetOrganizationAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT id, plan, dpp, feedback_disabled, zdr FROM orgs WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        PlanNames.TryParsePlan(reader.GetString(1), out var plan);
        return new Organization(reader.GetString(0), plan, reader.GetInt64(2) != 0, reader.GetInt64(3) != 0, reader.GetInt64(4) != 0);
    }

    /// <inheritdoc />
    public async Task UpdateOrganizationAsync(Organization organization, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(organization);
        await using var connection = await OpenAsync(cancellationToken);
        await UpdateOrganizationRowAsync(connection, null, organization, cancellationToken);
        AccessChanged();
    }

    /// <inheritdoc />
    public async Task<AuditEntry> UpdateOrganizationAsync(Organization organization, AuditNote audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await UpdateOrganizationRowAsync(connection, transaction, organization, cancellationToken);
        var entry = await AppendAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        AccessChanged();
        return entry;
    }

    private static Task<int> UpdateOrganizationRowAsync(DbConnection connection, DbTransaction? transaction, Organization organization, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            "UPDATE orgs SET plan = @plan, dpp = @dpp, feedback_disabled = @fd, zdr = @zdr WHERE id = @id",
            cancellationToken,
            ("id", organization.Id), ("plan", organization.Plan.ToWireName()), ("dpp", Flag(organization.DevelopmentPartnerProgram)),
            ("fd", Flag(organization.ProductFeedbackDisabled)), ("zdr", Flag(organization.ZeroDataRetention)));

    /// <inheritdoc />
    public async Task<Account> EnsureAccountAsync(Account account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO accounts (id, role, org_id, plan, created_at) VALUES (@id, @role, @org, @plan, @at) ON CONFLICT (id) DO NOTHING",
            cancellationToken,
            ("id", account.Id), ("role", RoleName(account.Role)), ("org", account.OrgId), ("plan", account.Plan.ToWireName()),
            ("at", account.CreatedAt.ToUnixTimeMilliseconds()));
        return (await GetAccountAsync(account.Id, cancellationToken))!;
    }

    /// <inheritdoc />
    public async Task<Account?> GetAccountAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT id, role, org_id, plan, created_at FROM accounts WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAccount(reader, 0) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Account>> ListAccountsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT id, role, org_id, plan, created_at FROM accounts ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var accounts = new List<Account>();
        while (await reader.ReadAsync(cancellationToken)) accounts.Add(ReadAccount(reader, 0));
        return accounts;
    }

    /// <inheritdoc />
    public async Task AddApiKeyAsync(string accountId, byte[] keyHash, DateTimeOffset createdAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "INSERT INTO api_keys (hash, account_id, created_at) VALUES (@hash, @account, @at)", cancellationToken,
            ("hash", keyHash), ("account", accountId), ("at", createdAt.ToUnixTimeMilliseconds()));
    }

    /// <inheritdoc />
    public async Task<bool> RevokeApiKeyAsync(byte[] keyHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var removed = await ExecuteAsync(connection, null, "DELETE FROM api_keys WHERE hash = @hash", cancellationToken, ("hash", keyHash));
        AccessChanged();
        return removed > 0;
    }

    /// <inheritdoc />
    public async Task<bool> SetRoleAsync(string accountId, Role role, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var changed = await ExecuteAsync(connection, null, "UPDATE accounts SET role = @role WHERE id = @id", cancellationToken,
            ("role", RoleName(role)), ("id", accountId));
        AccessChanged();
        return changed > 0;
    }

    /// <inheritdoc />
    public async Task<(Account Account, byte[] StoredHash)?> FindByKeyHashAsync(byte[] keyHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT k.hash, a.id, a.role, a.org_id, a.plan, a.created_at FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = @hash",
            ("hash", keyHash));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (ReadAccount(reader, 1), (byte[])reader.GetValue(0));
    }

    /// <inheritdoc />
    public async Task<Consent> GetConsentAsync(string accountId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // One statement: the latest consent record, else "off since the account was created".
        await using var command = Command(connection, null, """
            SELECT allow, at FROM (
              SELECT 0 AS k, allow, at FROM (SELECT allow, at FROM consents WHERE account_id = @account ORDER BY seq DESC LIMIT 1) latest
              UNION ALL SELECT 1, 0, created_at FROM accounts WHERE id = @account) found
            ORDER BY k LIMIT 1
            """, ("account", accountId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Consent(reader.GetInt64(0) != 0, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)))
            : new Consent(false, DateTimeOffset.UnixEpoch);
    }

    /// <inheritdoc />
    public async Task SetConsentAsync(string accountId, bool allow, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await InsertConsentAsync(connection, null, accountId, allow, at, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<AuditEntry> SetConsentAsync(string accountId, bool allow, AuditNote audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertConsentAsync(connection, transaction, accountId, allow, audit.At, cancellationToken);
        var entry = await AppendAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return entry;
    }

    private static Task<int> InsertConsentAsync(
        DbConnection connection, DbTransaction? transaction, string accountId, bool allow, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "INSERT INTO consents (account_id, allow, at) VALUES (@account, @allow, @at)", cancellationToken,
            ("account", accountId), ("allow", Flag(allow)), ("at", at.ToUnixTimeMilliseconds()));

    /// <inheritdoc />
    public async Task<(string AccountId, string? Repository)?> GetSessionOwnerAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT account_id, repository FROM sessions WHERE id = @id", ("id", sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <inheritdoc />
    public async Task<int> AppendEventsAsync(
        string accountId, string sessionId, string? repository, IReadOnlyList<string> events, CapturePolicy policy,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(policy);
        var outcome = (await AppendBatchAsync([new AppendRequest(accountId, sessionId, repository, events)], (_, _) => policy, cancellationToken))[0];
        if (outcome.Status == AppendStatus.Conflict) throw new SessionConflictException(sessionId, outcome.OwnerAccountId!, outcome.BoundRepository);
        return outcome.Stored;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(
        IReadOnlyList<AppendRequest> requests, Func<string, CaptureSubject?, CapturePolicy?> policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(policy);
        if (requests.Count == 0) return [];
        var accountIds = requests.Select(r => r.AccountId).Distinct(StringComparer.Ordinal).ToList();
        var sessionIds = requests.Select(r => r.SessionId).Distinct(StringComparer.Ordinal).ToList();

        using var gate = await EnterWriteAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Everything the decision needs is read inside the transaction, in one command: a consent change or a new
        // session owner committed before this point is seen (TRN-3, ACC-2); SQLite's write lock is already held.
        var subjects = new Dictionary<string, CaptureSubject>(StringComparer.Ordinal);
        var owners = new Dictionary<string, (string AccountId, string? Repository)>(StringComparer.Ordinal);
        {
            var sql = new System.Text.StringBuilder("""
                SELECT a.id, a.role, a.org_id, a.plan, a.created_at, o.id, o.plan, o.dpp, o.feedback_disabled, o.zdr,
                  (SELECT c.allow FROM consents c WHERE c.account_id = a.id ORDER BY c.seq DESC LIMIT 1),
                  (SELECT c.at FROM consents c WHERE c.account_id = a.id ORDER BY c.seq DESC LIMIT 1)
                FROM accounts a LEFT JOIN orgs o ON o.id = a.org_id WHERE 
                """);
            var parameters = new List<(string Name, object? Value)>();
            AppendInList(sql, parameters, "a.id", accountIds, "a");
            sql.Append(";\nSELECT id, account_id, repository FROM sessions WHERE ");
            AppendInList(sql, parameters, "id", sessionIds, "s");
            sql.Append(SessionOwnerReadLock);
            await using var read = Command(connection, transaction, sql.ToString(), [.. parameters]);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var account = ReadAccount(reader, 0);
                Organization? org = null;
                if (!reader.IsDBNull(5))
                {
                    PlanNames.TryParsePlan(reader.GetString(6), out var orgPlan);
                    org = new Organization(reader.GetString(5), orgPlan, reader.GetInt64(7) != 0, reader.GetInt64(8) != 0, reader.GetInt64(9) != 0);
                }

                var consent = reader.IsDBNull(10)
                    ? new Consent(false, account.CreatedAt)
                    : new Consent(reader.GetInt64(10) != 0, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)));
                subjects[account.Id] = new CaptureSubject(account, org, consent);
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) owners[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        var policies = new Dictionary<string, CapturePolicy?>(StringComparer.Ordinal);
        foreach (var id in accountIds) policies[id] = policy(id, subjects.GetValueOrDefault(id));

        // Sessions are checked and claimed in request order, as if the requests had been committed one by one.
        var outcomes = new AppendOutcome[requests.Count];
        var claims = new List<(string Id, string AccountId, string? Repository, long At)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            subjects.TryGetValue(r.AccountId, out var subject);
            outcomes[i] = Decide(r, subject, policies[r.AccountId], owners, claims);
        }

        if (claims.Count > 0)
        {
            // Another server instance may have created some of these sessions since they were read: whatever this
            // transaction did not insert belongs to whoever did, and the requests for it are checked again.
            var lost = await InsertSessionsAsync(connection, transaction, claims, cancellationToken);
            if (lost.Count > 0)
            {
                foreach (var (id, owner) in await ReadOwnersAsync(connection, transaction, lost, cancellationToken)) owners[id] = owner;
                for (var i = 0; i < requests.Count; i++)
                {
                    if (outcomes[i].Status != AppendStatus.Stored || !lost.Contains(requests[i].SessionId)) continue;
                    // Not there at all: created and deleted meanwhile; refuse rather than write events without a session.
                    var owner = owners.TryGetValue(requests[i].SessionId, out var o) ? o : (string.Empty, null);
                    if (IsConflict(requests[i], owner))
                        outcomes[i] = new AppendOutcome(AppendStatus.Conflict, 0, null, outcomes[i].Subject, owner.AccountId, owner.Repository);
                }
            }
        }

        var rows = new List<EventRow>();
        var expiries = new HashSet<long>();
        for (var i = 0; i < requests.Count; i++)
        {
            if (outcomes[i].Status != AppendStatus.Stored) continue;
            var p = outcomes[i].Policy!;
            var captured = p.CapturedAt.ToUnixTimeMilliseconds();
            var expires = p.ExpiresAt.ToUnixTimeMilliseconds();
            if (expiries.Add(expires)) await PrepareEventInsertAsync(connection, transaction, expires, cancellationToken);
            foreach (var json in requests[i].Events)
                rows.Add(new EventRow(requests[i].SessionId, requests[i].AccountId, captured, expires, Flag(p.TrainingEligible), Encoding.UTF8.GetByteCount(json), json));
        }

        if (rows.Count > 0) await InsertEventRowsAsync(connection, transaction, rows, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        AfterWriteCommitted();
        return outcomes;
    }

    /// <summary>Called after a write of events, ratings or feedback committed (SQLite: schedules a background checkpoint).</summary>
    protected virtual void AfterWriteCommitted()
    {
    }

    private static bool IsConflict(AppendRequest request, (string AccountId, string? Repository) owner) =>
        owner.AccountId != request.AccountId || (request.Repository is not null && owner.Repository is not null && owner.Repository != request.Repository);

    private static AppendOutcome Decide(
        AppendRequest request, CaptureSubject? subject, CapturePolicy? policy, Dictionary<string, (string AccountId, string? Repository)> owners,
        List<(string Id, string AccountId, string? Repository, long At)> claims)
    {
        // The same order of checks as one request at a time: ownership and repository first (ACC-1, ACC-2), then the
        // policy; under zero data retention nothing is written, not even the session (RET-3).
        if (owners.TryGetValue(request.SessionId, out var owner) && IsConflict(request, owner))
            return new AppendOutcome(AppendStatus.Conflict, 0, null, subject, owner.AccountId, owner.Repository);
        if (policy is null) return new AppendOutcome(AppendStatus.NotStored, 0, null, subject);
        if (!owners.ContainsKey(request.SessionId))
        {
            owners[request.SessionId] = (request.AccountId, request.Repository);
            claims.Add((request.SessionId, request.AccountId, request.Repository, policy.CapturedAt.ToUnixTimeMilliseconds()));
        }

        return new AppendOutcome(AppendStatus.Stored, request.Events.Count, policy, subject);
    }

    /// <summary>Inserts new sessions (in id order, so concurrent transactions lock them in the same order); returns the ids another transaction created first.</summary>
    private async Task<HashSet<string>> InsertSessionsAsync(
        DbConnection connection, DbTransaction transaction, List<(string Id, string AccountId, string? Repository, long At)> claims, CancellationToken cancellationToken)
    {
        claims.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        var lost = new HashSet<string>(claims.Select(c => c.Id), StringComparer.Ordinal);
        const int PerStatement = 200;
        for (var start = 0; start < claims.Count; start += PerStatement)
        {
            var sql = new System.Text.StringBuilder("INSERT INTO sessions (id, account_id, repository, created_at) VALUES ");
            var parameters = new List<(string Name, object? Value)>();
            for (var i = start; i < Math.Min(claims.Count, start + PerStatement); i++)
            {
                var n = i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == start ? "" : ", ").Append("(@i").Append(n).Append(", @a").Append(n).Append(", @r").Append(n).Append(", @t").Append(n).Append(')');
                parameters.Add(("i" + n, claims[i].Id));
                parameters.Add(("a" + n, claims[i].AccountId));
                parameters.Add(("r" + n, claims[i].Repository));
                parameters.Add(("t" + n, claims[i].At));
            }

            sql.Append(" ON CONFLICT (id) DO NOTHING RETURNING id");
            await using var insert = Command(connection, transaction, sql.ToString(), [.. parameters]);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) lost.Remove(reader.GetString(0));
        }

        return lost;
    }

    private async Task<Dictionary<string, (string AccountId, string? Repository)>> ReadOwnersAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyCollection<string> sessionIds, CancellationToken cancellationToken)
    {
        var sql = new System.Text.StringBuilder("SELECT id, account_id, repository FROM sessions WHERE ");
        var parameters = new List<(string Name, object? Value)>();
        AppendInList(sql, parameters, "id", [.. sessionIds], "s");
        await using var read = Command(connection, transaction, sql.ToString(), [.. parameters]);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        var owners = new Dictionary<string, (string AccountId, string? Repository)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken)) owners[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return owners;
    }

    /// <summary>
    /// One telemetry row to insert; times in Unix milliseconds, <paramref name="Kind"/> <c>event</c> or <c>metric</c>,
    /// <paramref name="Key"/> the row's idempotency key, <paramref name="Payload"/> its JSON as UTF-8: one record's object,
    /// or for a block of <paramref name="Records"/> events the array of their objects (CUS-88).
    /// </summary>
    protected readonly record struct TelemetryRow(
        string AccountId, string SessionId, string Kind, string Name, long At, long CapturedAt, long ExpiresAt, byte[] Key, ReadOnlyMemory<byte> Payload,
        int Records = 1);

    /// <summary>Called inside the insert transaction before telemetry expiring at <paramref name="expiresAt"/> is written.</summary>
    protected virtual Task PrepareTelemetryInsertAsync(DbConnection connection, DbTransaction transaction, long expiresAt, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>
    /// Holds the (account, session) pairs a telemetry write or an erasure touches until its transaction ends, shared for
    /// writers and exclusive for an erasure, so an erasure waits for telemetry already being written to its session and
    /// erases it too (DEL-2). SQLite needs none: its write transactions are serialized whole.
    /// </summary>
    protected virtual Task LockTelemetrySessionsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyCollection<(string AccountId, string SessionId)> sessions, bool exclusive,
        CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Inserts the rows whose keys are not stored yet, inside <paramref name="transaction"/>; returns, per row, whether
    /// it was inserted (false: its key was there already, from an earlier delivery or an earlier row of this batch).
    /// </summary>
    protected abstract Task<bool[]> InsertTelemetryRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TelemetryRow> rows, CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TelemetryAppendOutcome>> AppendTelemetryBatchAsync(IReadOnlyList<TelemetryAppend> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0) return [];
        var total = 0;
        foreach (var request in requests) total += request.Records.Count;
        // A group commit holds thousands of rows: their array is pooled rather than a new one in the large object heap
        // each commit (it is cleared when returned, as it holds the records' strings). Blocks' payloads are pooled too.
        var pooled = System.Buffers.ArrayPool<TelemetryRow>.Shared.Rent(total);
        var rented = new List<byte[]>();
        try
        {
            return await AppendTelemetryRowsAsync(requests, pooled, rented, cancellationToken);
        }
        finally
        {
            System.Buffers.ArrayPool<TelemetryRow>.Shared.Return(pooled, clearArray: true);
            foreach (var buffer in rented) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<IReadOnlyList<TelemetryAppendOutcome>> AppendTelemetryRowsAsync(
        IReadOnlyList<TelemetryAppend> requests, TelemetryRow[] pooled, List<byte[]> rented, CancellationToken cancellationToken)
    {
        var count = 0;
        var owners = new List<int>();
        var sessions = new HashSet<(string, string)>();
        var expiries = new HashSet<long>();
        var outcomes = new (int Stored, int Duplicates)[requests.Count];
        List<(int Row, TelemetryRecord Record)>? surveys = null;
        using var keys = new Internal.TelemetryKeys();
        var seen = new HashSet<TelemetryRecord>(SameRecord.Instance);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        var events = new List<List<TelemetryRecord>>();
        for (var r = 0; r < requests.Count; r++)
        {
            var request = requests[r];
            var captured = request.Policy.CapturedAt.ToUnixTimeMilliseconds();
            var expires = request.Policy.ExpiresAt.ToUnixTimeMilliseconds();
            expiries.Add(expires);
            seen.Clear();
            groups.Clear();
            events.Clear();
            void Add(in TelemetryRow row, TelemetryRecord? survey)
            {
                pooled[count++] = row;
                if (survey is not null) (surveys ??= []).Add((count - 1, survey));
                owners.Add(r);
                sessions.Add((row.AccountId, row.SessionId));
            }

            foreach (var record in request.Records)
            {
                // The same record twice in one request is stored once (CUS-76).
                if (!seen.Add(record))
                {
                    outcomes[r].Duplicates++;
                    continue;
                }

                if (record.Kind == TelemetryKind.Metric)
                {
                    var at = record.At.ToUnixTimeMilliseconds();
                    Add(new TelemetryRow(request.AccountId, record.SessionId, "metric", record.Name, at, captured, expires,
                        keys.Of(request.AccountId, record.SessionId, "metric", at, record.Payload.Span), record.Payload), record.Survey is null ? null : record);
                    continue;
                }

                if (!groups.TryGetValue(record.SessionId, out var group))
                {
                    group = events.Count;
                    groups[record.SessionId] = group;
                    events.Add([]);
                }

                events[group].Add(record);
            }

            // Each session's events, in the order sent, as blocks (CUS-88); a block of one is that record's own row.
            foreach (var sessionEvents in events)
            {
                var payloads = sessionEvents.ConvertAll(e => e.Payload);
                for (var start = 0; start < sessionEvents.Count;)
                {
                    var taken = Internal.TelemetryBlocks.Take(payloads, start);
                    var first = sessionEvents[start];
                    var at = first.At.ToUnixTimeMilliseconds();
                    if (taken == 1)
                    {
                        Add(new TelemetryRow(request.AccountId, first.SessionId, "event", first.Name, at, captured, expires,
                            keys.Of(request.AccountId, first.SessionId, "event", at, first.Payload.Span), first.Payload), first.Survey is null ? null : first);
                    }
                    else
                    {
                        var payload = Internal.TelemetryBlocks.Payload(payloads, start, taken, out var buffer);
                        rented.Add(buffer);
                        var key = keys.Of(request.AccountId, first.SessionId, "event", at, payload.Span);
                        Add(new TelemetryRow(request.AccountId, first.SessionId, "event", first.Name, at, captured, expires, key, payload, taken), null);
                        for (var i = start; i < start + taken; i++)
                        {
                            if (sessionEvents[i].Survey is not null) (surveys ??= []).Add((count - 1, sessionEvents[i]));
                        }
                    }

                    start += taken;
                }
            }
        }

        var rows = new ArraySegment<TelemetryRow>(pooled, 0, count);
        if (rows.Count > 0)
        {
            using var gate = await EnterWriteAsync(cancellationToken);
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockTelemetrySessionsAsync(connection, transaction, sessions, exclusive: false, cancellationToken);
            foreach (var expires in expiries) await PrepareTelemetryInsertAsync(connection, transaction, expires, cancellationToken);
            var inserted = await InsertTelemetryRowsAsync(connection, transaction, rows, cancellationToken);
            if (surveys is not null) await InsertSurveyRatingsAsync(connection, transaction, requests, owners, surveys, inserted, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            AfterWriteCommitted();
            for (var i = 0; i < rows.Count; i++)
            {
                if (inserted[i]) outcomes[owners[i]].Stored += rows[i].Records;
                else outcomes[owners[i]].Duplicates += rows[i].Records;
            }
        }

        return [.. outcomes.Select(o => new TelemetryAppendOutcome(o.Stored, o.Duplicates))];
    }

    /// <summary>Records that would have the same key (CUS-76): the same session, kind and payload.</summary>
    private sealed class SameRecord : IEqualityComparer<TelemetryRecord>
    {
        public static readonly SameRecord Instance = new();

        public bool Equals(TelemetryRecord? x, TelemetryRecord? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Kind == y.Kind && x.SessionId == y.SessionId && x.Payload.Span.SequenceEqual(y.Payload.Span));

        // The payload's start holds its name and time, which tell most records apart; equality reads the rest.
        public int GetHashCode(TelemetryRecord obj)
        {
            var hash = new HashCode();
            hash.Add(obj.Payload.Length);
            hash.AddBytes(obj.Payload.Span[..Math.Min(obj.Payload.Length, 128)]);
            return hash.ToHashCode();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredTelemetry>> GetSessionTelemetryAsync(
        string sessionId, TelemetryAudience audience, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audience);
        await using var connection = await OpenAsync(cancellationToken);
        var sql = new System.Text.StringBuilder(
            "SELECT seq, account_id, kind, name, at, captured_at, expires_at, payload, records FROM telemetry WHERE session_id = @session AND expires_at > @now");
        var parameters = new List<(string Name, object? Value)> { ("session", sessionId), ("now", now.ToUnixTimeMilliseconds()) };
        AppendAudience(sql, parameters, audience);
        sql.Append(" ORDER BY at, seq");
        await using var command = Command(connection, null, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<StoredTelemetry>();
        var blocks = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            var seq = reader.GetInt64(0);
            var accountId = reader.GetString(1);
            var kind = reader.GetString(2) == "metric" ? TelemetryKind.Metric : TelemetryKind.Event;
            var captured = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5));
            var expires = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6));
            if (reader.GetInt32(8) == 1)
            {
                records.Add(new StoredTelemetry(seq, accountId, sessionId, kind, reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    captured, expires, reader.GetString(7)));
                continue;
            }

            // A block (CUS-88): its records, each with its own name and time.
            blocks = true;
            foreach (var (name, at, payload) in Internal.TelemetryBlocks.Expand(reader.GetString(7)))
                records.Add(new StoredTelemetry(seq, accountId, sessionId, kind, name, DateTimeOffset.FromUnixTimeMilliseconds(at), captured, expires, payload));
        }

        // A block is ordered by its first record's time; its other records are put in their place (a stable sort keeps
        // the order sent among records of the same millisecond).
        if (blocks)
        {
            return [.. records.Select((record, index) => (record, index)).OrderBy(x => x.record.At).ThenBy(x => x.record.Seq).ThenBy(x => x.index).Select(x => x.record)];
        }

        return records;
    }

    /// <summary>
    /// The ratings of the survey records just inserted (OTL-4): a record that was a duplicate rates nothing, so a
    /// retried batch is one rating. Each expires with its record.
    /// </summary>
    private async Task InsertSurveyRatingsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<TelemetryAppend> requests, List<int> owners,
        List<(int Row, TelemetryRecord Record)> surveys, bool[] inserted, CancellationToken cancellationToken)
    {
        foreach (var (row, record) in surveys)
        {
            if (!inserted[row]) continue;
            var request = requests[owners[row]];
            await InsertRatingAsync(connection, transaction,
                new Rating(request.AccountId, record.SessionId, record.Survey!.AppearanceId, record.Survey.Value, record.At, RatingSource.Otel, record.Survey.EnabledViaOverride),
                request.Policy.ExpiresAt, cancellationToken);
        }
    }

    /// <summary>Appends the condition on <c>account_id</c> that keeps a read of telemetry, usage or ratings to what <paramref name="audience"/> may see (OTL-7, ACC-2).</summary>
    private static void AppendAudience(System.Text.StringBuilder sql, List<(string Name, object? Value)> parameters, TelemetryAudience audience)
    {
        if (audience.AccountId is { } account)
        {
            sql.Append(" AND account_id = @account");
            parameters.Add(("account", account));
        }
        else if (audience.OrgId is { } org)
        {
            sql.Append(" AND account_id IN (SELECT id FROM accounts WHERE org_id = @org)");
            parameters.Add(("org", org));
        }
    }

    /// <summary>The payload column as a document the JSON SQL below reads (PostgreSQL parses it once per row).</summary>
    protected virtual string JsonDocumentSql(string column) => column;

    /// <summary>The SQL of the value at <paramref name="path"/> (constant keys) of a JSON document, as text; an object as its JSON text.</summary>
    protected abstract string JsonTextSql(string document, params string[] path);

    /// <summary>The SQL of the value under <paramref name="key"/> (a constant) of a JSON document when it is a JSON number, else NULL.</summary>
    protected abstract string JsonNumberSql(string document, string key);

    private const long DayMilliseconds = 86_400_000;

    /// <summary>The metrics a usage report reads (CUS-81).</summary>
    private static readonly string[] UsageMetrics =
        ["claude_code.token.usage", "claude_code.cost.usage", "claude_code.session.count", "claude_code.active_time.total"];

    /// <inheritdoc />
    public async Task<UsageReport> GetUsageAsync(UsageQuery query, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new List<(string Name, object? Value)>
        {
            ("from", query.From.ToUnixTimeMilliseconds()), ("to", query.To.ToUnixTimeMilliseconds()), ("now", now.ToUnixTimeMilliseconds()),
            ("limit", (long)Math.Max(1, query.MaxRows) + 1),
        };
        var inner = new System.Text.StringBuilder("SELECT account_id, session_id, seq, at, name, ").Append(JsonDocumentSql("payload"))
            .Append(" AS j FROM telemetry WHERE kind = 'metric' AND ");
        AppendInList(inner, parameters, "name", UsageMetrics, "metric");
        // Expired rows are never read (RET-7). Rows before the range are read for cumulative series only: their last
        // point before the range is the base the first point in it increased from.
        inner.Append(" AND expires_at > @now AND at < @to");
        AppendAudience(inner, parameters, query.Audience);

        var key = query.By switch
        {
            UsageGrouping.Day => $"at / {DayMilliseconds}",
            UsageGrouping.User => "account_id",
            _ => "CAST(COALESCE(model, '') AS TEXT)",
        };
        // Active time and session starts name no model: a model's row counts tokens and cost only.
        var filter = query.By == UsageGrouping.Model ? " WHERE name IN ('claude_code.token.usage', 'claude_code.cost.usage')" : string.Empty;
        var order = query.By == UsageGrouping.Day ? "k" : "cost DESC, tokens DESC, k";
        const string sums = """
            SUM(CASE WHEN name = 'claude_code.token.usage' AND type = 'input' THEN amount ELSE 0 END) AS input,
            SUM(CASE WHEN name = 'claude_code.token.usage' AND type = 'output' THEN amount ELSE 0 END) AS output,
            SUM(CASE WHEN name = 'claude_code.token.usage' AND type = 'cacheRead' THEN amount ELSE 0 END) AS cache_read,
            SUM(CASE WHEN name = 'claude_code.token.usage' AND type = 'cacheCreation' THEN amount ELSE 0 END) AS cache_creation,
            SUM(CASE WHEN name = 'claude_code.cost.usage' THEN amount ELSE 0 END) AS cost,
            SUM(CASE WHEN name = 'claude_code.active_time.total' THEN amount ELSE 0 END) AS active,
            COUNT(DISTINCT CASE WHEN session_id <> '' AND amount > 0 THEN session_id END) AS sessions,
            SUM(CASE WHEN name = 'claude_code.session.count' AND session_id = '' THEN amount ELSE 0 END) AS unnamed_sessions,
            SUM(CASE WHEN name = 'claude_code.token.usage' AND type IN ('input', 'output', 'cacheRead', 'cacheCreation') THEN amount ELSE 0 END) AS tokens
            """;
        var sql = $"""
            WITH points AS (
              SELECT account_id, session_id, seq, at, name,
                {JsonTextSql("j", "temporality")} AS temporality, {JsonTextSql("j", "startTime")} AS start_time,
                {JsonTextSql("j", "attributes")} AS series, {JsonTextSql("j", "attributes", "type")} AS type,
                {JsonTextSql("j", "attributes", "model")} AS model, {JsonNumberSql("j", "value")} AS value
              FROM ({inner}) t
              WHERE {JsonTextSql("j", "kind")} = 'sum'
            ),
            counted AS (
              SELECT account_id, session_id, at, name, type, model, temporality, value,
                LAG(value) OVER (PARTITION BY account_id, session_id, name, temporality, series, start_time ORDER BY at, seq) AS previous
              FROM points
              WHERE value >= 0 AND (at >= @from OR temporality = 'cumulative')
            ),
            amounts AS (
              SELECT account_id, session_id, at, name, type, model,
                CASE WHEN temporality <> 'cumulative' THEN value
                     WHEN previous IS NULL OR value < previous THEN value
                     ELSE value - previous END AS amount
              FROM counted
              WHERE at >= @from
            )
            SELECT 0 AS total, g.* FROM (
              SELECT {key} AS k, {sums} FROM amounts{filter} GROUP BY {key} ORDER BY {order} LIMIT @limit
            ) g
            UNION ALL
            SELECT 1, NULL, {sums} FROM amounts
            """;

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var totals = UsageTotals.Zero;
        var rows = new List<(object Key, UsageTotals Usage)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var total = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) == 1;
            var usage = new UsageTotals(Tokens(reader, 2), Tokens(reader, 3), Tokens(reader, 4), Tokens(reader, 5), Number(reader, 6),
                Convert.ToInt64(Number(reader, 8), CultureInfo.InvariantCulture) + (long)Math.Round(Number(reader, 9)),
                query.By == UsageGrouping.Model && !total ? null : Number(reader, 7));
            if (total) totals = usage;
            else rows.Add((reader.GetValue(1), usage));
        }

        var truncated = rows.Count > query.MaxRows;
        if (truncated) rows.RemoveRange(query.MaxRows, rows.Count - query.MaxRows);
        if (query.By != UsageGrouping.Day) return new UsageReport(totals, [.. rows.Select(r => new UsageRow((string)r.Key, r.Usage))], truncated);

        // Every day of the range has a row, so a chart or a client needs no calendar of its own.
        var byDay = rows.ToDictionary(r => Convert.ToInt64(r.Key, CultureInfo.InvariantCulture), r => r.Usage);
        var days = new List<UsageRow>();
        var last = (query.To.ToUnixTimeMilliseconds() - 1) / DayMilliseconds;
        for (var day = query.From.ToUnixTimeMilliseconds() / DayMilliseconds; day <= last; day++)
        {
            days.Add(new UsageRow(DateTimeOffset.FromUnixTimeMilliseconds(day * DayMilliseconds).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                byDay.GetValueOrDefault(day, UsageTotals.Zero)));
        }

        return new UsageReport(totals, days, false);

        static double Number(DbDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? 0 : Convert.ToDouble(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

        static long Tokens(DbDataReader reader, int ordinal) => (long)Math.Round(Number(reader, ordinal));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredSession>> ListSessionsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // Sizes were kept at write time: summing payload lengths here read every payload of the user (40 MB took
        // 114-166 ms and starved the writers); the sizes index answers this without touching a payload.
        await using var command = Command(connection, null, """
            SELECT s.id, s.repository, MIN(e.captured_at), MAX(e.captured_at), COUNT(*), SUM(e.payload_bytes), MAX(e.expires_at)
            FROM sessions s JOIN events e ON e.session_id = s.id
            WHERE s.account_id = @account AND e.expires_at > @now
            GROUP BY s.id, s.repository
            ORDER BY MAX(e.captured_at) DESC
            """, ("account", accountId), ("now", now.ToUnixTimeMilliseconds()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<StoredSession>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(new StoredSession(
                reader.GetString(0), accountId, reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                reader.GetInt64(4), reader.GetInt64(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return sessions;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredEvent>?> GetSessionEventsAsync(
        string accountId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var owner = await GetSessionOwnerAsync(sessionId, cancellationToken);
        if (owner is null || owner.Value.AccountId != accountId) return null;
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT seq, captured_at, expires_at, training, payload FROM events WHERE session_id = @session AND account_id = @account AND expires_at > @now ORDER BY seq",
            ("session", sessionId), ("account", accountId), ("now", now.ToUnixTimeMilliseconds()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEvent(reader.GetInt64(0), sessionId, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt64(3) != 0, reader.GetString(4)));
        }

        return events.Count == 0 ? null : events;
    }

    /// <inheritdoc />
    public Task<bool> DeleteSessionAsync(string accountId, string sessionId, CancellationToken cancellationToken = default) =>
        DeleteSessionCoreAsync(accountId, sessionId, null, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteSessionAsync(string accountId, string sessionId, AuditNote audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return DeleteSessionCoreAsync(accountId, sessionId, audit, cancellationToken);
    }

    private async Task<bool> DeleteSessionCoreAsync(string accountId, string sessionId, AuditNote? audit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var p = ("session", (object?)sessionId);
            var a = ("account", (object?)accountId);
            await LockTelemetrySessionsAsync(connection, transaction, [(accountId, sessionId)], exclusive: true, cancellationToken);
            bool foreign;
            await using (var owner = Command(connection, transaction, "SELECT account_id FROM sessions WHERE id = @id" + SessionEraseLock, ("id", sessionId)))
            {
                var found = await owner.ExecuteScalarAsync(cancellationToken);
                // The session id may be another account's stored session while this account's own bundle or rating
                // names it (a bundle lists whatever ids its sender gives): those are still the caller's to erase (DEL-1),
                // and only those are; the other account's session is neither touched nor revealed.
                foreign = found is string other && other != accountId;
                if (found is not string || foreign)
                {
                    // No events of the caller (expired and swept, never sent, or the id is another's): the account's
                    // ratings, bundles and shares of the session are still there to delete (DEL-1), e.g. a five-year feedback bundle.
                    await using var leftovers = Command(connection, transaction, """
                        SELECT (SELECT COUNT(*) FROM ratings WHERE session_id = @session AND account_id = @account)
                             + (SELECT COUNT(*) FROM feedback_sessions s JOIN feedback f ON f.id = s.feedback_id WHERE s.session_id = @session AND f.account_id = @account)
                             + (SELECT COUNT(*) FROM (SELECT 1 FROM telemetry WHERE session_id = @session AND account_id = @account LIMIT 1) t)
                        """, p, a);
                    if (Convert.ToInt64(await leftovers.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0) return false;
                }
            }

            await ExecuteAsync(connection, transaction, "DELETE FROM events WHERE session_id = @session AND account_id = @account", cancellationToken, p, a);
            // The account's telemetry naming the session, whoever's the session is (CUS-75), with its idempotency keys.
            await ExecuteAsync(connection, transaction, "DELETE FROM telemetry WHERE session_id = @session AND account_id = @account", cancellationToken, p, a);
            await ExecuteAsync(connection, transaction, "DELETE FROM telemetry_keys WHERE session_id = @session AND account_id = @account", cancellationToken, p, a);
            // Only the account's own ratings and bundles: another account's bundle naming the same session id is theirs (ACC-2).
            await ExecuteAsync(connection, transaction, "DELETE FROM ratings WHERE session_id = @session AND account_id = @account", cancellationToken, p, a);
            await ExecuteAsync(connection, transaction,
                "DELETE FROM feedback WHERE account_id = @account AND id IN (SELECT feedback_id FROM feedback_sessions WHERE session_id = @session)", cancellationToken, p, a);
            await ExecuteAsync(connection, transaction,
                "DELETE FROM feedback_sessions WHERE feedback_id NOT IN (SELECT id FROM feedback)", cancellationToken);
            if (!foreign) await ExecuteAsync(connection, transaction, "DELETE FROM sessions WHERE id = @session", cancellationToken, p);
            if (audit is not null) await AppendAuditAsync(connection, transaction, audit, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await AfterDeletionAsync(connection, cancellationToken);
        return true;
    }

    /// <inheritdoc />
    public async Task AddRatingAsync(Rating rating, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rating);
        await using var connection = await OpenAsync(cancellationToken);
        await InsertRatingAsync(connection, null, rating, expiresAt, cancellationToken);
        AfterWriteCommitted();
    }

    private Task<int> InsertRatingAsync(DbConnection connection, DbTransaction? transaction, Rating rating, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, """
            INSERT INTO ratings (account_id, session_id, appearance_id, rating, recorded_at, expires_at, source, enabled_via_override)
            VALUES (@account, @session, @appearance, @rating, @at, @expires, @source, @override)
            """,
            cancellationToken, ("account", rating.AccountId), ("session", rating.SessionId), ("appearance", rating.AppearanceId),
            ("rating", (long)rating.Value), ("at", rating.RecordedAt.ToUnixTimeMilliseconds()), ("expires", expiresAt.ToUnixTimeMilliseconds()),
            ("source", rating.Source == RatingSource.Otel ? "otel" : "api"), ("override", Flag(rating.EnabledViaOverride)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<Rating>> ListRatingsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (await ListRatingsAsync(TelemetryAudience.Own(accountId), now, int.MaxValue, cancellationToken)).Ratings;

    /// <inheritdoc />
    public async Task<RatingPage> ListRatingsAsync(TelemetryAudience audience, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await OpenAsync(cancellationToken);
        var sql = new System.Text.StringBuilder(
            "SELECT account_id, session_id, appearance_id, rating, recorded_at, source, enabled_via_override FROM ratings WHERE expires_at > @now");
        var parameters = new List<(string Name, object? Value)> { ("now", now.ToUnixTimeMilliseconds()) };
        AppendAudience(sql, parameters, audience);
        // One more than asked tells whether the page is all there is, without counting.
        sql.Append(" ORDER BY recorded_at, account_id, session_id, appearance_id LIMIT @limit");
        parameters.Add(("limit", limit == int.MaxValue ? (long)int.MaxValue : limit + 1L));
        await using var command = Command(connection, null, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ratings = new List<Rating>();
        var truncated = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (ratings.Count == limit)
            {
                truncated = true;
                break;
            }

            ratings.Add(new Rating(reader.GetString(0), reader.GetString(1), reader.GetString(2), (int)reader.GetInt64(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5) == "otel" ? RatingSource.Otel : RatingSource.Api,
                reader.GetInt64(6) != 0));
        }

        return new RatingPage(ratings, truncated);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> CountRatingsAsync(
        TelemetryAudience audience, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audience);
        await using var connection = await OpenAsync(cancellationToken);
        var sql = new System.Text.StringBuilder(
            "SELECT rating, COUNT(*) FROM ratings WHERE expires_at > @now AND recorded_at >= @from AND recorded_at < @to");
        var parameters = new List<(string Name, object? Value)>
        {
            ("now", now.ToUnixTimeMilliseconds()), ("from", from.ToUnixTimeMilliseconds()), ("to", to.ToUnixTimeMilliseconds()),
        };
        AppendAudience(sql, parameters, audience);
        sql.Append(" GROUP BY rating");
        await using var command = Command(connection, null, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new long[4];
        while (await reader.ReadAsync(cancellationToken))
        {
            var rating = reader.GetInt64(0);
            if (rating is >= 0 and <= 3) counts[rating] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <inheritdoc />
    public async Task AddFeedbackAsync(FeedbackRecord record, byte[] bundle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(bundle);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO feedback (id, account_id, kind, bytes, captured_at, expires_at, training, bundle) VALUES (@id, @account, @kind, @bytes, @captured, @expires, @training, @bundle)",
            cancellationToken, ("id", record.Id), ("account", record.AccountId), ("kind", KindName(record.Kind)), ("bytes", (long)bundle.Length),
            ("captured", record.CapturedAt.ToUnixTimeMilliseconds()), ("expires", record.ExpiresAt.ToUnixTimeMilliseconds()),
            ("training", Flag(record.TrainingEligible)), ("bundle", bundle));
        for (var i = 0; i < record.SessionIds.Count; i++)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO feedback_sessions (feedback_id, session_id, position) VALUES (@id, @session, @position)",
                cancellationToken, ("id", record.Id), ("session", record.SessionIds[i]), ("position", (long)i));
        }

        await transaction.CommitAsync(cancellationToken);
        AfterWriteCommitted(); // a bundle can be megabytes of WAL
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedbackRecord>> ListFeedbackAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var records = new List<(string Id, FeedbackKind Kind, long Bytes, long Captured, long Expires, bool Training)>();
        await using (var command = Command(connection, null,
            "SELECT id, kind, bytes, captured_at, expires_at, training FROM feedback WHERE account_id = @account AND expires_at > @now ORDER BY captured_at",
            ("account", accountId), ("now", now.ToUnixTimeMilliseconds())))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                records.Add((reader.GetString(0), ParseKind(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5) != 0));
            }
        }

        var result = new List<FeedbackRecord>(records.Count);
        foreach (var r in records)
        {
            var sessions = new List<string>();
            await using var command = Command(connection, null, "SELECT session_id FROM feedback_sessions WHERE feedback_id = @id ORDER BY position", ("id", r.Id));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) sessions.Add(reader.GetString(0));
            result.Add(new FeedbackRecord(r.Id, accountId, r.Kind, sessions, r.Bytes,
                DateTimeOffset.FromUnixTimeMilliseconds(r.Captured), DateTimeOffset.FromUnixTimeMilliseconds(r.Expires), r.Training));
        }

        return result;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<TrainingRecord> ReadTrainingCandidatesAsync(
        IReadOnlySet<string> eligibleAccounts, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eligibleAccounts);
        await using var connection = await OpenAsync(cancellationToken);
        await using (var command = Command(connection, null,
            "SELECT account_id, session_id, captured_at, payload FROM events WHERE training = 1 AND expires_at > @now ORDER BY seq",
            ("now", now.ToUnixTimeMilliseconds())))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var account = reader.GetString(0);
                if (!eligibleAccounts.Contains(account)) continue;
                yield return new TrainingRecord("event", account, reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3));
            }
        }

        // Transcript shares are never training data (TRN-4), whatever their flag says.
        await using (var command = Command(connection, null, """
            SELECT f.account_id, COALESCE((SELECT session_id FROM feedback_sessions s WHERE s.feedback_id = f.id AND s.position = 0), ''), f.captured_at, f.id, f.bundle
            FROM feedback f WHERE f.training = 1 AND f.kind = 'feedback' AND f.expires_at > @now ORDER BY f.captured_at
            """, ("now", now.ToUnixTimeMilliseconds())))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var account = reader.GetString(0);
                if (!eligibleAccounts.Contains(account)) continue;
                var json = FeedbackExportJson(reader.GetString(3), (byte[])reader.GetValue(4));
                yield return new TrainingRecord("feedback", account, reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), json);
            }
        }
    }

    /// <summary>
    /// <c>{"feedbackId", "bundleBase64"}</c>, written field by field: what the serializer made of a dictionary, without
    /// its reflection (the native build has none).
    /// </summary>
    private static string FeedbackExportJson(string feedbackId, byte[] bundle)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(bundle.Length * 4 / 3 + 64);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("feedbackId", feedbackId);
            // Not WriteBase64String: that leaves '+' unescaped, the serializer's default encoder wrote \u002B.
            writer.WriteString("bundleBase64", Convert.ToBase64String(bundle));
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <inheritdoc />
    public async Task<AuditEntry> AppendAuditAsync(
        string actor, string action, string target, string details, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var entry = await AppendAuditAsync(connection, transaction, new AuditNote(actor, action, target, details, at), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return entry;
    }

    /// <summary>Appends to the audit chain inside <paramref name="transaction"/> (the caller commits).</summary>
    private async Task<AuditEntry> AppendAuditAsync(DbConnection connection, DbTransaction transaction, AuditNote note, CancellationToken cancellationToken)
    {
        await LockAuditAsync(connection, transaction, cancellationToken);
        long seq = 0;
        var previous = AuditChain.Genesis;
        // Chain onto the head recorded beside the log, not onto whatever row is last in the table: otherwise removing
        // the last entry would go unnoticed as soon as the next entry is appended after its predecessor.
        await using (var head = Command(connection, transaction,
            "SELECT seq, hash FROM audit_head WHERE id = 1 UNION ALL SELECT seq, hash FROM (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) last WHERE NOT EXISTS (SELECT 1 FROM audit_head)"))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                seq = reader.GetInt64(0);
                previous = reader.GetString(1);
            }
        }

        var entry = AuditChain.Seal(seq + 1, note.At, note.Actor, note.Action, note.Target, note.Details, previous);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO audit (seq, at, actor, action, target, details, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @target, @details, @prev, @hash)",
            cancellationToken, ("seq", entry.Seq), ("at", entry.At.ToUnixTimeMilliseconds()), ("actor", note.Actor), ("action", note.Action),
            ("target", note.Target), ("details", note.Details), ("prev", entry.PreviousHash), ("hash", entry.Hash));
        await ExecuteAsync(connection, transaction,
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, @seq, @hash) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            cancellationToken, ("seq", entry.Seq), ("hash", entry.Hash));
        return entry;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditEntry> ReadAuditAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT seq, at, actor, action, target, details, prev_hash, hash FROM audit ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new AuditEntry(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7));
        }
    }

    /// <inheritdoc />
    public async Task<(long Seq, string Hash)?> GetAuditHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT seq, hash FROM audit_head WHERE id = 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <inheritdoc />
    public virtual async Task<ExpiryReport> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        long events, ratings, feedback, telemetry;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            (events, ratings, feedback, telemetry) = await DeleteExpiredRowsAsync(connection, transaction, now, cancellationToken);
            await DeleteSessionsWithoutEventsAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (events + ratings + feedback + telemetry > 0) await AfterDeletionAsync(connection, cancellationToken);
        return new ExpiryReport(events, ratings, feedback, 0, Telemetry: telemetry);
    }

    /// <summary>Row deletes of everything expired, inside <paramref name="transaction"/> (the caller commits); returns counts.</summary>
    protected static async Task<(long Events, long Ratings, long Feedback, long Telemetry)> DeleteExpiredRowsAsync(
        DbConnection connection, DbTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var p = ("now", (object?)now.ToUnixTimeMilliseconds());
        var events = await ExecuteAsync(connection, transaction, "DELETE FROM events WHERE expires_at <= @now", cancellationToken, p);
        var ratings = await ExecuteAsync(connection, transaction, "DELETE FROM ratings WHERE expires_at <= @now", cancellationToken, p);
        var feedback = await ExecuteAsync(connection, transaction, "DELETE FROM feedback WHERE expires_at <= @now", cancellationToken, p);
        if (feedback > 0)
            await ExecuteAsync(connection, transaction, "DELETE FROM feedback_sessions WHERE feedback_id NOT IN (SELECT id FROM feedback)", cancellationToken);
        var (_, telemetry) = await DeleteTelemetryAsync(connection, transaction, "DELETE FROM telemetry WHERE expires_at <= @now", cancellationToken, p);
        await ExecuteAsync(connection, transaction, "DELETE FROM telemetry_keys WHERE expires_at <= @now", cancellationToken, p);
        return (events, ratings, feedback, telemetry);
    }

    /// <summary>
    /// Runs a <c>DELETE FROM telemetry</c> (<paramref name="sql"/>, without its <c>RETURNING</c>); returns the rows and
    /// the records they held (a block holds many, CUS-88).
    /// </summary>
    protected static async Task<(int Rows, long Records)> DeleteTelemetryAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql + " RETURNING records", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = 0;
        long records = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            rows++;
            records += Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
        }

        return (rows, records);
    }

    /// <summary>Deletes sessions left without events, inside <paramref name="transaction"/>.</summary>
    protected virtual Task DeleteSessionsWithoutEventsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "DELETE FROM sessions WHERE id NOT IN (SELECT DISTINCT session_id FROM events)", cancellationToken);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <summary>A command with parameters.</summary>
    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Executes a statement and returns the affected row count.</summary>
    protected static async Task<int> ExecuteAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static long Flag(bool value) => value ? 1 : 0;

    private static string RoleName(Role role) => role switch
    {
        Role.OrgAdmin => "org-admin",
        Role.Operator => "operator",
        _ => "user",
    };

    private static Account ReadAccount(DbDataReader reader, int offset)
    {
        var role = reader.GetString(offset + 1) switch
        {
            "org-admin" => Role.OrgAdmin,
            "operator" => Role.Operator,
            _ => Role.User,
        };
        PlanNames.TryParsePlan(reader.GetString(offset + 3), out var plan);
        return new Account(reader.GetString(offset), role, reader.IsDBNull(offset + 2) ? null : reader.GetString(offset + 2), plan,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 4)));
    }

    private static string KindName(FeedbackKind kind) => kind == FeedbackKind.TranscriptShare ? "transcript-share" : "feedback";

    private static FeedbackKind ParseKind(string text) => text == "transcript-share" ? FeedbackKind.TranscriptShare : FeedbackKind.Feedback;
}

/// <summary>The audit log's hash chain: each entry's hash covers its fields and the previous entry's hash.</summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first entry.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Builds an entry with its hash.</summary>
    public static AuditEntry Seal(long seq, DateTimeOffset at, string actor, string action, string target, string details, string previousHash)
    {
        var rounded = DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
        return new AuditEntry(seq, rounded, actor, action, target, details, previousHash, Hash(seq, rounded, actor, action, target, details, previousHash));
    }

    /// <summary>The hash an entry must have.</summary>
    public static string Hash(long seq, DateTimeOffset at, string actor, string action, string target, string details, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var canonical = string.Join('\u001f', seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), actor, action, target, details, previousHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Checks an entry against its own hash and its predecessor.</summary>
    public static bool IsIntact(AuditEntry entry, string expectedPrevious)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.PreviousHash == expectedPrevious
            && entry.Hash == Hash(entry.Seq, entry.At, entry.Actor, entry.Action, entry.Target, entry.Details, entry.PreviousHash);
    }
}
