namespace Custodian.Policy;

/// <summary>
/// One decision of the data policy: its value, the spec statement that made it (for example <c>SRV-3</c>)
/// and the input that caused it (for example <c>DO_NOT_TRACK=1</c>). Decisions are values, never exceptions.
/// </summary>
/// <typeparam name="T">The decided value's type.</typeparam>
/// <param name="Value">The decided value.</param>
/// <param name="Rule">The spec ID of the rule that decided it.</param>
/// <param name="Because">The input that made the rule decide so, in words a user can check.</param>
public readonly record struct Decision<T>(T Value, string Rule, string Because);

/// <summary>One line of a decision trace, as <c>custodian policy --json</c> prints it.</summary>
/// <param name="Decision">The decision's dotted name, for example <c>survey.enabled</c>.</param>
/// <param name="Value">The decided value: a boolean, number, string or null.</param>
/// <param name="Rule">The spec ID of the rule that decided it.</param>
/// <param name="Because">The input that caused it.</param>
public sealed record TraceEntry(string Decision, object? Value, string Rule, string Because);
