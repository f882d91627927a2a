using System.Text.Json;
using System.Text.Json.Nodes;
using Custodian.Policy.Internal;

namespace Custodian.Policy.Account;

/// <summary>
/// The signed-in account as the machine knows it: Claude Code's <c>&lt;config-dir&gt;/.credentials.json</c>
/// (its <c>claudeAiOauth.subscriptionType</c> names the plan), <c>ANTHROPIC_API_KEY</c> (the <c>api</c> plan),
/// and Custodian's own <c>&lt;config-dir&gt;/custodian/state.json</c> (the user's choices and the org policy
/// last fetched from the server).
/// </summary>
/// <param name="Plan">The plan.</param>
/// <param name="PlanSource">Where the plan came from, for display.</param>
/// <param name="ServerCredentials">Whether the client can authenticate to the server.</param>
/// <param name="Gateway">Whether this is a gateway session.</param>
/// <param name="User">The user's choices.</param>
/// <param name="Org">The organization's policy.</param>
/// <param name="PublishedSurveyRate">The server-published survey rate last seen, if any.</param>
/// <param name="Warnings">Files that could not be used (they never stop a command).</param>
public sealed record LocalAccount(
    Plan Plan,
    string PlanSource,
    bool ServerCredentials,
    bool Gateway,
    UserPreferences User,
    OrganizationPolicy Org,
    double? PublishedSurveyRate,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Custodian's variable marking a gateway session (boolean, SET-4).</summary>
    public const string GatewayVariable = "CUSTODIAN_GATEWAY";

    /// <summary>The key the client authenticates to the Custodian server with (docs/feedback.md, CUS-20).</summary>
    public const string CustodianApiKeyVariable = "CUSTODIAN_API_KEY";

    /// <summary>The path of Custodian's client state file under a config dir.</summary>
    public static string StatePath(string configDir) => Path.Combine(configDir, "custodian", "state.json");

    /// <summary>Reads the account from <paramref name="configDir"/> and the effective environment.</summary>
    public static LocalAccount Read(string configDir, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(configDir);
        ArgumentNullException.ThrowIfNull(environment);
        var warnings = new List<string>();

        var plan = Plan.Pro;
        var planSource = "default (no signed-in account found)";
        var credentials = false;

        var credentialsPath = Path.Combine(configDir, ".credentials.json");
        if (TryLoad(credentialsPath, warnings) is { } creds && creds["claudeAiOauth"] is JsonObject oauth)
        {
            credentials = oauth["accessToken"] is JsonValue token && token.GetValueKind() == JsonValueKind.String
                && token.GetValue<string>().Length > 0;
            if (oauth["subscriptionType"] is JsonValue sub && sub.GetValueKind() == JsonValueKind.String)
            {
                if (PlanNames.TryParsePlan(sub.GetValue<string>(), out var parsed))
                {
                    plan = parsed;
                    planSource = credentialsPath;
                }
                else
                {
                    warnings.Add($"{credentialsPath}: unknown subscriptionType '{sub.GetValue<string>()}'; assuming 'pro'");
                }
            }
        }
        else if (environment.TryGetValue(EnvNames.AnthropicApiKey, out var key) && key.Length > 0)
        {
            plan = Plan.Api;
            planSource = EnvNames.AnthropicApiKey;
            credentials = true;
        }

        // A Custodian server key is a credential for the server whatever the plan (CUS-20): it is what uploads use.
        if (environment.TryGetValue(CustodianApiKeyVariable, out var custodianKey) && !string.IsNullOrWhiteSpace(custodianKey))
        {
            credentials = true;
        }

        var user = UserPreferences.Default;
        var org = OrganizationPolicy.Default;
        double? published = null;
        var gateway = environment.TryGetValue(GatewayVariable, out var gw) && ClientEnvironment.IsTrue(gw);
        var statePath = StatePath(configDir);
        if (TryLoad(statePath, warnings) is { } state)
        {
            user = new UserPreferences(Flag(state, "allowModelImprovement"), Flag(state, "surveyDontAskAgain"));
            if (state["org"] is JsonObject o)
            {
                org = new OrganizationPolicy(Flag(o, "developmentPartnerProgram"), Flag(o, "zeroDataRetention"), Flag(o, "productFeedbackDisabled"));
            }

            if (state["publishedSurveyRate"] is JsonValue r && r.GetValueKind() == JsonValueKind.Number && r.GetValue<double>() is >= 0 and <= 1 and var rate)
            {
                published = rate;
            }

            gateway |= Flag(state, "gateway");
            if (state["plan"] is JsonValue p && p.GetValueKind() == JsonValueKind.String && PlanNames.TryParsePlan(p.GetValue<string>(), out var statePlan))
            {
                plan = statePlan;
                planSource = statePath;
            }
        }

        return new LocalAccount(plan, planSource, credentials, gateway, user, org, published, warnings);
    }

    private static bool Flag(JsonObject node, string name) =>
        node[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static JsonObject? TryLoad(string path, List<string> warnings)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (JsonPositions.FirstInvalidUtf8(bytes) is var bad and >= 0)
                throw new JsonException($"not valid UTF-8 text (byte {bad})");
            return JsonNode.Parse(JsonPositions.WithoutBom(bytes), documentOptions: JsonPositions.StrictOptions(64)) as JsonObject
                ?? throw new JsonException("expected a JSON object");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            warnings.Add($"{path}: ignored: {e.Message.Split('\n')[0]}");
            return null;
        }
    }
}
