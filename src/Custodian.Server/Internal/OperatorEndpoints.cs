using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Internal;

/// <summary><c>/v1/export/training</c> (TRN-3/4, DPP-3) and <c>/v1/audit</c>: operators only (ACC-2).</summary>
internal static class OperatorEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/export/training", ExportAsync);
        api.MapGet("/audit", AuditAsync);
    }

    private static async Task<IResult?> RequireOperatorAsync(Caller caller, RefusalAudit refusals, string action)
    {
        if (caller.Account.Role == Role.Operator) return null;
        await refusals.RefusedAsync(caller.Id, action + ".denied", "-", "operators only");
        return Problems.Forbidden("only an operator (the account team) may do this", "ACC-2");
    }

    private static async Task ExportAsync(HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        if (await RequireOperatorAsync(caller, refusals, "export.training") is { } denied)
        {
            await denied.ExecuteAsync(http);
            return;
        }

        var now = time.GetUtcNow();
        var eligible = await EligibleAccountsAsync(store, http.RequestAborted);
        // Audited before the first record leaves (ACC-2, CUS-37): an operator who drops the connection mid-stream has
        // still been recorded. If the entry cannot be written, nothing is exported.
        var exportId = Guid.CreateVersion7(now).ToString("N");
        await store.AppendAuditAsync(caller.Id, "export.training", exportId,
            $"started eligibleAccounts={eligible.Count.ToString(CultureInfo.InvariantCulture)}", now, http.RequestAborted);
        http.Response.ContentType = "application/x-ndjson";
        var count = 0;
        var complete = false;
        try
        {
            await StreamAsync();
            // Handed to the connection, not only buffered: a client gone before the last bytes makes this throw.
            await http.Response.Body.FlushAsync(http.RequestAborted);
            complete = !http.RequestAborted.IsCancellationRequested;
        }
        finally
        {
            // Written whatever happened to the stream, so not on the request's token (cancelled when the client leaves).
            await store.AppendAuditAsync(caller.Id, "export.training.end", exportId,
                $"records={count.ToString(CultureInfo.InvariantCulture)} {(complete ? "complete" : "aborted")}", time.GetUtcNow(), CancellationToken.None);
        }

        async Task StreamAsync()
        {
            await foreach (var record in store.ReadTrainingCandidatesAsync(eligible, now, http.RequestAborted))
            {
                var line = new StringBuilder();
                line.Append("{\"kind\":").Append(JsonSerializer.Serialize(record.Kind, ServerJson.Default.String))
                    .Append(",\"accountId\":").Append(JsonSerializer.Serialize(record.AccountId, ServerJson.Default.String))
                    .Append(",\"sessionId\":").Append(JsonSerializer.Serialize(record.SessionId, ServerJson.Default.String))
                    .Append(",\"capturedAt\":\"").Append(record.CapturedAt.ToString("O", CultureInfo.InvariantCulture))
                    .Append("\",\"data\":").Append(record.Json).Append("}\n");
                await http.Response.WriteAsync(line.ToString(), http.RequestAborted);
                count++;
            }
        }
    }

    /// <summary>Accounts whose data may be trained on now: the policy engine, with today's consent and org policy (TRN-3).</summary>
    internal static async Task<HashSet<string>> EligibleAccountsAsync(ICustodianStore store, CancellationToken cancellationToken)
    {
        var eligible = new HashSet<string>(StringComparer.Ordinal);
        var orgs = new Dictionary<string, Organization?>(StringComparer.Ordinal);
        foreach (var account in await store.ListAccountsAsync(cancellationToken))
        {
            Organization? org = null;
            if (account.OrgId is { } orgId)
            {
                if (!orgs.TryGetValue(orgId, out org))
                {
                    org = await store.GetOrganizationAsync(orgId, cancellationToken);
                    orgs[orgId] = org;
                }
            }

            var consent = await store.GetConsentAsync(account.Id, cancellationToken);
            var decisions = ServerPolicy.Decide(org?.Plan ?? account.Plan, org?.Policy ?? Custodian.Policy.OrganizationPolicy.Default, consent.AllowModelImprovement);
            if (decisions.Training.SessionData.Value) eligible.Add(account.Id);
        }

        return eligible;
    }

    private static async Task<IResult> AuditAsync(HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        if (await RequireOperatorAsync(caller, refusals, "audit.read") is { } denied) return denied;
        await store.AppendAuditAsync(caller.Id, "audit.read", "-", "-", time.GetUtcNow(), http.RequestAborted);
        var entries = new List<AuditEntry>();
        await foreach (var entry in store.ReadAuditAsync(http.RequestAborted)) entries.Add(entry);
        var verification = await AuditVerifier.VerifyAsync(store, http.RequestAborted);
        var views = new AuditEntryView[entries.Count];
        for (var i = 0; i < views.Length; i++)
        {
            var e = entries[i];
            views[i] = new AuditEntryView(e.Seq, e.At, e.Actor, e.Action, e.Target, e.Details, e.PreviousHash, e.Hash);
        }

        return Results.Json(
            new AuditView(verification.Intact, verification.Problem, entries.Count == 0 ? null : entries[^1].Hash, views), ServerJson.Default.AuditView);
    }
}
