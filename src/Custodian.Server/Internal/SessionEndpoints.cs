using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Internal;

/// <summary><c>/v1/sessions</c>: capture with the policy in force (RET-6, TRN-3), reads of one's own data, erasure (DEL-1).</summary>
internal static class SessionEndpoints
{
    /// <summary>The header naming the repository a remote session works in (ACC-1).</summary>
    public const string RepositoryHeader = "Custodian-Repository";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/sessions/{id}/events", AppendAsync);
        api.MapGet("/sessions", ListAsync);
        api.MapGet("/sessions/{id}", GetAsync);
        api.MapDelete("/sessions/{id}", DeleteAsync);
    }

    /// <summary>The longest session id (characters, all ASCII).</summary>
    internal const int MaxIdLength = 128;

    internal static bool IsValidId(string id)
    {
        // Called for every telemetry record (its session.id), so a loop rather than a LINQ predicate.
        if (id.Length is 0 or > MaxIdLength) return false;
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or ':')) return false;
        }

        return true;
    }

    private static async Task<IResult> AppendAsync(string id, HttpContext http, IngestionWriter writer, RefusalAudit refusals)
    {
        if (!IsValidId(id)) return Problems.BadRequest("session id must be 1-128 letters, digits, '-', '_', '.' or ':'");
        var caller = Caller.Of(http);
        var (body, refused) = await BodyLimits.ReadAsync(http, BodyKind.Events);
        if (refused is not null) return refused;
        List<string>? events;
        string? error;
        // The buffer goes back to the pool as soon as the events are parsed, before the commit is waited for.
        using (body) (events, error) = ParseEvents(body!.Memory);
        if (error is not null) return Problems.BadRequest(error);
        var repository = http.Request.Headers[RepositoryHeader].ToString() is { Length: > 0 } r ? r : null;

        // Ownership, repository, consent and org policy are all checked inside the group commit's transaction.
        var (outcome, decisions) = await writer.AppendAsync(new AppendRequest(caller.Id, id, repository, events!), http.RequestAborted);
        switch (outcome)
        {
            case null:
                return Problems.Problem(503, "Service Unavailable", "the server is shutting down; nothing was stored");
            case { Status: AppendStatus.Conflict }:
                if (outcome.OwnerAccountId != caller.Id)
                {
                    await refusals.RefusedAsync(caller.Id, "session.append.denied", id, ForeignSession);
                    return Problems.NotFound($"no session {id}");
                }

                await refusals.RefusedAsync(caller.Id, "session.repository.denied", id, $"repository={repository}");
                return Problems.Forbidden(
                    $"session {id} was started in repository '{outcome.BoundRepository}'; access to other repositories through it is refused", "ACC-1");
            case { Status: AppendStatus.NotStored } when decisions is null:
                return Problems.Unauthorized(); // the account is gone
            case { Status: AppendStatus.NotStored }:
                // Zero data retention: acknowledged, never persisted (RET-3).
                return Results.Json(new AppendRefusedView(0, events!.Count, "zero-data-retention", decisions.ServerRetention.SessionData.Rule),
                    ServerJson.Default.AppendRefusedView, statusCode: 202);
        }

        var retention = decisions!.ServerRetention.SessionData;
        var policy = outcome.Policy!;
        return Results.Json(
            new AppendStoredView(outcome.Stored, 0, retention.Value.ToString(), retention.Rule, policy.ExpiresAt, policy.TrainingEligible),
            ServerJson.Default.AppendStoredView, statusCode: 201);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var sessions = await store.ListSessionsAsync(Caller.Of(http).Id, time.GetUtcNow(), http.RequestAborted);
        var items = new SessionListItem[sessions.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var s = sessions[i];
            items[i] = new SessionListItem(s.Id, s.Repository, s.FirstCapturedAt, s.LastCapturedAt, s.Events, s.Bytes, s.ExpiresAt);
        }

        return Results.Json(new SessionListView(items), ServerJson.Default.SessionListView);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        var events = await store.GetSessionEventsAsync(caller.Id, id, time.GetUtcNow(), http.RequestAborted);
        var owner = await store.GetSessionOwnerAsync(id, http.RequestAborted);
        if (events is null)
        {
            await refusals.RefusedAsync(caller.Id, "session.read.denied", id, RefusalDetail(owner, caller));
            return Problems.NotFound($"no session {id}");
        }

        var json = new StringBuilder();
        json.Append("{\"id\":").Append(JsonSerializer.Serialize(id, ServerJson.Default.String))
            .Append(",\"repository\":").Append(owner?.Repository is { } repo ? JsonSerializer.Serialize(repo, ServerJson.Default.String) : "null")
            .Append(",\"events\":[");
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (i > 0) json.Append(',');
            json.Append("{\"seq\":").Append(e.Seq.ToString(CultureInfo.InvariantCulture))
                .Append(",\"capturedAt\":\"").Append(e.CapturedAt.ToString("O", CultureInfo.InvariantCulture))
                .Append("\",\"expiresAt\":\"").Append(e.ExpiresAt.ToString("O", CultureInfo.InvariantCulture))
                .Append("\",\"trainingEligible\":").Append(e.TrainingEligible ? "true" : "false")
                .Append(",\"event\":").Append(e.Json).Append('}');
        }

        json.Append("]}");
        return Results.Text(json.ToString(), "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals) =>
        await DeleteSessionAsync(Caller.Of(http), id, store, time, refusals, http.RequestAborted) ? Results.NoContent() : Problems.NotFound($"no session {id}");

    /// <summary>
    /// The one path that deletes a session (DEL-1), for the API and the web page alike: false when the caller has no
    /// such session and nothing of theirs names it. The deletion is audited (DEL-2), and so is the refusal (CUS-38).
    /// </summary>
    internal static async Task<bool> DeleteSessionAsync(
        Caller caller, string id, ICustodianStore store, TimeProvider time, RefusalAudit refusals, CancellationToken cancellationToken)
    {
        // Who, what and when, never the content (DEL-2), committed with the deletion itself.
        if (await store.DeleteSessionAsync(caller.Id, id,
                new AuditNote(caller.Id, "session.delete", id, "events, telemetry, ratings, shared transcripts and feedback bundles", time.GetUtcNow()), cancellationToken))
            return true;
        var owner = await store.GetSessionOwnerAsync(id, cancellationToken);
        await refusals.RefusedAsync(caller.Id, "session.delete.denied", id, RefusalDetail(owner, caller));
        return false;
    }

    /// <summary>The audit detail of a refused session id: whose it is, for operators only (the caller gets the same 404 either way).</summary>
    internal const string ForeignSession = "another account's session";

    /// <summary>
    /// Why a session id was refused. A 404 for an id that does not exist is audited as well as one for another
    /// account's session, so the two take the same work and cannot be told apart by their timing.
    /// </summary>
    internal static string RefusalDetail((string AccountId, string? Repository)? owner, Caller caller) =>
        owner is { } o && o.AccountId != caller.Id ? ForeignSession : "no such session of the caller";

    /// <summary>
    /// A JSON array of objects, or NDJSON with one object per line, as UTF-8 (checked, with any leading byte order mark
    /// already removed, by <see cref="BodyLimits.ReadAsync"/>). NDJSON is parsed line by line on the bytes, never
    /// copied whole into a string.
    /// </summary>
    internal static (List<string>? Events, string? Error) ParseEvents(ReadOnlyMemory<byte> body)
    {
        var span = body.Span.Trim(" \t\r\n"u8);
        if (span.IsEmpty) return (null, "the body is empty; send a JSON array of event objects, or NDJSON");
        var events = new List<string>();
        if (span[0] == (byte)'[')
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                var index = 0;
                foreach (var element in doc.RootElement.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Object) return (null, $"event [{index}] is not a JSON object");
                    events.Add(element.GetRawText());
                    index++;
                }
            }
            catch (JsonException e)
            {
                return (null, "invalid JSON: " + e.Message.Split(" Path:", 2)[0]);
            }
        }
        else
        {
            var line = 0;
            var rest = body;
            while (!rest.IsEmpty)
            {
                line++;
                var end = rest.Span.IndexOf((byte)'\n');
                var raw = end < 0 ? rest : rest[..end];
                rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
                var text = Trim(raw);
                if (text.IsEmpty) continue;
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    if (doc.RootElement.ValueKind != JsonValueKind.Object) return (null, $"NDJSON line {line} is not a JSON object");
                    events.Add(doc.RootElement.GetRawText());
                }
                catch (JsonException e)
                {
                    return (null, BodyLimits.StartsWithBom(text.Span)
                        ? $"NDJSON line {line} {BodyLimits.BomMisplaced}"
                        : $"NDJSON line {line}: invalid JSON: " + e.Message.Split(" Path:", 2)[0]);
                }
            }
        }

        return events.Count == 0 ? (null, "no events in the body") : (events, null);
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> text)
    {
        var span = text.Span;
        var start = 0;
        while (start < span.Length && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r') start++;
        var end = span.Length;
        while (end > start && span[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r') end--;
        return text[start..end];
    }
}
