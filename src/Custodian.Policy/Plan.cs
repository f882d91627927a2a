namespace Custodian.Policy;

/// <summary>The account's plan. Consumer plans are <see cref="Free"/>, <see cref="Pro"/> and <see cref="Max"/>; the rest are commercial.</summary>
public enum Plan
{
    /// <summary>Consumer: Claude Free.</summary>
    Free,
    /// <summary>Consumer: Claude Pro.</summary>
    Pro,
    /// <summary>Consumer: Claude Max.</summary>
    Max,
    /// <summary>Commercial: Claude for Teams.</summary>
    Team,
    /// <summary>Commercial: Claude for Enterprise (the only plan eligible for zero data retention, RET-3).</summary>
    Enterprise,
    /// <summary>Commercial: the first-party API (the only plan eligible for the Development Partner Program, DPP-2).</summary>
    Api,
    /// <summary>Commercial: Claude Gov.</summary>
    Gov,
}

/// <summary>Whether the session falls under consumer or commercial terms.</summary>
public enum PlanCategory
{
    /// <summary>Consumer terms (free, pro, max).</summary>
    Consumer,
    /// <summary>Commercial terms (team, enterprise, api, gov and every third-party platform).</summary>
    Commercial,
}

/// <summary>Where model calls go: Anthropic's first-party API or a third-party platform (SET-5).</summary>
public enum Provider
{
    /// <summary>Anthropic's first-party API.</summary>
    Anthropic,
    /// <summary>Amazon Bedrock (<c>CLAUDE_CODE_USE_BEDROCK</c>).</summary>
    Bedrock,
    /// <summary>Google Cloud's Agent Platform (<c>CLAUDE_CODE_USE_VERTEX</c>).</summary>
    Vertex,
    /// <summary>Microsoft Foundry (<c>CLAUDE_CODE_USE_FOUNDRY</c>).</summary>
    Foundry,
    /// <summary>Claude Platform on AWS (<c>CLAUDE_CODE_USE_ANTHROPIC_AWS</c>).</summary>
    AnthropicAws,
}

/// <summary>Wire names and classification of <see cref="Plan"/> and <see cref="Provider"/>, as INTERFACES.md spells them.</summary>
public static class PlanNames
{
    /// <summary>The category of a plan.</summary>
    public static PlanCategory CategoryOf(Plan plan) =>
        plan is Plan.Free or Plan.Pro or Plan.Max ? PlanCategory.Consumer : PlanCategory.Commercial;

    /// <summary>The wire name of a plan (<c>free</c>, <c>pro</c>, …).</summary>
    public static string ToWireName(this Plan plan) => plan switch
    {
        Plan.Free => "free",
        Plan.Pro => "pro",
        Plan.Max => "max",
        Plan.Team => "team",
        Plan.Enterprise => "enterprise",
        Plan.Api => "api",
        Plan.Gov => "gov",
        _ => throw new ArgumentOutOfRangeException(nameof(plan)),
    };

    /// <summary>The wire name of a provider (<c>anthropic</c>, <c>bedrock</c>, …).</summary>
    public static string ToWireName(this Provider provider) => provider switch
    {
        Provider.Anthropic => "anthropic",
        Provider.Bedrock => "bedrock",
        Provider.Vertex => "vertex",
        Provider.Foundry => "foundry",
        Provider.AnthropicAws => "anthropic-aws",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>The wire name of a category (<c>consumer</c> or <c>commercial</c>).</summary>
    public static string ToWireName(this PlanCategory category) =>
        category == PlanCategory.Consumer ? "consumer" : "commercial";

    /// <summary>Parses a plan's wire name (case-sensitive, as written in INTERFACES.md).</summary>
    public static bool TryParsePlan(string? text, out Plan plan)
    {
        foreach (var candidate in Enum.GetValues<Plan>())
        {
            if (string.Equals(candidate.ToWireName(), text, StringComparison.Ordinal))
            {
                plan = candidate;
                return true;
            }
        }

        plan = default;
        return false;
    }

    /// <summary>All plan wire names, for error messages.</summary>
    public static string AllPlanNames => "free, pro, max, team, enterprise, api, gov";
}
