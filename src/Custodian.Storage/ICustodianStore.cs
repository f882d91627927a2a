namespace Custodian.Storage;

/// <summary>
/// The server's storage, behind one interface with two real implementations: SQLite (embedded default) and
/// PostgreSQL. Every read takes <c>now</c> and never returns an expired record (RET-7).
/// </summary>
public interface ICustodianStore : IAsyncDisposable
{
    /// <summary>A short description for <c>/healthz</c> and logs (<c>sqlite:/path</c>, <c>postgres:host/db</c>).</summary>
    string Description { get; }

    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates the organization if it does not exist; returns it as stored.</summary>
    Task<Organization> EnsureOrganizationAsync(Organization organization, CancellationToken cancellationToken = default);

    /// <summary>The organization, or null.</summary>
    Task<Organization?> GetOrganizationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Replaces the organization's policy flags.</summary>
    Task UpdateOrganizationAsync(Organization organization, CancellationToken cancellationToken = default);

    /// <summary>Replaces the organization's policy flags and appends <paramref name="audit"/>, in one transaction.</summary>
    Task<AuditEntry> UpdateOrganizationAsync(Organization organization, AuditNote audit, CancellationToken cancellationToken = default);

    /// <summary>Creates the account if it does not exist; returns it as stored.</summary>
    Task<Account> EnsureAccountAsync(Account account, CancellationToken cancellationToken = default);

    /// <summary>The account, or null.</summary>
    Task<Account?> GetAccountAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every account.</summary>
    Task<IReadOnlyList<Account>> ListAccountsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores the hash of a new API key for an account (the key itself is never stored).</summary>
    Task AddApiKeyAsync(string accountId, byte[] keyHash, DateTimeOffset createdAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Goes up whenever this store instance revokes a key, changes an account's role or changes an organization, so
    /// caches of authentication results (the server's key cache) notice at once on this instance.
    /// </summary>
    long AccessVersion { get; }

    /// <summary>Revokes an API key by its hash; false when there was no such key.</summary>
    Task<bool> RevokeApiKeyAsync(byte[] keyHash, CancellationToken cancellationToken = default);

    /// <summary>Changes an account's role (ACC-2); false when there is no such account.</summary>
    Task<bool> SetRoleAsync(string accountId, Role role, CancellationToken cancellationToken = default);

    /// <summary>The account whose key has this hash, or null.</summary>
    Task<(Account Account, byte[] StoredHash)?> FindByKeyHashAsync(byte[] keyHash, CancellationToken cancellationToken = default);

    /// <summary>The user's current consent (default: off since the account was created).</summary>
    Task<Consent> GetConsentAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Records a consent change; earlier records keep the eligibility they were captured with (TRN-3).</summary>
    Task SetConsentAsync(string accountId, bool allow, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records a consent change and appends <paramref name="audit"/>, in one transaction.</summary>
    Task<AuditEntry> SetConsentAsync(string accountId, bool allow, AuditNote audit, CancellationToken cancellationToken = default);

    /// <summary>The owner and repository of a session id, if it exists (regardless of expiry).</summary>
    Task<(string AccountId, string? Repository)?> GetSessionOwnerAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends events to a session (creating it, bound to <paramref name="repository"/>, on first use). Throws
    /// <see cref="SessionConflictException"/>, storing nothing, when the session is another account's or was started in
    /// another repository.
    /// </summary>
    Task<int> AppendEventsAsync(
        string accountId, string sessionId, string? repository, IReadOnlyList<string> events, CapturePolicy policy,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Group commit: appends the events of many requests in one transaction. Inside it, the store reads each distinct
    /// poster's account, organization and current consent, asks <paramref name="policy"/> (once per account) for the
    /// capture-time policy — null stores nothing for that account — and checks and claims each session in request
    /// order, so a request for another account's session, or from another repository, gets
    /// <see cref="AppendStatus.Conflict"/> while the others are stored. Returns one outcome per request, in order, after
    /// the commit; on an error nothing of the batch is stored.
    /// </summary>
    Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(
        IReadOnlyList<AppendRequest> requests, Func<string, CaptureSubject?, CapturePolicy?> policy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Group commit of telemetry (OTL-6): the records of many export requests in one transaction. A record whose
    /// idempotency key is stored already (a retried batch) is skipped, within the batch too. Telemetry names its session
    /// by id without claiming it: it is read, erased and expired by its account and session id (OTL-3, DEL-1). Returns
    /// one outcome per request after the commit; on an error nothing of the batch is stored.
    /// </summary>
    Task<IReadOnlyList<TelemetryAppendOutcome>> AppendTelemetryBatchAsync(IReadOnlyList<TelemetryAppend> requests, CancellationToken cancellationToken = default);

    /// <summary>A session's unexpired telemetry that <paramref name="audience"/> may see, in time order (empty when none).</summary>
    Task<IReadOnlyList<StoredTelemetry>> GetSessionTelemetryAsync(
        string sessionId, TelemetryAudience audience, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tokens, cost, sessions and active time from the unexpired usage metrics <see cref="UsageQuery.Audience"/> may
    /// see, grouped in the store (OTL-7, CUS-81): delta points are summed, cumulative ones counted by their increase per
    /// series, so a cumulative series is never counted twice.
    /// </summary>
    Task<UsageReport> GetUsageAsync(UsageQuery query, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The account's sessions with at least one unexpired event.</summary>
    Task<IReadOnlyList<StoredSession>> ListSessionsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A session's unexpired events, or null when the account has no such session.</summary>
    Task<IReadOnlyList<StoredEvent>?> GetSessionEventsAsync(string accountId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Permanently deletes a session: its events, telemetry, ratings, and every feedback bundle or shared transcript
    /// that contains it (DEL-1). When the id is another account's session, only this account's telemetry, ratings and
    /// bundles naming it are deleted. Returns false when the account has no such session and nothing of its own names it.
    /// </summary>
    Task<bool> DeleteSessionAsync(string accountId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="DeleteSessionAsync(string, string, CancellationToken)"/>, appending <paramref name="audit"/> in the same transaction.</summary>
    Task<bool> DeleteSessionAsync(string accountId, string sessionId, AuditNote audit, CancellationToken cancellationToken = default);

    /// <summary>Stores a rating (SRV-1: no content).</summary>
    Task AddRatingAsync(Rating rating, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>The account's unexpired ratings.</summary>
    Task<IReadOnlyList<Rating>> ListRatingsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// The unexpired ratings <paramref name="audience"/> may see (OTL-7), from the API and from telemetry (OTL-4), oldest
    /// first, at most <paramref name="limit"/> of them.
    /// </summary>
    Task<RatingPage> ListRatingsAsync(TelemetryAudience audience, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many unexpired ratings <paramref name="audience"/> may see were given in [<paramref name="from"/>,
    /// <paramref name="to"/>), by rating: four counts, for 0 (dismiss) to 3 (good).
    /// </summary>
    Task<IReadOnlyList<long>> CountRatingsAsync(
        TelemetryAudience audience, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Stores a feedback bundle.</summary>
    Task AddFeedbackAsync(FeedbackRecord record, byte[] bundle, CancellationToken cancellationToken = default);

    /// <summary>The account's unexpired feedback bundles (metadata).</summary>
    Task<IReadOnlyList<FeedbackRecord>> ListFeedbackAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Unexpired events and feedback bundles captured as training-eligible, of the accounts in
    /// <paramref name="eligibleAccounts"/> (those whose consent is on now, TRN-3). Never ratings, transcript shares or
    /// telemetry (OTL-5).
    /// </summary>
    IAsyncEnumerable<TrainingRecord> ReadTrainingCandidatesAsync(
        IReadOnlySet<string> eligibleAccounts, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Appends to the hash-chained audit log; entries are serialized across server instances.</summary>
    Task<AuditEntry> AppendAuditAsync(
        string actor, string action, string target, string details, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The audit log in order.</summary>
    IAsyncEnumerable<AuditEntry> ReadAuditAsync(CancellationToken cancellationToken = default);

    /// <summary>The last audit entry's sequence number and hash as recorded beside the log (to detect removal of the tail).</summary>
    Task<(long Seq, string Hash)?> GetAuditHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Physically deletes everything expired at <paramref name="now"/> (RET-7). Safe to run from several instances.</summary>
    Task<ExpiryReport> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>One line of the training export.</summary>
/// <param name="Kind"><c>event</c> or <c>feedback</c>.</param>
/// <param name="AccountId">Whose.</param>
/// <param name="SessionId">The session (for feedback, the first session of the bundle).</param>
/// <param name="CapturedAt">When captured.</param>
/// <param name="Json">The event JSON, or for feedback a JSON object with the bundle in base64.</param>
public sealed record TrainingRecord(string Kind, string AccountId, string SessionId, DateTimeOffset CapturedAt, string Json);
