namespace Custodian.Policy;

/// <summary>
/// A switch read from an environment variable: whether it is on, and the evidence (<c>NAME=value</c>, with the
/// variable's source where known) to show in a decision trace.
/// </summary>
/// <param name="On">Whether the switch is on.</param>
/// <param name="Evidence">What turned it on, for example <c>DO_NOT_TRACK=1</c>; null when off.</param>
public readonly record struct EnvironmentSwitch(bool On, string? Evidence)
{
    /// <summary>An off switch.</summary>
    public static readonly EnvironmentSwitch Off = new(false, null);
}
