using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Custodian.Server.Internal;

/// <summary>
/// The named schemas of the OpenAPI document (CUS-42). The handlers build their JSON by hand or from anonymous
/// objects, so the generator cannot infer these; they are written here to match what the handlers write, and
/// <c>ServerSuite.OpenApi</c> checks real responses against the document.
/// </summary>
internal static class OpenApiDocumentSchemas
{
    public const string Problem = "Problem";

    /// <summary>Every schema by its component name, built afresh for each document so no two documents share a node.</summary>
    public static Dictionary<string, OpenApiSchema> Create() => new(StringComparer.Ordinal)
    {
        [Problem] = Obj("An RFC 9457 problem. `rule` names the spec or CUS rule that decided, where one did.",
            ["status", "title"],
            ("type", Str()), ("title", Str()), ("status", Int()), ("detail", Str()), ("instance", Str()), ("rule", Str()), ("traceId", Str())),
        ["Event"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One session event: any JSON object, stored as sent.",
        },
        ["EventsStored"] = Obj("The events were stored with the policy in force at capture (RET-6, TRN-3).",
            ["stored", "refused", "retention", "retentionRule", "expiresAt", "trainingEligible"],
            ("stored", Int()), ("refused", Int()), ("retention", Str(description: "ISO 8601 period, e.g. P30D")), ("retentionRule", Str()),
            ("expiresAt", DateTime()), ("trainingEligible", Bool())),
        ["EventsNotStored"] = Obj("Zero data retention: acknowledged, nothing persisted (RET-3).",
            ["stored", "refused", "reason", "rule"],
            ("stored", Int()), ("refused", Int()), ("reason", Str()), ("rule", Str())),
        ["SessionList"] = Obj("The caller's own sessions.", ["sessions"],
            ("sessions", Arr(Obj(null, ["id", "firstCapturedAt", "lastActivity", "events", "size", "expiresAt"],
                ("id", Str()), ("repository", NullableStr()), ("firstCapturedAt", DateTime()), ("lastActivity", DateTime()),
                ("events", Int()), ("size", Int("bytes stored")), ("expiresAt", DateTime()))))),
        ["Session"] = Obj("One of the caller's sessions with its unexpired events.", ["id", "repository", "events"],
            ("id", Str()), ("repository", NullableStr()),
            ("events", Arr(Obj(null, ["seq", "capturedAt", "expiresAt", "trainingEligible", "event"],
                ("seq", Int()), ("capturedAt", DateTime()), ("expiresAt", DateTime()), ("trainingEligible", Bool()), ("event", Ref("Event")))))),
        ["RatingRequest"] = Obj("A survey rating; it carries no content (SRV-1). Other fields are refused.", ["sessionId", "appearanceId", "rating"],
            ("sessionId", Str()), ("appearanceId", Str()), ("rating", new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Description = "0 dismiss, 1 bad, 2 fine, 3 good",
                Enum = [JsonValue.Create(0), JsonValue.Create(1), JsonValue.Create(2), JsonValue.Create(3)],
            })),
        ["RatingRecorded"] = Obj("The rating was recorded; ratings are never training data (TRN-4).", ["recorded", "trainingEligible", "rule"],
            ("recorded", Bool()), ("trainingEligible", Bool()), ("rule", Str())),
        ["RatingList"] = Obj("Survey ratings the caller may read (OTL-7); none carries content (SRV-1).", ["ratings", "truncated"],
            ("ratings", Arr(Obj(null, ["accountId", "sessionId", "appearanceId", "rating", "source", "enabledViaOverride", "at"],
                ("accountId", Str()), ("sessionId", Str()), ("appearanceId", Str()), ("rating", Int("0 dismiss, 1 bad, 2 fine, 3 good")),
                ("source", Str(description: "api (POST /v1/survey/ratings) or otel (a feedback_survey record, OTL-4)")),
                ("enabledViaOverride", Bool()), ("at", DateTime())))),
            ("truncated", Bool())),
        ["Bundle"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "binary",
            Description = "A gzip-compressed tar whose first entry is manifest.json with sessionIds (INTERFACES, \"Feedback bundle\").",
        },
        ["BundleStored"] = Obj("The bundle was stored with its own retention.", ["id", "kind", "retention", "retentionRule", "expiresAt", "trainingEligible"],
            ("id", Str()), ("kind", Str()), ("retention", Str()), ("retentionRule", Str()), ("expiresAt", DateTime()), ("trainingEligible", Bool())),
        ["Privacy"] = Obj("The caller's consent and what applies to data captured now.",
            ["allowModelImprovement", "since", "plan", "category", "sessionRetention", "sessionRetentionRule", "trainingEligible", "trainingRule", "appliesTo"],
            ("allowModelImprovement", Bool()), ("since", DateTime()), ("plan", Str()), ("category", Str()), ("sessionRetention", Str()),
            ("sessionRetentionRule", Str()), ("trainingEligible", Bool()), ("trainingRule", Str()), ("appliesTo", Str())),
        ["PrivacyUpdate"] = Obj("The only field a privacy update carries.", ["allowModelImprovement"], ("allowModelImprovement", Bool())),
        ["OrgPolicy"] = Obj("An organization's policy and what its plan allows.",
            ["id", "plan", "developmentPartnerProgram", "productFeedbackDisabled", "zeroDataRetention", "developmentPartnerProgramAvailable", "zeroDataRetentionAvailable"],
            ("id", Str()), ("plan", Str()), ("developmentPartnerProgram", Bool()), ("productFeedbackDisabled", Bool()), ("zeroDataRetention", Bool()),
            ("developmentPartnerProgramAvailable", Bool()), ("zeroDataRetentionAvailable", Bool())),
        ["OrgPolicyUpdate"] = Obj("The flags to change; absent ones keep their value. ZDR is an operator's (RET-3), DPP and feedback an org admin's (DPP-1).", [],
            ("developmentPartnerProgram", Bool()), ("productFeedbackDisabled", Bool()), ("zeroDataRetention", Bool())),
        ["TrainingRecord"] = Obj("One line of the training export (TRN-3).", ["kind", "accountId", "sessionId", "capturedAt", "data"],
            ("kind", Str()), ("accountId", Str()), ("sessionId", NullableStr()), ("capturedAt", DateTime()), ("data", new OpenApiSchema())),
        ["AuditLog"] = Obj("The audit log with its hash chain and whether it verifies.", ["intact", "problem", "head", "entries"],
            ("intact", Bool()), ("problem", NullableStr()), ("head", NullableStr()),
            ("entries", Arr(Obj(null, ["seq", "at", "actor", "action", "target", "details", "previousHash", "hash"],
                ("seq", Int()), ("at", DateTime()), ("actor", Str()), ("action", Str()), ("target", Str()), ("details", Str()),
                ("previousHash", Str()), ("hash", Str()))))),
        ["Health"] = Obj("Liveness and whether the store answers.", ["status", "store", "storeReachable"],
            ("status", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("ok"), JsonValue.Create("degraded")] }),
            ("store", Str()), ("storeReachable", Bool())),
        ["OtlpProtobuf"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "binary",
            Description = "A binary protobuf message of opentelemetry-proto (collector/logs/v1 or collector/metrics/v1).",
        },
        ["OtlpLogsRequest"] = Obj("An ExportLogsServiceRequest in OTLP/JSON: lowerCamelCase keys, hex trace and span ids, 64-bit integers as numbers or strings.", [],
            ("resourceLogs", Arr(new OpenApiSchema { Type = JsonSchemaType.Object }))),
        ["OtlpMetricsRequest"] = Obj("An ExportMetricsServiceRequest in OTLP/JSON.", [],
            ("resourceMetrics", Arr(new OpenApiSchema { Type = JsonSchemaType.Object }))),
        ["OtlpExportResponse"] = Obj("`{}` when everything was stored, else the partial success (the client must not retry it).", [],
            ("partialSuccess", Obj(null, ["errorMessage"],
                ("rejectedLogRecords", Str(description: "int64 as a decimal string")), ("rejectedDataPoints", Str(description: "int64 as a decimal string")),
                ("errorMessage", Str())))),
        ["SessionTelemetry"] = Obj("A session's telemetry as stored: redacted, and under ZDR without content (OTL-3).", ["sessionId", "events", "metrics"],
            ("sessionId", Str()),
            ("events", Arr(Obj(null, ["accountId", "capturedAt", "expiresAt", "name", "time", "attributes", "resource"],
                ("accountId", Str()), ("capturedAt", DateTime()), ("expiresAt", DateTime()), ("name", Str()), ("time", DateTime()),
                ("severityNumber", Int()), ("severityText", Str()), ("body", new OpenApiSchema()), ("traceId", Str()), ("spanId", Str()),
                ("attributes", new OpenApiSchema { Type = JsonSchemaType.Object }), ("resource", new OpenApiSchema { Type = JsonSchemaType.Object }),
                ("scope", new OpenApiSchema { Type = JsonSchemaType.Object })))),
            ("metrics", Arr(Obj(null, ["accountId", "capturedAt", "expiresAt", "name", "time", "kind", "value", "attributes", "resource"],
                ("accountId", Str()), ("capturedAt", DateTime()), ("expiresAt", DateTime()), ("name", Str()), ("time", DateTime()), ("startTime", DateTime()),
                ("kind", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("sum"), JsonValue.Create("gauge")] }),
                ("unit", Str()), ("temporality", Str()), ("monotonic", Bool()),
                ("value", new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.String | JsonSchemaType.Null }),
                ("attributes", new OpenApiSchema { Type = JsonSchemaType.Object }), ("resource", new OpenApiSchema { Type = JsonSchemaType.Object }),
                ("scope", new OpenApiSchema { Type = JsonSchemaType.Object }))))),
        ["Usage"] = Obj("Usage counted from Claude Code's metrics (CUS-81): delta points summed, cumulative ones by their increase per series; never expired rows (RET-7).",
            ["from", "to", "by", "scope", "organization", "totals", "rows", "truncated"],
            ("from", Str("date")), ("to", Str("date", "inclusive")),
            ("by", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("day"), JsonValue.Create("user"), JsonValue.Create("model")] }),
            ("scope", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("own"), JsonValue.Create("organization"), JsonValue.Create("all")] }),
            ("organization", NullableStr()),
            ("totals", UsageAmounts(null, [])),
            ("rows", Arr(UsageAmounts("`key`: the UTC day yyyy-MM-dd, the account id, or the model (\"\" without one).", [("key", Str())]))),
            ("truncated", Bool())),
        ["Config"] = Obj("Published client configuration (SRV-2).", ["feedbackSurveyRate"], ("feedbackSurveyRate", new OpenApiSchema { Type = JsonSchemaType.Number })),
    };

    /// <summary>A reference to a named schema, resolved in <paramref name="document"/> when there is one.</summary>
    public static IOpenApiSchema Ref(string name, OpenApiDocument? document = null) => new OpenApiSchemaReference(name, document);

    private static OpenApiSchema Obj(string? description, string[] required, params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Required = new HashSet<string>(required, StringComparer.Ordinal),
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema, StringComparer.Ordinal),
    };

    /// <summary>The amounts of a usage total or row, after <paramref name="first"/>.</summary>
    private static OpenApiSchema UsageAmounts(string? description, (string Name, IOpenApiSchema Schema)[] first)
    {
        (string Name, IOpenApiSchema Schema)[] amounts =
        [
            .. first,
            ("inputTokens", Int()), ("outputTokens", Int()), ("cacheReadTokens", Int()), ("cacheCreationTokens", Int()), ("tokens", Int("all four kinds")),
            ("costUsd", new OpenApiSchema { Type = JsonSchemaType.Number, Description = "US dollars, Claude Code's estimate" }),
            ("sessions", Int()),
            ("activeSeconds", new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Null, Description = "null by model: active time names no model" }),
        ];
        return Obj(description, [.. amounts.Select(a => a.Name)], amounts);
    }

    private static OpenApiSchema Str(string? format = null, string? description = null) =>
        new() { Type = JsonSchemaType.String, Format = format, Description = description };

    private static OpenApiSchema NullableStr() => new() { Type = JsonSchemaType.String | JsonSchemaType.Null };

    private static OpenApiSchema DateTime() => Str("date-time");

    private static OpenApiSchema Int(string? description = null) => new() { Type = JsonSchemaType.Integer, Format = "int64", Description = description };

    private static OpenApiSchema Bool() => new() { Type = JsonSchemaType.Boolean };

    private static OpenApiSchema Arr(IOpenApiSchema items) => new() { Type = JsonSchemaType.Array, Items = items };
}
