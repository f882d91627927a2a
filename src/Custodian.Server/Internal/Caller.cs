using System.Security.Cryptography;
using Custodian.Policy;
using Custodian.Storage;
using Microsoft.AspNetCore.Http;

namespace Custodian.Server.Internal;

/// <summary>The authenticated account of a request, with its organization.</summary>
internal sealed record Caller(Account Account, Organization? Org)
{
    private const string ItemKey = "custodian.caller";

    public string Id => Account.Id;

    public Plan Plan => Org?.Plan ?? Account.Plan;

    /// <summary>
    /// Whose telemetry, usage and ratings this caller reads (OTL-7, ACC-2): a user their own, an org admin their
    /// organization's accounts' (their own only when they have no organization), an operator everyone's.
    /// </summary>
    public TelemetryAudience Audience => Account.Role switch
    {
        Role.Operator => TelemetryAudience.Everyone,
        Role.OrgAdmin when Account.OrgId is { } org => TelemetryAudience.Organization(org),
        _ => TelemetryAudience.Own(Id),
    };

    public static Caller Of(HttpContext context) => (Caller)context.Items[ItemKey]!;

    /// <summary>
    /// Resolves the bearer key through the key cache (CUS-27); null (and 401) when missing or unknown. The
    /// organization is read fresh, so its policy is never older than the request.
    /// </summary>
    public static async Task<Caller?> AuthenticateAsync(HttpContext context, ICustodianStore store, KeyCache keys)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var key = header.AsSpan("Bearer ".Length).Trim();
        if (key.Length == 0 || key.Length > 256) return null;
        var account = await keys.FindAsync(ApiKeys.Hash(key.ToString()), context.RequestAborted);
        if (account is null) return null;
        var org = account.OrgId is { } orgId ? await store.GetOrganizationAsync(orgId, context.RequestAborted) : null;
        var caller = new Caller(account, org);
        context.Items[ItemKey] = caller;
        return caller;
    }

    /// <summary>
    /// Resolves a raw API key, from the bearer header or the web sign-in form alike; null when unknown. Keys are
    /// compared in constant time.
    /// </summary>
    public static async Task<Caller?> AuthenticateKeyAsync(string key, ICustodianStore store, CancellationToken cancellationToken)
    {
        if (key.Length == 0 || key.Length > 256) return null;
        var hash = ApiKeys.Hash(key);
        var found = await store.FindByKeyHashAsync(hash, cancellationToken);
        if (found is null || !CryptographicOperations.FixedTimeEquals(found.Value.StoredHash, hash)) return null;
        var org = found.Value.Account.OrgId is { } orgId ? await store.GetOrganizationAsync(orgId, cancellationToken) : null;
        return new Caller(found.Value.Account, org);
    }

    /// <summary>The policy decisions for this caller now: plan, org policy and the user's current consent.</summary>
    public async Task<PolicyDecisions> DecisionsAsync(ICustodianStore store, CancellationToken cancellationToken)
    {
        var consent = await store.GetConsentAsync(Account.Id, cancellationToken);
        return ServerPolicy.Decide(Plan, Org?.Policy ?? OrganizationPolicy.Default, consent.AllowModelImprovement);
    }
}

/// <summary>The policy engine as the server applies it: server-side decisions depend on the account, not on client switches.</summary>
internal static class ServerPolicy
{
    public static PolicyDecisions Decide(Plan plan, OrganizationPolicy org, bool allowModelImprovement)
    {
        // An org flag that the plan cannot carry (stored before a plan change) is ignored rather than fatal.
        var sanitized = org with
        {
            ZeroDataRetention = org.ZeroDataRetention && plan == Plan.Enterprise,
            DevelopmentPartnerProgram = org.DevelopmentPartnerProgram && plan == Plan.Api,
        };
        var outcome = PolicyEngine.Evaluate(new PolicyContext
        {
            Plan = plan,
            Org = sanitized,
            User = new UserPreferences(allowModelImprovement),
            ServerCredentials = true,
        });
        return outcome.Decisions!;
    }
}
