using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Custodian.Policy.Tests.Support;

/// <summary>
/// The raw inputs of a policy context, as a property test generates them: kept apart from <see cref="PolicyContext"/>
/// so that invariants can be stated on what the user set (for example the text of an environment variable).
/// </summary>
public sealed record ContextCase(
    Plan Plan,
    bool Gateway,
    bool Allow,
    bool DontAskAgain,
    bool Dpp,
    bool Zdr,
    bool OrgFeedbackOff,
    bool ServerCredentials,
    (string Name, string Value)[] Env,
    int? Days,
    bool DaysPinned,
    double? Rate,
    double? Published,
    bool? SkipWebFetch,
    SettingsProblemKind[] Problems,
    bool UserExcluded)
{
    public const string SettingsSource = "/home/u/.claude/settings.json";
    public const string ManagedSource = "/etc/claude-code/managed-settings.json";

    public IReadOnlyDictionary<string, string> Variables =>
        Env.GroupBy(e => e.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

    /// <summary>The variable's value when set, else null.</summary>
    public string? Var(string name) => Variables.TryGetValue(name, out var v) ? v : null;

    /// <summary>SET-3 written from the spec, independently of the code: present with a non-empty value.</summary>
    public bool Present(string name) => Var(name) is { Length: > 0 };

    /// <summary>SET-4 written from the spec (Claude Code trims): 1, true, yes, on in any case.</summary>
    public bool True(string name) => Var(name)?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";

    public Provider Provider => ClientEnvironment.ProviderVariables.Where(p => True(p.Variable)).Select(p => p.Provider).DefaultIfEmpty(Provider.Anthropic).First();

    public bool ThirdParty => Provider != Provider.Anthropic;

    public PolicyContext ToContext() => new()
    {
        Plan = Plan,
        Gateway = Gateway,
        User = new UserPreferences(Allow, DontAskAgain),
        Org = new OrganizationPolicy(Dpp, Zdr, OrgFeedbackOff),
        ServerCredentials = ServerCredentials,
        Environment = ClientEnvironment.FromVariables(Variables),
        PublishedSurveyRate = Published,
        Settings = new PolicySettings
        {
            CleanupPeriodDays = Days is { } d ? SourcedValue<long>.Create("cleanupPeriodDays", d, DaysPinned ? ManagedSource : SettingsSource) : null,
            CleanupPeriodPinned = Days is not null && DaysPinned,
            FeedbackSurveyRate = Rate is { } r ? SourcedValue<double>.Create("feedbackSurveyRate", r, SettingsSource) : null,
            SkipWebFetchPreflight = SkipWebFetch is { } s ? SourcedValue<bool>.Create("skipWebFetchPreflight", s, SettingsSource) : null,
            Problems = Problems.Select((k, i) => new SettingsProblem(SettingsSource, i + 1, k == SettingsProblemKind.InvalidValue ? "cleanupPeriodDays" : null, k, "problem " + i)).ToList(),
            UserSettingsExcluded = UserExcluded,
        },
    };

    /// <summary>The context as a <c>--context</c> file (problems left out: a context file cannot state them directly).</summary>
    public string ToContextJson()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("plan", Plan.ToWireName());
            w.WriteBoolean("gateway", Gateway);
            w.WriteStartObject("user");
            w.WriteBoolean("allowModelImprovement", Allow);
            w.WriteBoolean("surveyDontAskAgain", DontAskAgain);
            w.WriteEndObject();
            w.WriteStartObject("org");
            w.WriteBoolean("developmentPartnerProgram", Dpp);
            w.WriteBoolean("zeroDataRetention", Zdr);
            w.WriteBoolean("productFeedbackDisabled", OrgFeedbackOff);
            w.WriteEndObject();
            w.WriteBoolean("serverCredentials", ServerCredentials);
            w.WriteStartObject("env");
            foreach (var (name, value) in Variables) w.WriteString(name, value);
            w.WriteEndObject();
            w.WriteStartObject("settings");
            if (Days is { } d && !DaysPinned) w.WriteNumber("cleanupPeriodDays", d);
            if (Rate is { } r) w.WriteNumber("feedbackSurveyRate", r);
            if (SkipWebFetch is { } s) w.WriteBoolean("skipWebFetchPreflight", s);
            w.WriteEndObject();
            if (Days is { } pinned && DaysPinned)
            {
                w.WriteStartObject("managedSettings");
                w.WriteNumber("cleanupPeriodDays", pinned);
                w.WriteEndObject();
            }

            if (UserExcluded)
            {
                w.WriteStartArray("settingSources");
                w.WriteStringValue("project");
                w.WriteStringValue("local");
                w.WriteEndArray();
            }

            if (Published is { } p)
            {
                w.WriteStartObject("serverConfig");
                w.WriteNumber("feedbackSurveyRate", p);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"plan={Plan.ToWireName()}");
        if (Gateway) sb.Append(" gateway");
        if (Allow) sb.Append(" allow");
        if (DontAskAgain) sb.Append(" dontAskAgain");
        if (Dpp) sb.Append(" dpp");
        if (Zdr) sb.Append(" zdr");
        if (OrgFeedbackOff) sb.Append(" orgFeedbackOff");
        if (!ServerCredentials) sb.Append(" noCredentials");
        foreach (var (n, v) in Env) sb.Append(CultureInfo.InvariantCulture, $" {n}='{v}'");
        if (Days is { } d) sb.Append(CultureInfo.InvariantCulture, $" days={d}{(DaysPinned ? "(managed)" : "")}");
        if (Rate is { } r) sb.Append(CultureInfo.InvariantCulture, $" rate={r}");
        if (Published is { } p) sb.Append(CultureInfo.InvariantCulture, $" published={p}");
        if (SkipWebFetch is { } s) sb.Append(CultureInfo.InvariantCulture, $" skipWebFetch={s}");
        foreach (var k in Problems) sb.Append(CultureInfo.InvariantCulture, $" problem:{k}");
        if (UserExcluded) sb.Append(" userExcluded");
        return sb.ToString();
    }
}

/// <summary>FsCheck generators of valid contexts (respecting the impossible-combination rules).</summary>
public static class PolicyArbitraries
{
    public static readonly string[] SwitchNames =
    [
        EnvNames.DisableNonessentialTraffic, EnvNames.DisableTelemetry, EnvNames.DisableErrorReporting, EnvNames.DoNotTrack,
        EnvNames.DisableFeedbackSurvey, EnvNames.EnableFeedbackSurveyForOtel, EnvNames.DisableFeedbackCommand,
        EnvNames.DisableBugCommand, EnvNames.DisableAutoUpdater,
    ];

    public static readonly string[] Values = ["1", "0", "true", "false", "yes", "", "off", "ON", "no", "TRUE", " 1 ", "2", "Yes"];

    private static readonly string[] TrueValues = ["1", "true", "yes", "ON", "True"];
    private static readonly string[] FalseValues = ["0", "false", "", "off", "no"];
    private static readonly string[] OtherNames = [EnvNames.AnthropicApiKey, EnvNames.ConfigDir, "HOME", "UNRELATED_SWITCH"];

    private static readonly Gen<bool> Bool = Gen.Elements(true, false);

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : struct =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(v => (T?)v)));

    /// <summary>Environment variables: switches with any value, at most one provider true, other names.</summary>
    public static Gen<(string Name, string Value)[]> Environment() =>
        from switches in Gen.SubListOf(SwitchNames)
        from switchValues in Gen.CollectToArray(switches.Select(n => Gen.Elements(Values).Select(v => (n, v))))
        from provider in Gen.Elements(-1, -1, 0, 1, 2, 3)
        from providerValue in Gen.Elements(TrueValues)
        from falseProviders in Gen.SubListOf(ClientEnvironment.ProviderVariables.Select(p => p.Variable).ToArray())
        from falseValues in Gen.CollectToArray(falseProviders.Select(n => Gen.Elements(FalseValues).Select(v => (n, v))))
        from others in Gen.SubListOf(OtherNames)
        from shuffled in Gen.Shuffle(
            switchValues
                .Concat(falseValues.Where(f => provider < 0 || f.n != ClientEnvironment.ProviderVariables[provider].Variable))
                .Concat(provider >= 0 ? [(ClientEnvironment.ProviderVariables[provider].Variable, providerValue)] : [])
                .Concat(others.Select(o => (o, "x"))))
        select shuffled.Select(p => (p.Item1, p.Item2)).ToArray();

    public static Gen<ContextCase> Cases() =>
        from plan in Gen.Elements(Enum.GetValues<Plan>())
        from gateway in Bool
        from allow in Bool
        from dontAsk in Bool
        from env in Environment()
        from dppWanted in Bool
        from zdrWanted in Bool
        from orgOff in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from credentials in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from days in Maybe(Gen.Choose(1, 3650))
        from pinned in Bool
        from rate in Maybe(Gen.Choose(0, 1000).Select(i => i / 1000.0))
        from published in Maybe(Gen.Choose(0, 1000).Select(i => i / 1000.0))
        from skip in Maybe(Bool)
        from problems in Gen.Frequency(
            (4, Gen.Constant(Array.Empty<SettingsProblemKind>())),
            (1, Gen.ArrayOf(Gen.Elements(Enum.GetValues<SettingsProblemKind>())).Select(a => a.Take(3).ToArray())))
        from excluded in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        let providerSet = ClientEnvironment.FromVariables(env.ToDictionary(e => e.Item1, e => e.Item2)).Provider != Provider.Anthropic
        select new ContextCase(
            plan, gateway, allow, dontAsk,
            Dpp: dppWanted && plan == Plan.Api && !providerSet,
            Zdr: zdrWanted && plan == Plan.Enterprise,
            orgOff, credentials, env, days, pinned, rate, published, skip, problems, excluded);

    public static Arbitrary<ContextCase> ContextCase() => Arb.From(Cases());
}
