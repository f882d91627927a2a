using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Otlp;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MediaType = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace Custodian.Server.Internal;

/// <summary>
/// The organization's own OpenTelemetry collector (OTL-1..7): <c>POST /v1/logs</c> and <c>POST /v1/metrics</c> per
/// OTLP/HTTP, and <c>GET /v1/sessions/{id}/telemetry</c>. A fleet is pointed here with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT=&lt;server&gt;</c> and <c>OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer &lt;key&gt;</c>.
/// </summary>
internal static class OtlpEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/logs", (HttpContext http, TelemetryIngestion ingestion, ServerOptions options) => ExportAsync(http, ingestion, options, OtlpSignal.Logs));
        api.MapPost("/metrics", (HttpContext http, TelemetryIngestion ingestion, ServerOptions options) => ExportAsync(http, ingestion, options, OtlpSignal.Metrics));
        api.MapGet("/sessions/{id}/telemetry", ReadAsync);
    }

    private static async Task<IResult> ExportAsync(HttpContext http, TelemetryIngestion ingestion, ServerOptions options, OtlpSignal signal)
    {
        var caller = Caller.Of(http);
        if (BodyLimits.MediaTypeProblem(http.Request.ContentType, BodyKind.Otlp) is { } unsupported) return unsupported;
        var encoding = MediaType.TryParse(http.Request.ContentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            ? OtlpEncoding.Json
            : OtlpEncoding.Protobuf;
        var contentEncoding = http.Request.Headers.ContentEncoding.ToString().Trim();
        var gzip = contentEncoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || contentEncoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && contentEncoding.Length > 0 && !contentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type",
                $"Content-Encoding {contentEncoding}: not accepted here; send gzip or no Content-Encoding");
        }

        var (body, refused) = await BodyLimits.ReadAsync(http, BodyKind.Otlp);
        if (refused is not null) return refused;
        using (body)
        {
            var payload = body!.Memory;
            if (gzip)
            {
                // The size limit holds after decompression too (OTLP/HTTP), and so does the memory budget.
                var limit = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? options.MaxRequestBodyBytes;
                var decompressed = OtlpCompression.Gunzip(payload, limit);
                if (decompressed.Problem is { } problem) return Refuse(problem);
                if (BodyLimits.Reserve(http, decompressed.Data.Length * (long)BodyLimits.EventsCostPerByte) is { } busy) return busy;
                payload = decompressed.Data;
            }

            if (encoding == OtlpEncoding.Json)
            {
                if (BodyLimits.Utf8Problem(payload.Span) is { } bad) return Problems.BadRequest(bad);
                // One leading byte order mark is skipped, as for every JSON body (CUS-36).
                if (payload.Span.StartsWith("\uFEFF"u8)) payload = payload[3..];
            }

            var (stored, invalid) = ingestion.Start(caller, signal, payload.Span, encoding, http.RequestAborted);
            if (invalid is not null) return Refuse(invalid);
            var outcome = await stored!;
            if (outcome.Status != IngestStatus.Stored)
            {
                if (outcome.Status != IngestStatus.ShuttingDown) http.Response.Headers.RetryAfter = TelemetryIngestion.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                    TelemetryIngestion.Unavailable(outcome.Status, options.MaxQueuedTelemetryRecords), "OTL-6");
            }

            // Acknowledged only now, after the commit (OTL-6), in the request's own encoding.
            return Results.Bytes(OtlpResponses.Encode(signal, encoding, outcome.Rejected, outcome.Message), OtlpResponses.MediaType(encoding));
        }
    }

    private static IResult Refuse(OtlpProblem problem) => problem.Kind == OtlpProblemKind.TooLarge
        ? Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Content Too Large", problem.Message, "CUS-73")
        : Problems.Problem(StatusCodes.Status400BadRequest, "Bad request", "not a valid OTLP export request: " + problem.Message, "OTL-6");

    /// <summary>
    /// <c>GET /v1/sessions/{id}/telemetry</c> (OTL-7): a user reads their own records of the session, an org admin
    /// those of their organization's accounts, an operator everyone's; whoever has none of them gets 404 (CUS-17), audited
    /// as a refusal (CUS-38). A read of other accounts' telemetry is audited as <c>session.telemetry.read</c> (ACC-2).
    /// </summary>
    private static async Task<IResult> ReadAsync(string id, HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        var audience = caller.Audience;
        var now = time.GetUtcNow();
        var records = SessionEndpoints.IsValidId(id) ? await store.GetSessionTelemetryAsync(id, audience, now, http.RequestAborted) : [];
        if (records.Count == 0)
        {
            await refusals.RefusedAsync(caller.Id, "session.telemetry.read.denied", id, "no telemetry of this session the caller may read");
            return Problems.NotFound($"no session {id}");
        }

        var others = records.Select(r => r.AccountId).Where(a => a != caller.Id).Distinct(StringComparer.Ordinal).Count();
        if (others > 0)
        {
            await store.AppendAuditAsync(caller.Id, "session.telemetry.read", id,
                string.Create(CultureInfo.InvariantCulture, $"role={RoleName(caller.Account.Role)} otherAccounts={others} records={records.Count}"), now, http.RequestAborted);
        }

        var json = new StringBuilder();
        json.Append("{\"sessionId\":").Append(JsonSerializer.Serialize(id, ServerJson.Default.String)).Append(",\"events\":[");
        Append(json, records, TelemetryKind.Event);
        json.Append("],\"metrics\":[");
        Append(json, records, TelemetryKind.Metric);
        json.Append("]}");
        return Results.Text(json.ToString(), "application/json", Encoding.UTF8);
    }

    /// <summary>Each stored payload (an object) with whose it is and its capture-time retention in front.</summary>
    private static void Append(StringBuilder json, IReadOnlyList<StoredTelemetry> records, TelemetryKind kind)
    {
        var first = true;
        foreach (var r in records)
        {
            if (r.Kind != kind) continue;
            if (!first) json.Append(',');
            first = false;
            json.Append("{\"accountId\":").Append(JsonSerializer.Serialize(r.AccountId, ServerJson.Default.String))
                .Append(",\"capturedAt\":\"").Append(r.CapturedAt.ToString("O", CultureInfo.InvariantCulture))
                .Append("\",\"expiresAt\":\"").Append(r.ExpiresAt.ToString("O", CultureInfo.InvariantCulture)).Append("\",")
                .Append(r.Payload, 1, r.Payload.Length - 1);
        }
    }

    internal static string RoleName(Role role) => role switch
    {
        Role.Operator => "operator",
        Role.OrgAdmin => "org-admin",
        _ => "user",
    };
}
