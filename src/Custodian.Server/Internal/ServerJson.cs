using System.Text.Json;
using System.Text.Json.Serialization;

namespace Custodian.Server.Internal;

// The JSON bodies the API answers with, one record per shape. The serializer's metadata for them is generated at build
// time (ServerJson below), so they serialize without reflection in the native build. Names come from the web
// defaults' camelCase policy and order from the declaration: the bytes are those the anonymous objects gave before.

/// <summary><c>GET /healthz</c>.</summary>
internal sealed record HealthView(string Status, string Store, bool StoreReachable);

/// <summary><c>GET /v1/config</c>.</summary>
internal sealed record ConfigView(double FeedbackSurveyRate);

/// <summary><c>POST /v1/sessions/{id}/events</c> under zero data retention: acknowledged, never persisted (RET-3).</summary>
internal sealed record AppendRefusedView(int Stored, int Refused, string Reason, string Rule);

/// <summary><c>POST /v1/sessions/{id}/events</c>, stored with the capture-time policy (RET-6, TRN-3).</summary>
internal sealed record AppendStoredView(int Stored, int Refused, string Retention, string RetentionRule, DateTimeOffset ExpiresAt, bool TrainingEligible);

/// <summary><c>GET /v1/sessions</c>.</summary>
internal sealed record SessionListView(IReadOnlyList<SessionListItem> Sessions);

/// <summary>One session of <see cref="SessionListView"/>.</summary>
internal sealed record SessionListItem(
    string Id, string? Repository, DateTimeOffset FirstCapturedAt, DateTimeOffset LastActivity, long Events, long Size, DateTimeOffset ExpiresAt);

/// <summary><c>GET</c>/<c>PUT /v1/me/privacy</c>, and what the privacy page shows.</summary>
internal sealed record PrivacyView(
    bool AllowModelImprovement, DateTimeOffset Since, string Plan, string Category, string SessionRetention, string SessionRetentionRule,
    bool TrainingEligible, string TrainingRule, string AppliesTo);

/// <summary><c>GET</c>/<c>PUT /v1/orgs/{id}/policy</c>, and what the admin page shows.</summary>
internal sealed record OrgPolicyView(
    string Id, string Plan, bool DevelopmentPartnerProgram, bool ProductFeedbackDisabled, bool ZeroDataRetention,
    bool DevelopmentPartnerProgramAvailable, bool ZeroDataRetentionAvailable);

/// <summary><c>POST /v1/survey/ratings</c>.</summary>
internal sealed record RatingRecordedView(bool Recorded, bool TrainingEligible, string Rule);

/// <summary><c>GET /v1/survey/ratings</c> (OTL-4, OTL-7).</summary>
internal sealed record RatingListView(IReadOnlyList<RatingItem> Ratings, bool Truncated);

/// <summary>One rating of <see cref="RatingListView"/>; <c>source</c> is <c>api</c> or <c>otel</c>.</summary>
internal sealed record RatingItem(string AccountId, string SessionId, string AppearanceId, int Rating, string Source, bool EnabledViaOverride, DateTimeOffset At);

/// <summary><c>POST /v1/feedback</c>.</summary>
internal sealed record FeedbackStoredView(string Id, string Kind, string Retention, string RetentionRule, DateTimeOffset ExpiresAt, bool TrainingEligible);

/// <summary><c>GET /v1/audit</c>.</summary>
internal sealed record AuditView(bool Intact, string? Problem, string? Head, IReadOnlyList<AuditEntryView> Entries);

/// <summary>One entry of <see cref="AuditView"/>.</summary>
internal sealed record AuditEntryView(
    long Seq, DateTimeOffset At, string Actor, string Action, string Target, string Details, string PreviousHash, string Hash);

/// <summary><c>GET /v1/usage</c> (OTL-7, CUS-80).</summary>
/// <param name="From">The first UTC day counted.</param>
/// <param name="To">The last UTC day counted (inclusive).</param>
/// <param name="By"><c>day</c>, <c>user</c> or <c>model</c>.</param>
/// <param name="Scope">Whose telemetry: <c>own</c>, <c>organization</c> or <c>all</c>.</param>
/// <param name="Organization">The organization, when the scope is one.</param>
/// <param name="Totals">The whole range.</param>
/// <param name="Rows">One per day, account or model.</param>
/// <param name="Truncated">More accounts or models than the answer holds (the largest by cost are kept).</param>
internal sealed record UsageView(
    string From, string To, string By, string Scope, string? Organization, UsageAmountsView Totals, IReadOnlyList<UsageRowView> Rows, bool Truncated);

/// <summary>The totals of <see cref="UsageView"/>.</summary>
internal sealed record UsageAmountsView(
    long InputTokens, long OutputTokens, long CacheReadTokens, long CacheCreationTokens, long Tokens, double CostUsd, long Sessions, double? ActiveSeconds);

/// <summary>One row of <see cref="UsageView"/>; <c>activeSeconds</c> is null by model (active time names no model).</summary>
internal sealed record UsageRowView(
    string Key, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheCreationTokens, long Tokens, double CostUsd, long Sessions,
    double? ActiveSeconds);

/// <summary>The serializer metadata of the API's JSON, generated at build time (no reflection, native AOT).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(ConfigView))]
[JsonSerializable(typeof(AppendRefusedView))]
[JsonSerializable(typeof(AppendStoredView))]
[JsonSerializable(typeof(SessionListView))]
[JsonSerializable(typeof(PrivacyView))]
[JsonSerializable(typeof(OrgPolicyView))]
[JsonSerializable(typeof(RatingRecordedView))]
[JsonSerializable(typeof(RatingListView))]
[JsonSerializable(typeof(FeedbackStoredView))]
[JsonSerializable(typeof(AuditView))]
[JsonSerializable(typeof(UsageView))]
[JsonSerializable(typeof(string))]
internal sealed partial class ServerJson : JsonSerializerContext;
