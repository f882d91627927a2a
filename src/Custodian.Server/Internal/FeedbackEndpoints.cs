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
        api.MapGet("/survey/ratings", ListRatingsAsync);
        api.MapPost("/feedback", FeedbackAsync);
    }

    private static async Task<IResult> RateAsync(HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        var (body, refused) = await BodyLimits.ReadAsync(http, BodyKind.Json);
        if (refused is not null) return refused;
        using var _ = body;
        string sessionId, appearanceId;
        int rating;
        try
        {
            using var doc = JsonDocument.Parse(body!.Memory);
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
        catch (InvalidOperationException)
        {
            // Thrown when a name or string is read: the JSON is well-formed, its text is not (CUS-36).
            return Problems.BadRequest(BodyLimits.LoneSurrogate);
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
        return Results.Json(new RatingRecordedView(true, false, "TRN-4"), ServerJson.Default.RatingRecordedView, statusCode: 201);
    }

    /// <summary>The most ratings one read answers with; <c>limit</c> asks for fewer.</summary>
    public const int MaxRatingsPerRead = 10_000;

    /// <summary>
    /// <c>GET /v1/survey/ratings</c> (OTL-7): a user's own ratings, an org admin's organization's, an operator's all; those
    /// posted here and those from <c>feedback_survey</c> telemetry (OTL-4), oldest first. A read that includes other
    /// accounts' ratings is audited as <c>survey.ratings.read</c> (ACC-2).
    /// </summary>
    private static async Task<IResult> ListRatingsAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = Caller.Of(http);
        var limit = 1000;
        foreach (var (name, values) in http.Request.Query)
        {
            if (name != "limit") return Problems.BadRequest($"{name}: unknown query parameter; GET /v1/survey/ratings takes only limit");
            if (values.Count != 1 || !int.TryParse(values[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit)
                || limit is < 1 or > MaxRatingsPerRead)
                return Problems.BadRequest($"limit: a whole number from 1 to {MaxRatingsPerRead}");
        }

        var now = time.GetUtcNow();
        var page = await store.ListRatingsAsync(caller.Audience, now, limit, http.RequestAborted);
        var others = page.Ratings.Select(r => r.AccountId).Where(a => a != caller.Id).Distinct(StringComparer.Ordinal).Count();
        if (others > 0)
        {
            await store.AppendAuditAsync(caller.Id, "survey.ratings.read", caller.Audience.OrgId ?? "*",
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"otherAccounts={others} ratings={page.Ratings.Count}"), now, http.RequestAborted);
        }

        var items = page.Ratings.Select(r => new RatingItem(
            r.AccountId, r.SessionId, r.AppearanceId, r.Value, r.Source == RatingSource.Otel ? "otel" : "api", r.EnabledViaOverride, r.RecordedAt)).ToList();
        return Results.Json(new RatingListView(items, page.Truncated), ServerJson.Default.RatingListView);
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

        var (read, refused) = await BodyLimits.ReadAsync(http, BodyKind.Bundle);
        if (refused is not null) return refused;
        var body = read!.ToExactArray();
        var (sessions, status, error) = BundleReader.Read(body);
        if (error is not null) return status == 413 ? Problems.Problem(413, "Content Too Large", error) : Problems.BadRequest(error);

        var now = time.GetUtcNow();
        var retention = kind == FeedbackKind.Feedback ? decisions.ServerRetention.Feedback : decisions.ServerRetention.SharedTranscripts;
        var training = kind == FeedbackKind.Feedback && decisions.Training.Feedback.Value;
        var id = Guid.CreateVersion7(now).ToString("N");
        var record = new FeedbackRecord(id, caller.Id, kind, sessions!, body!.Length, now, retention.Value.ExpiryFor(now), training);
        await store.AddFeedbackAsync(record, body, http.RequestAborted);
        return Results.Json(
            new FeedbackStoredView(id, kindText, retention.Value.ToString(), retention.Rule, record.ExpiresAt, training),
            ServerJson.Default.FeedbackStoredView, statusCode: 201);
    }
}
