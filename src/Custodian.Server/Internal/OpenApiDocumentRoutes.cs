namespace Custodian.Server.Internal;

/// <summary>A request body an operation takes: each media type with its schema (a component name).</summary>
internal sealed record ApiBody(string Description, IReadOnlyList<(string MediaType, string Schema)> Content);

/// <summary>A request header an operation reads.</summary>
internal sealed record ApiHeader(string Name, bool Required, string Description);

/// <summary>
/// One status an operation can answer, with its media type and schema (none for a response without content), and any
/// other media types it can answer in (an OTLP response comes in the request's encoding).
/// </summary>
internal sealed record ApiAnswer(
    int Status, string Description, string? MediaType = null, string? Schema = null, bool RetryAfter = false, (string MediaType, string Schema)[]? Alternatives = null);

/// <summary>One operation as the OpenAPI document describes it.</summary>
internal sealed record ApiRoute(
    string Method, string Path, string Summary, bool Bearer, ApiBody? Body, IReadOnlyList<ApiHeader> Headers, IReadOnlyList<ApiAnswer> Answers);

/// <summary>
/// What every route takes and answers (CUS-42), the source of the OpenAPI document's operations. A status is listed
/// when some request can get it from the handler, the bearer filter or the body reader; <c>ServerSuite.OpenApi</c>
/// sends real requests for every route and role and fails on any status or media type not listed here.
/// </summary>
internal static class OpenApiDocumentRoutes
{
    public const string ProblemJson = "application/problem+json";

    private const string Json = "application/json";

    private const string Ndjson = "application/x-ndjson";

    private static ApiAnswer Problem(int status, string description, bool retryAfter = false) =>
        new(status, description, ProblemJson, OpenApiDocumentSchemas.Problem, retryAfter);

    private static ApiAnswer Ok(int status, string description, string schema, string mediaType = Json) => new(status, description, mediaType, schema);

    private static readonly ApiAnswer Unauthorized =
        Problem(401, "No bearer key, or one the server does not accept; `WWW-Authenticate: Bearer` says which (CUS-40).");

    private static readonly ApiAnswer Internal = Problem(500, "An unexpected error; nothing was changed that the log does not hold. See the server log.");

    /// <summary>What every route that reads a body can also answer: the bounds of the request-body work (issue 13).</summary>
    private static readonly ApiAnswer[] BodyLimits =
    [
        Problem(413, "The body is larger than the server accepts (or, compressed, expands beyond its bound)."),
        Problem(415, "The Content-Type is not one this operation takes."),
        Problem(503, "The server is shutting down, or bodies in flight have used up its memory budget; retry after `Retry-After` seconds.", retryAfter: true),
    ];

    private static ApiBody JsonBody(string description, string schema) => new(description, [(Json, schema)]);

    /// <summary>Every operation of the HTTP API (INTERFACES.md), keyed by method and route pattern.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("POST", "/v1/sessions/{id}/events", "Append session events, stored with the policy in force now (RET-6, TRN-3)", true,
            new ApiBody("A JSON array of event objects, or NDJSON with one event object per line.", [(Json, "Event[]"), (Ndjson, "Event")]),
            [new(SessionEndpoints.RepositoryHeader, false, "The repository the session works in; a session keeps the first one it was given (ACC-1).")],
            [
                Ok(201, "Stored.", "EventsStored"),
                Ok(202, "Zero data retention: acknowledged, nothing stored (RET-3).", "EventsNotStored"),
                Problem(400, "An invalid session id, or a body that is not a JSON array of objects or NDJSON objects."),
                Unauthorized,
                Problem(403, "The session was started in another repository (ACC-1)."),
                Problem(404, "The session is another user's (CUS-17)."),
                .. BodyLimits,
                Internal,
            ]),
        Otlp("/v1/logs", "Logs", "log records"),
        Otlp("/v1/metrics", "Metrics", "data points"),
        new("GET", "/v1/sessions/{id}/telemetry", "A session's telemetry: the caller's own; an org admin's organization's; an operator's all (OTL-7)", true, null, [],
            [
                Ok(200, "The session's unexpired telemetry, events and metrics in time order.", "SessionTelemetry"),
                Unauthorized,
                Problem(404, "No telemetry of this session that the caller may read (CUS-17)."),
                Internal,
            ]),
        new("GET", "/v1/usage", "Tokens, cost, sessions and active time from telemetry, by day, user or model: the caller's own; an org admin's organization's; an operator's all (OTL-7, CUS-80)", true, null, [],
            [
                Ok(200, "The usage of the range: totals, and one row per UTC day (every day), account or model (CUS-81).", "Usage"),
                Problem(400, "A parameter that is not from, to or by, one given twice, a date that is not yyyy-MM-dd, from after to, more than 366 days, or an unknown grouping; `detail` names the parameter."),
                Unauthorized,
                Internal,
            ]),
        new("GET", "/v1/sessions", "The caller's own sessions", true, null, [],
            [Ok(200, "The sessions.", "SessionList"), Unauthorized, Internal]),
        new("GET", "/v1/sessions/{id}", "One of the caller's sessions with its events", true, null, [],
            [Ok(200, "The session.", "Session"), Unauthorized, Problem(404, "No such session of the caller's (CUS-17)."), Internal]),
        new("DELETE", "/v1/sessions/{id}", "Erase a session: events, ratings and every bundle naming it (DEL-1, DEL-2)", true, null, [],
            [new(204, "Erased."), Unauthorized, Problem(404, "No such session of the caller's (CUS-17)."), Internal]),
        new("POST", "/v1/survey/ratings", "Record a survey rating (SRV-1)", true, JsonBody("The rating.", "RatingRequest"), [],
            [
                Ok(201, "Recorded.", "RatingRecorded"),
                Problem(400, "Not a JSON object of sessionId, appearanceId and rating 0-3, or an unknown field."),
                Unauthorized,
                Problem(403, "The survey is disabled for this account; `rule` says why."),
                Problem(404, "The session id names another user's stored session (CUS-39)."),
                .. BodyLimits,
                Internal,
            ]),
        new("GET", "/v1/survey/ratings", "Survey ratings: the caller's own, an org admin's organization's, an operator's all; `?limit=1..10000` (OTL-4, OTL-7)", true, null, [],
            [
                Ok(200, "The ratings, oldest first, from the API and from feedback_survey telemetry.", "RatingList"),
                Problem(400, "An unknown query parameter, or a limit that is not 1 to 10000."),
                Unauthorized,
                Internal,
            ]),
        new("POST", "/v1/feedback", "Upload a /feedback bundle or a transcript share (FBK, SHR)", true,
            new ApiBody("The bundle.", [("application/gzip", "Bundle")]),
            [new(FeedbackEndpoints.KindHeader, true, "`feedback` or `transcript-share`.")],
            [
                Ok(201, "Stored.", "BundleStored"),
                Problem(400, "A missing or unknown bundle kind, or a body that is not a readable bundle with manifest.json first."),
                Unauthorized,
                Problem(403, "This kind of upload is disabled for this account; `rule` says why."),
                .. BodyLimits,
                Internal,
            ]),
        new("GET", "/v1/me/privacy", "The caller's consent and what applies to data captured now", true, null, [],
            [Ok(200, "The privacy view.", "Privacy"), Unauthorized, Internal]),
        new("PUT", "/v1/me/privacy", "Change the caller's consent; it applies to data captured afterwards (TRN-3)", true,
            JsonBody("The new consent.", "PrivacyUpdate"), [],
            [
                Ok(200, "The privacy view after the change.", "Privacy"),
                Problem(400, "Not a JSON object with a boolean allowModelImprovement, or an unknown field."),
                Unauthorized,
                .. BodyLimits,
                Internal,
            ]),
        new("GET", "/v1/orgs/{id}/policy", "An organization's policy (its admins and operators, ACC-2)", true, null, [],
            [
                Ok(200, "The policy.", "OrgPolicy"),
                Unauthorized,
                Problem(403, "Not an admin of this organization, nor an operator (ACC-2)."),
                Problem(404, "No such organization (operators only; others get 403)."),
                Internal,
            ]),
        new("PUT", "/v1/orgs/{id}/policy", "Change an organization's policy (DPP and feedback: its admins; ZDR: operators)", true,
            JsonBody("The flags to change.", "OrgPolicyUpdate"), [],
            [
                Ok(200, "The policy after the change.", "OrgPolicy"),
                Problem(400, "Not a JSON object of boolean flags, or an unknown field."),
                Unauthorized,
                Problem(403, "The caller may not change this organization or this flag (ACC-2, DPP-1, RET-3)."),
                Problem(404, "No such organization (operators only; others get 403)."),
                Problem(422, "The organization's plan does not allow this (DPP-2, RET-3)."),
                .. BodyLimits,
                Internal,
            ]),
        new("GET", "/v1/export/training", "The training export: eligible records only (TRN-3, TRN-4, DPP-3); operators only", true, null, [],
            [
                Ok(200, "One training record per line.", "TrainingRecord", Ndjson),
                Unauthorized,
                Problem(403, "Operators only (ACC-2)."),
                Internal,
            ]),
        new("GET", "/v1/audit", "The audit log with its hash chain; operators only", true, null, [],
            [Ok(200, "The log.", "AuditLog"), Unauthorized, Problem(403, "Operators only (ACC-2)."), Internal]),
        new("GET", "/v1/config", "Published client configuration; no key needed (SRV-2)", false, null, [],
            [Ok(200, "The configuration.", "Config"), Internal]),
        new("GET", "/healthz", "Liveness and store status; no key needed", false, null, [],
            [Ok(200, "The server and its store answer.", "Health"), Ok(503, "The store does not answer.", "Health")]),
    ];

    /// <summary>An OTLP/HTTP export route (OTL-1, OTL-6).</summary>
    private static ApiRoute Otlp(string path, string signal, string items) => new("POST", path,
        $"OTLP/HTTP export of {signal.ToLowerInvariant()} (Export{signal}ServiceRequest), protobuf or JSON, optionally gzip; stored with the policy applied (OTL-1..6)", true,
        new ApiBody($"An Export{signal}ServiceRequest; `Content-Encoding: gzip` allowed.", [("application/x-protobuf", "OtlpProtobuf"), (Json, $"Otlp{signal}Request")]),
        [new("Content-Encoding", false, "`gzip`, or none.")],
        [
            new(200, $"Stored once committed (OTL-6), answered in the request's encoding: empty, or a partial success counting the {items} not stored.",
                Json, "OtlpExportResponse", Alternatives: [("application/x-protobuf", "OtlpProtobuf")]),
            Problem(400, "Not a valid export request; `detail` names where and why (OTL-6). The exporter must not retry it."),
            Unauthorized,
            Problem(413, "The body, decompressed or not, or one of its counts or depths is beyond the server's bounds (CUS-73)."),
            Problem(415, "The Content-Type is not application/x-protobuf or application/json, or the Content-Encoding is not gzip."),
            Problem(503, "The telemetry writer is saturated, the store failed, bodies in flight used the memory budget, or the server is stopping; retry after `Retry-After` seconds (OTL-6).", retryAfter: true),
            Internal,
        ]);

    /// <summary>The route for a method and pattern, or null when the table does not describe it.</summary>
    public static ApiRoute? Find(string method, string path) =>
        All.FirstOrDefault(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase) && string.Equals(r.Path, path, StringComparison.Ordinal));
}
