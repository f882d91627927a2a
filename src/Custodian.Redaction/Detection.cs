namespace Custodian.Redaction;

/// <summary>Where a secret was found: the rule and the position, never the text (RED-5).</summary>
/// <param name="RuleId">The id of the rule that matched.</param>
/// <param name="Start">Offset of the first character of the match in the input.</param>
/// <param name="Length">Number of characters matched.</param>
public sealed record Detection(string RuleId, int Start, int Length);

/// <summary>A rule of a <see cref="Redactor"/>: its stable id (as in markers and reports) and what it finds.</summary>
/// <param name="Id">Stable kebab-case id.</param>
/// <param name="Description">What the rule finds.</param>
public sealed record RedactionRuleInfo(string Id, string Description);
