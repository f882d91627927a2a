namespace Custodian.Policy;

/// <summary>An impossible or contradictory policy input, naming the offending key.</summary>
/// <param name="Key">The input that is wrong, as a dotted path (for example <c>org.zeroDataRetention</c>) or a variable name.</param>
/// <param name="Message">Why, in one line.</param>
public sealed record PolicyInputError(string Key, string Message)
{
    /// <summary><c>key: message</c>.</summary>
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>The result of evaluating the policy: decisions, or the input error that made evaluation impossible.</summary>
public readonly record struct PolicyOutcome
{
    private PolicyOutcome(PolicyDecisions? decisions, PolicyInputError? error)
    {
        Decisions = decisions;
        Error = error;
    }

    /// <summary>The decisions; null when <see cref="Error"/> is set.</summary>
    public PolicyDecisions? Decisions { get; }

    /// <summary>The input error; null when evaluation succeeded.</summary>
    public PolicyInputError? Error { get; }

    /// <summary>True when <see cref="Decisions"/> is set.</summary>
    public bool Succeeded => Decisions is not null;

    /// <summary>A successful outcome.</summary>
    public static PolicyOutcome Of(PolicyDecisions decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        return new(decisions, null);
    }

    /// <summary>A failed outcome.</summary>
    public static PolicyOutcome Failed(PolicyInputError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, error);
    }
}
