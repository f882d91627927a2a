using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Internal;

/// <summary><c>/v1/survey/ratings</c> (SRV-1) and <c>/v1/feedback</c> (FBK, SHR): ratings without content, bundles with their own retention.</summary>
internal static class FeedbackEndpoints
{
    /// <summary>The header naming a bundle's kind.</summary>
    public const string KindHeader = "Custodian-Bundle-Kind";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/survey/ratings", RateAsync);
        api.MapPost("/feedback", FeedbackAsync);
    }

    private static async Task<IResult> RateAsync(HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        var (body, tooLarge) = await CustodianServer.ReadBodyAsync(http);
        if (tooLarge is not null) return tooLarge;
        string sessionId, appearanceId;
        int rating;
        try
        {
            using var doc = JsonDocument.Parse(body!);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Problems.BadRequest("expected a JSON object {sessionId, appearanceId, rating}");
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("sessionId" or "appearanceId" or "rating"))
                    return Problems.BadRequest($"{property.Name}: unknown field; a rating carries only sessionId, appearanceId and rating (SRV-1)");
            }

            if (!root.TryGetProperty("sessionId", out var s) || s.ValueKind != JsonValueKind.String || !SessionEndpoints.IsValidId(s.GetString()!))
                return Problems.BadRequest("sessionId: required, a session id string");
            if (!root.TryGetProperty("appearanceId", out var a) || a.ValueKind != JsonValueKind.String || a.GetString()!.Length is 0 or > 128)
                return Problems.BadRequest("appearanceId: required, a string of at most 128 characters");
            if (!root.TryGetProperty("rating", out var r) || r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out rating) || rating is < 0 or > 3)
                return Problems.BadRequest("rating: required, 0 (dismiss), 1 (bad), 2 (fine) or 3 (good)");
            sessionId = s.GetString()!;
            appearanceId = a.GetString()!;
        }
        catch (JsonException e)
        {
            return Problems.BadRequest("invalid JSON: " + e.Message.Split(" Path:", 2)[0]);
        }

        var decisions = await caller.DecisionsAsync(store, http.RequestAborted);
        if (!decisions.Survey.Enabled.Value)
            return Problems.Forbidden("the survey is disabled for this account: " + decisions.Survey.Enabled.Because, decisions.Survey.Enabled.Rule);

        // A rating may name a session the server never stored (most clients upload none), but not another account's
        // stored session: that is refused like every other use of someone else's session (ACC-2, CUS-39).
        if (await store.GetSessionOwnerAsync(sessionId, http.RequestAborted) is { } owner && owner.AccountId != caller.Id)
        {
            await refusals.RefusedAsync(caller.Id, "rating.denied", sessionId, SessionEndpoints.ForeignSession);
            return Problems.NotFound($"no session {sessionId}");
        }

        // Ratings carry no content, so they are kept even under ZDR: as long as session data would be, at least 30 days.
        var now = time.GetUtcNow();
        var period = decisions.ServerRetention.SessionData.Value.IsZero ? RetentionPeriod.ThirtyDays : decisions.ServerRetention.SessionData.Value;
        await store.AddRatingAsync(new Rating(caller.Id, sessionId, appearanceId, rating, now), period.ExpiryFor(now), http.RequestAborted);
        return Results.Json(new { recorded = true, trainingEligible = false, rule = "TRN-4" }, statusCode: 201);
    }

    private static async Task<IResult> FeedbackAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = Caller.Of(http);
        var kindText = http.Request.Headers[KindHeader].ToString();
        FeedbackKind kind;
        switch (kindText)
        {
            case "feedback": kind = FeedbackKind.Feedback; break;
            case "transcript-share": kind = FeedbackKind.TranscriptShare; break;
            default: return Problems.BadRequest($"{KindHeader}: required, 'feedback' or 'transcript-share'");
        }

        var decisions = await caller.DecisionsAsync(store, http.RequestAborted);
        if (kind == FeedbackKind.Feedback && !decisions.FeedbackCommand.Enabled.Value)
            return Problems.Forbidden("/feedback is disabled for this account: " + decisions.FeedbackCommand.Enabled.Because, decisions.FeedbackCommand.Enabled.Rule);
        if (kind == FeedbackKind.TranscriptShare && !decisions.TranscriptShare.Offered.Value)
            return Problems.Forbidden("transcript sharing is disabled for this account: " + decisions.TranscriptShare.Offered.Because, decisions.TranscriptShare.Offered.Rule);

        var (body, tooLarge) = await CustodianServer.ReadBodyAsync(http);
        if (tooLarge is not null) return tooLarge;
        var (sessions, error) = ReadManifestSessions(body!);
        if (error is not null) return Problems.BadRequest(error);

        var now = time.GetUtcNow();
        var retention = kind == FeedbackKind.Feedback ? decisions.ServerRetention.Feedback : decisions.ServerRetention.SharedTranscripts;
        var training = kind == FeedbackKind.Feedback && decisions.Training.Feedback.Value;
        var id = Guid.CreateVersion7(now).ToString("N");
        var record = new FeedbackRecord(id, caller.Id, kind, sessions!, body!.Length, now, retention.Value.ExpiryFor(now), training);
        await store.AddFeedbackAsync(record, body, http.RequestAborted);
        return Results.Json(new
        {
            id,
            kind = kindText,
            retention = retention.Value.ToString(),
            retentionRule = retention.Rule,
            expiresAt = record.ExpiresAt,
            trainingEligible = training,
        }, statusCode: 201);
    }

    /// <summary>The session ids of a bundle's <c>manifest.json</c>, which must be its first entry.</summary>
    internal static (List<string>? Sessions, string? Error) ReadManifestSessions(byte[] bundle)
    {
        if (bundle.Length < 2 || bundle[0] != 0x1f || bundle[1] != 0x8b) return (null, "the body is not a gzip-compressed tar bundle");
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bundle), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            var first = tar.GetNextEntry();
            if (first is null || first.Name != "manifest.json" || first.DataStream is null)
                return (null, "the bundle's first entry must be manifest.json");
            using var doc = JsonDocument.Parse(first.DataStream);
            if (!doc.RootElement.TryGetProperty("sessionIds", out var ids) || ids.ValueKind != JsonValueKind.Array)
                return (null, "manifest.json: sessionIds: required, an array of session ids");
            var sessions = new List<string>();
            foreach (var item in ids.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !SessionEndpoints.IsValidId(item.GetString()!))
                    return (null, "manifest.json: sessionIds: every item must be a session id string");
                sessions.Add(item.GetString()!);
            }

            return (sessions, null);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or FormatException or EndOfStreamException)
        {
            return (null, "the bundle cannot be read: " + e.Message);
        }
    }
}
