using System.Text.Json;
using Custodian.Policy;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Internal;

/// <summary><c>/v1/me/privacy</c> (TRN-1, TRN-3) and <c>/v1/orgs/{id}/policy</c> (DPP-1/2, RET-3, ACC-2).</summary>
internal static class AccountEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me/privacy", GetPrivacyAsync);
        api.MapPut("/me/privacy", PutPrivacyAsync);
        api.MapGet("/orgs/{id}/policy", GetOrgPolicyAsync);
        api.MapPut("/orgs/{id}/policy", PutOrgPolicyAsync);
    }

    internal static async Task<PrivacyView> PrivacyViewAsync(Caller caller, ICustodianStore store, CancellationToken cancellationToken)
    {
        var consent = await store.GetConsentAsync(caller.Id, cancellationToken);
        var decisions = await caller.DecisionsAsync(store, cancellationToken);
        return new PrivacyView(
            consent.AllowModelImprovement,
            consent.Since,
            caller.Plan.ToWireName(),
            decisions.Category.Value.ToWireName(),
            decisions.ServerRetention.SessionData.Value.ToString(),
            decisions.ServerRetention.SessionData.Rule,
            decisions.Training.SessionData.Value,
            decisions.Training.SessionData.Rule,
            "data captured after the change (TRN-3)");
    }

    private static async Task<IResult> GetPrivacyAsync(HttpContext http, ICustodianStore store) =>
        Results.Json(await PrivacyViewAsync(Caller.Of(http), store, http.RequestAborted), ServerJson.Default.PrivacyView);

    private static async Task<IResult> PutPrivacyAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = Caller.Of(http);
        var (body, refused) = await BodyLimits.ReadAsync(http, BodyKind.Json);
        if (refused is not null) return refused;
        using var _ = body;
        bool allow;
        try
        {
            using var doc = JsonDocument.Parse(body!.Memory);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return Problems.BadRequest("expected a JSON object {allowModelImprovement}");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name != "allowModelImprovement") return Problems.BadRequest($"{property.Name}: unknown field");
            }

            if (!doc.RootElement.TryGetProperty("allowModelImprovement", out var value) || value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return Problems.BadRequest("allowModelImprovement: required, true or false");
            allow = value.GetBoolean();
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

        await SetPrivacyAsync(caller, allow, store, time, http.RequestAborted);
        return Results.Json(await PrivacyViewAsync(caller, store, http.RequestAborted), ServerJson.Default.PrivacyView);
    }

    /// <summary>The one path that changes consent, for the API and the web page alike.</summary>
    internal static async Task SetPrivacyAsync(Caller caller, bool allow, ICustodianStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = await store.GetConsentAsync(caller.Id, cancellationToken);
        if (current.AllowModelImprovement == allow) return;
        // The change and its audit entry commit together: neither can exist without the other.
        await store.SetConsentAsync(caller.Id, allow, new AuditNote(caller.Id, "privacy.update", caller.Id, $"allowModelImprovement={(allow ? "true" : "false")}", now), cancellationToken);
    }

    private static async Task<IResult> GetOrgPolicyAsync(string id, HttpContext http, ICustodianStore store, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        if (await AuthorizeOrgAsync(caller, id, refusals, "org.policy.read", http.RequestAborted) is { } denied) return denied;
        var org = await store.GetOrganizationAsync(id, http.RequestAborted);
        return org is null ? Problems.NotFound($"no organization {id}") : Results.Json(OrgView(org), ServerJson.Default.OrgPolicyView);
    }

    private static async Task<IResult> PutOrgPolicyAsync(string id, HttpContext http, ICustodianStore store, TimeProvider time, RefusalAudit refusals)
    {
        var caller = Caller.Of(http);
        if (await AuthorizeOrgAsync(caller, id, refusals, "org.policy.update", http.RequestAborted) is { } denied) return denied;
        var org = await store.GetOrganizationAsync(id, http.RequestAborted);
        if (org is null) return Problems.NotFound($"no organization {id}");
        var (body, refused) = await BodyLimits.ReadAsync(http, BodyKind.Json);
        if (refused is not null) return refused;
        using var _ = body;
        bool? dpp = null, feedbackDisabled = null, zdr = null;
        try
        {
            using var doc = JsonDocument.Parse(body!.Memory);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return Problems.BadRequest("expected a JSON object {developmentPartnerProgram, productFeedbackDisabled, zeroDataRetention}");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    return Problems.BadRequest($"{property.Name}: must be true or false");
                switch (property.Name)
                {
                    case "developmentPartnerProgram": dpp = property.Value.GetBoolean(); break;
                    case "productFeedbackDisabled": feedbackDisabled = property.Value.GetBoolean(); break;
                    case "zeroDataRetention": zdr = property.Value.GetBoolean(); break;
                    default: return Problems.BadRequest($"{property.Name}: unknown field");
                }
            }
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

        var (updated, refusal) = await ChangeOrgPolicyAsync(caller, org, dpp, feedbackDisabled, zdr, store, time, refusals, http.RequestAborted);
        return refusal ?? Results.Json(OrgView(updated!), ServerJson.Default.OrgPolicyView);
    }

    /// <summary>
    /// The one path that changes an org's policy (API and web page): org admins change DPP (api plan only) and
    /// product feedback; only operators change ZDR (enterprise only).
    /// </summary>
    internal static async Task<(Organization? Updated, IResult? Refusal)> ChangeOrgPolicyAsync(
        Caller caller, Organization org, bool? dpp, bool? feedbackDisabled, bool? zdr, ICustodianStore store, TimeProvider time, RefusalAudit refusals,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        async Task<IResult> Deny(IResult result, string why)
        {
            await refusals.RefusedAsync(caller.Id, "org.policy.denied", org.Id, why);
            return result;
        }

        if (zdr is { } z && z != org.ZeroDataRetention)
        {
            if (caller.Account.Role != Role.Operator)
                return (null, await Deny(Problems.Forbidden("zero data retention is set by an operator (the account team) after an eligibility check, not by org admins", "RET-3"), "zeroDataRetention"));
            if (z && org.Plan != Plan.Enterprise)
                return (null, await Deny(Problems.Unprocessable($"zero data retention exists only for enterprise organizations; this one is '{org.Plan.ToWireName()}'", "RET-3"), "zeroDataRetention plan"));
        }

        if ((dpp is { } d && d != org.DevelopmentPartnerProgram) || (feedbackDisabled is { } f && f != org.ProductFeedbackDisabled))
        {
            if (caller.Account.Role != Role.OrgAdmin)
                return (null, await Deny(Problems.Forbidden("only an organization admin changes the organization's Development Partner Program and feedback policy", "DPP-1"), "org admin only"));
            if (dpp is true && !org.DevelopmentPartnerProgram && org.Plan != Plan.Api)
                return (null, await Deny(Problems.Unprocessable($"the Development Partner Program is available only to first-party API organizations; this one is '{org.Plan.ToWireName()}'", "DPP-2"), "developmentPartnerProgram plan"));
        }

        var updated = org with
        {
            DevelopmentPartnerProgram = dpp ?? org.DevelopmentPartnerProgram,
            ProductFeedbackDisabled = feedbackDisabled ?? org.ProductFeedbackDisabled,
            ZeroDataRetention = zdr ?? org.ZeroDataRetention,
        };
        if (updated != org)
        {
            await store.UpdateOrganizationAsync(updated, new AuditNote(caller.Id, "org.policy.update", org.Id,
                $"developmentPartnerProgram={Flag(updated.DevelopmentPartnerProgram)} productFeedbackDisabled={Flag(updated.ProductFeedbackDisabled)} zeroDataRetention={Flag(updated.ZeroDataRetention)}",
                now), cancellationToken);
        }

        return (updated, null);
    }

    internal static OrgPolicyView OrgView(Organization org) => new(
        org.Id,
        org.Plan.ToWireName(),
        org.DevelopmentPartnerProgram,
        org.ProductFeedbackDisabled,
        org.ZeroDataRetention,
        DevelopmentPartnerProgramAvailable: org.Plan == Plan.Api,
        ZeroDataRetentionAvailable: org.Plan == Plan.Enterprise);

    /// <summary>Org admins act on their own org only; operators on any (ACC-2). Refusals are audited (bounded, CUS-38).</summary>
    internal static async Task<IResult?> AuthorizeOrgAsync(Caller caller, string orgId, RefusalAudit refusals, string action, CancellationToken cancellationToken)
    {
        var allowed = caller.Account.Role == Role.Operator || (caller.Account.Role == Role.OrgAdmin && caller.Account.OrgId == orgId);
        if (allowed) return null;
        await refusals.RefusedAsync(caller.Id, action + ".denied", orgId, "not an admin of this organization");
        return Problems.Forbidden("only this organization's admins (or an operator) may see or change its policy", "ACC-2");
    }

    private static string Flag(bool value) => value ? "true" : "false";
}
