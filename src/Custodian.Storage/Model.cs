using Custodian.Policy;

namespace Custodian.Storage;

/// <summary>Who may do what on the server (ACC-2).</summary>
public enum Role
{
    /// <summary>Sees and deletes only their own data.</summary>
    User,
    /// <summary>Changes only their own organization's policy (except ZDR).</summary>
    OrgAdmin,
    /// <summary>The account team: sets ZDR, runs training exports, reads the audit log.</summary>
    Operator,
}

/// <summary>An organization and its policy.</summary>
public sealed record Organization(string Id, Plan Plan, bool DevelopmentPartnerProgram, bool ProductFeedbackDisabled, bool ZeroDataRetention)
{
    /// <summary>The policy part, as the policy engine reads it.</summary>
    public OrganizationPolicy Policy => new(DevelopmentPartnerProgram, ZeroDataRetention, ProductFeedbackDisabled);
}

/// <summary>An account: a user, org admin or operator, optionally in an organization.</summary>
/// <param name="Id">The subject name.</param>
/// <param name="Role">Its role.</param>
/// <param name="OrgId">Its organization, if any.</param>
/// <param name="Plan">Its own plan (an organization's plan wins when it has one).</param>
/// <param name="CreatedAt">When it was provisioned.</param>
public sealed record Account(string Id, Role Role, string? OrgId, Plan Plan, DateTimeOffset CreatedAt);

/// <summary>A user's "allow data use for model improvement" choice and when it was made (TRN-1, TRN-3).</summary>
public sealed record Consent(bool AllowModelImprovement, DateTimeOffset Since);

/// <summary>What the policy said when a record was captured (RET-6, TRN-3): fixed for the record's life.</summary>
/// <param name="CapturedAt">When it was captured.</param>
/// <param name="Retention">The retention period in force then.</param>
/// <param name="TrainingEligible">Whether consent (or the org's program) allowed training then.</param>
public sealed record CapturePolicy(DateTimeOffset CapturedAt, RetentionPeriod Retention, bool TrainingEligible)
{
    /// <summary>When the record expires.</summary>
    public DateTimeOffset ExpiresAt => Retention.ExpiryFor(CapturedAt);
}

/// <summary>A stored session, as its owner sees it.</summary>
public sealed record StoredSession(
    string Id, string AccountId, string? Repository, DateTimeOffset FirstCapturedAt, DateTimeOffset LastCapturedAt,
    long Events, long Bytes, DateTimeOffset ExpiresAt);

/// <summary>One stored session event.</summary>
public sealed record StoredEvent(long Seq, string SessionId, DateTimeOffset CapturedAt, DateTimeOffset ExpiresAt, bool TrainingEligible, string Json);

/// <summary>A survey rating: the rating, the session id and the time only (SRV-1).</summary>
/// <param name="AccountId">Whose rating: the account of the key that sent it.</param>
/// <param name="SessionId">The rated session.</param>
/// <param name="AppearanceId">The survey instance it answers.</param>
/// <param name="Value">0 dismiss, 1 bad, 2 fine, 3 good.</param>
/// <param name="RecordedAt">When it was given.</param>
/// <param name="Source">How it reached the server: posted to the ratings API, or a <c>feedback_survey</c> telemetry record (OTL-4).</param>
/// <param name="EnabledViaOverride">The survey was shown only because <c>CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL</c> re-enabled it (SRV-4).</param>
public sealed record Rating(
    string AccountId, string SessionId, string AppearanceId, int Value, DateTimeOffset RecordedAt, RatingSource Source = RatingSource.Api,
    bool EnabledViaOverride = false);

/// <summary>A page of ratings.</summary>
/// <param name="Ratings">The ratings, oldest first.</param>
/// <param name="Truncated">More ratings matched than the page holds.</param>
public sealed record RatingPage(IReadOnlyList<Rating> Ratings, bool Truncated);

/// <summary>How a rating reached the server.</summary>
public enum RatingSource
{
    /// <summary>Posted to <c>POST /v1/survey/ratings</c> (SRV-1).</summary>
    Api,

    /// <summary>A <c>claude_code.feedback_survey</c> record sent to the OpenTelemetry collector (OTL-4).</summary>
    Otel,
}

/// <summary>The survey answer an OpenTelemetry record carries (OTL-4), stored as a rating beside the record.</summary>
/// <param name="AppearanceId">The survey instance.</param>
/// <param name="Value">0 dismiss, 1 bad, 2 fine, 3 good.</param>
/// <param name="EnabledViaOverride">The record's <c>enabled_via_override</c>.</param>
public sealed record SurveyAnswer(string AppearanceId, int Value, bool EnabledViaOverride);

/// <summary>What kind of feedback bundle.</summary>
public enum FeedbackKind
{
    /// <summary>Sent with <c>/feedback</c>, <c>/bug</c>, <c>/share</c> (RET-4, FBK-5).</summary>
    Feedback,
    /// <summary>Shared through the survey follow-up (RET-5, TRN-4: never training data).</summary>
    TranscriptShare,
}

/// <summary>A stored feedback bundle.</summary>
public sealed record FeedbackRecord(
    string Id, string AccountId, FeedbackKind Kind, IReadOnlyList<string> SessionIds, long Bytes,
    DateTimeOffset CapturedAt, DateTimeOffset ExpiresAt, bool TrainingEligible);

/// <summary>An audit entry to be written in the same transaction as the change it records, so neither exists without the other.</summary>
/// <param name="Actor">Who made the change (an account id).</param>
/// <param name="Action">What kind of change (<c>privacy.update</c>, <c>org.policy.update</c>).</param>
/// <param name="Target">What it changed (an account or organization id).</param>
/// <param name="Details">The new values; never content.</param>
/// <param name="At">When.</param>
public sealed record AuditNote(string Actor, string Action, string Target, string Details, DateTimeOffset At);

/// <summary>One entry of the audit log, chained to the one before it by <see cref="PreviousHash"/>.</summary>
public sealed record AuditEntry(long Seq, DateTimeOffset At, string Actor, string Action, string Target, string Details, string PreviousHash, string Hash);

/// <summary>What a retention sweep removed (RET-7).</summary>
/// <param name="Events">Events deleted.</param>
/// <param name="Ratings">Ratings deleted.</param>
/// <param name="Feedback">Feedback bundles deleted.</param>
/// <param name="PartitionsDropped">Whole PostgreSQL day partitions dropped.</param>
/// <param name="EventsEstimated">
/// True when <paramref name="Events"/> includes the planner's row estimate of a dropped partition instead of an exact
/// count (counting a large partition only to report the number would cost a full scan of rows being thrown away).
/// </param>
/// <param name="Telemetry">Telemetry records deleted (OTL-3), with the same estimate rule for dropped partitions.</param>
public sealed record ExpiryReport(long Events, long Ratings, long Feedback, int PartitionsDropped, bool EventsEstimated = false, long Telemetry = 0);

/// <summary>The outcome of appending events.</summary>
/// <param name="Stored">How many events were persisted.</param>
/// <param name="Refused">How many were acknowledged but not stored (zero data retention).</param>
public sealed record AppendResult(int Stored, int Refused);

/// <summary>
/// Thrown by <see cref="ICustodianStore.AppendEventsAsync"/>, with nothing stored, when the session already belongs to
/// another account or was started in another repository (ACC-1, ACC-2): two first writes to a new session id can race
/// past the caller's own check.
/// </summary>
public sealed class SessionConflictException : InvalidOperationException
{
    /// <summary>Creates the exception for the session as stored.</summary>
    public SessionConflictException(string sessionId, string ownerAccountId, string? repository)
        : base($"session {sessionId} belongs to another account or repository")
    {
        SessionId = sessionId;
        OwnerAccountId = ownerAccountId;
        Repository = repository;
    }

    /// <summary>The session.</summary>
    public string SessionId { get; }

    /// <summary>Its owner.</summary>
    public string OwnerAccountId { get; }

    /// <summary>The repository it was started in, if any.</summary>
    public string? Repository { get; }
}

/// <summary>One request's events, to be appended together with other requests' in one transaction (group commit).</summary>
/// <param name="AccountId">The authenticated poster.</param>
/// <param name="SessionId">The session the events belong to.</param>
/// <param name="Repository">The repository the request names, if any (ACC-1).</param>
/// <param name="Events">The events, each a JSON object.</param>
public sealed record AppendRequest(string AccountId, string SessionId, string? Repository, IReadOnlyList<string> Events);

/// <summary>
/// What the store read about a poster inside the write transaction: the account, its organization and the user's
/// current consent, so the capture-time policy (RET-6, TRN-3) is decided on what is committed at that moment.
/// </summary>
public sealed record CaptureSubject(Account Account, Organization? Org, Consent Consent);

/// <summary>What happened to one request of a group commit.</summary>
public enum AppendStatus
{
    /// <summary>The events were inserted and the transaction committed.</summary>
    Stored,
    /// <summary>Nothing was stored because the policy said so (zero data retention), or the account is unknown.</summary>
    NotStored,
    /// <summary>Nothing was stored: the session belongs to another account or was started in another repository (ACC-1, ACC-2).</summary>
    Conflict,
}

/// <summary>The outcome of one request of <see cref="ICustodianStore.AppendBatchAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Stored">How many events were stored.</param>
/// <param name="Policy">The capture-time policy the events were stored with (null unless stored).</param>
/// <param name="Subject">The account as read inside the transaction (null when it does not exist).</param>
/// <param name="OwnerAccountId">For a conflict: the session's owner.</param>
/// <param name="BoundRepository">For a conflict: the repository the session was started in.</param>
public sealed record AppendOutcome(
    AppendStatus Status, int Stored, CapturePolicy? Policy, CaptureSubject? Subject, string? OwnerAccountId = null, string? BoundRepository = null);

/// <summary>What a telemetry record is: an OTLP log record (a Claude Code event) or a metric data point.</summary>
public enum TelemetryKind
{
    /// <summary>An OTLP log record.</summary>
    Event,

    /// <summary>An OTLP metric data point.</summary>
    Metric,
}

/// <summary>One telemetry record to store, with the policy already applied to its payload (OTL-3).</summary>
/// <param name="SessionId">The session it names by <c>session.id</c> ("" when it names none).</param>
/// <param name="Kind">Event or metric.</param>
/// <param name="Name">The event or metric name (<c>claude_code.user_prompt</c>, <c>claude_code.token.usage</c>).</param>
/// <param name="At">When it happened, by its own clock.</param>
/// <param name="Payload">
/// The stored JSON object as UTF-8, redacted and filtered by the policy, holding the record's own time. It may be a
/// slice of a buffer shared with the other records of its batch; it is not changed once captured. The store keys the
/// record by it (OTL-6, CUS-76): the same payload of the same account, session and kind again is a retry, not stored
/// twice.
/// </param>
/// <param name="Survey">
/// The survey answer it carries, stored as a rating in the same transaction and only when the record itself is stored,
/// so a retried batch rates once (OTL-4, OTL-6).
/// </param>
public sealed record TelemetryRecord(string SessionId, TelemetryKind Kind, string Name, DateTimeOffset At, ReadOnlyMemory<byte> Payload, SurveyAnswer? Survey = null);

/// <summary>One export request's telemetry, stored in one group commit with others (OTL-6).</summary>
/// <param name="AccountId">The account of the API key that sent it: never one named by its attributes (OTL-2).</param>
/// <param name="Policy">The capture-time policy (RET-6): capture time and retention; telemetry is never training-eligible (OTL-5).</param>
/// <param name="Records">The records.</param>
public sealed record TelemetryAppend(string AccountId, CapturePolicy Policy, IReadOnlyList<TelemetryRecord> Records);

/// <summary>What a group commit did with one <see cref="TelemetryAppend"/>.</summary>
/// <param name="Stored">Records stored.</param>
/// <param name="Duplicates">Records already stored by an earlier delivery of the same batch, not stored again.</param>
public sealed record TelemetryAppendOutcome(int Stored, int Duplicates);

/// <summary>One stored telemetry record, as its readers see it.</summary>
public sealed record StoredTelemetry(
    long Seq, string AccountId, string SessionId, TelemetryKind Kind, string Name, DateTimeOffset At, DateTimeOffset CapturedAt, DateTimeOffset ExpiresAt,
    string Payload);

/// <summary>Whose telemetry, usage or ratings a read may see (OTL-7, ACC-2).</summary>
/// <param name="AccountId">Only this account's (a user).</param>
/// <param name="OrgId">Only the accounts of this organization (an org admin).</param>
public sealed record TelemetryAudience(string? AccountId, string? OrgId)
{
    /// <summary>A user: their own.</summary>
    public static TelemetryAudience Own(string accountId) => new(accountId, null);

    /// <summary>An org admin: their organization's accounts.</summary>
    public static TelemetryAudience Organization(string orgId) => new(null, orgId);

    /// <summary>An operator: everyone's.</summary>
    public static TelemetryAudience Everyone { get; } = new(null, null);
}

/// <summary>How a usage report is grouped (OTL-7, CUS-80).</summary>
public enum UsageGrouping
{
    /// <summary>By UTC day of each data point's time; every day of the range has a row.</summary>
    Day,

    /// <summary>By account (the API key's, OTL-2).</summary>
    User,

    /// <summary>By the <c>model</c> attribute of the token and cost metrics.</summary>
    Model,
}

/// <summary>What a usage report covers.</summary>
/// <param name="From">The first instant counted (inclusive).</param>
/// <param name="To">The end of the range (exclusive).</param>
/// <param name="By">The grouping.</param>
/// <param name="Audience">Whose telemetry is counted (OTL-7).</param>
/// <param name="MaxRows">At most this many rows for <see cref="UsageGrouping.User"/> and <see cref="UsageGrouping.Model"/>, the largest by cost.</param>
public sealed record UsageQuery(DateTimeOffset From, DateTimeOffset To, UsageGrouping By, TelemetryAudience Audience, int MaxRows = 1000);

/// <summary>Usage counted from Claude Code's metrics (CUS-81).</summary>
/// <param name="InputTokens"><c>claude_code.token.usage</c> with <c>type=input</c>.</param>
/// <param name="OutputTokens"><c>type=output</c>.</param>
/// <param name="CacheReadTokens"><c>type=cacheRead</c>.</param>
/// <param name="CacheCreationTokens"><c>type=cacheCreation</c>.</param>
/// <param name="CostUsd"><c>claude_code.cost.usage</c>, in US dollars (Claude Code's estimate).</param>
/// <param name="Sessions">Distinct sessions with usage, plus the session starts counted by points that name no session.</param>
/// <param name="ActiveSeconds"><c>claude_code.active_time.total</c>; null for a model's row (the metric names no model).</param>
public sealed record UsageTotals(
    long InputTokens, long OutputTokens, long CacheReadTokens, long CacheCreationTokens, double CostUsd, long Sessions, double? ActiveSeconds)
{
    /// <summary>All four kinds of tokens.</summary>
    public long Tokens => InputTokens + OutputTokens + CacheReadTokens + CacheCreationTokens;

    /// <summary>Nothing counted.</summary>
    public static UsageTotals Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>One group of a usage report.</summary>
/// <param name="Key">The day (<c>yyyy-MM-dd</c>), the account id, or the model (<c>""</c> for points without one).</param>
/// <param name="Usage">What was counted in it.</param>
public sealed record UsageRow(string Key, UsageTotals Usage);

/// <summary>A usage report: the totals of the whole range and one row per group.</summary>
/// <param name="Totals">The whole range (sessions counted once however many groups they fall in).</param>
/// <param name="Rows">The groups: days in order; accounts and models by cost, largest first.</param>
/// <param name="Truncated">True when there were more groups than <see cref="UsageQuery.MaxRows"/>.</param>
public sealed record UsageReport(UsageTotals Totals, IReadOnlyList<UsageRow> Rows, bool Truncated);
