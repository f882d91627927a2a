using Custodian.Redaction.Internal;
using Custodian.Redaction.Rules;

namespace Custodian.Redaction;

/// <summary>Configures and builds an immutable <see cref="Redactor"/>.</summary>
public sealed class RedactorBuilder
{
    /// <summary>The default read buffer of the stream methods: 64 KiB.</summary>
    public const int DefaultBufferSize = 64 * 1024;

    private readonly List<Rule> rules = [.. BuiltInRules.All];
    private int bufferSize = DefaultBufferSize;

    /// <summary>Every built-in rule, in matching order.</summary>
    public static IReadOnlyList<RedactionRuleInfo> BuiltInRuleInfos { get; } =
        [.. BuiltInRules.All.Select(rule => new RedactionRuleInfo(rule.Id, rule.Description))];

    /// <summary>Sets how many bytes (or characters) the stream methods read at a time.</summary>
    /// <param name="size">From 1 to 64 MiB.</param>
    /// <returns>This builder.</returns>
    public RedactorBuilder WithBufferSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 64 * 1024 * 1024);
        bufferSize = size;
        return this;
    }

    /// <summary>Turns rules off by id.</summary>
    /// <param name="ruleIds">Ids of built-in rules.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">An id names no rule.</exception>
    public RedactorBuilder WithoutRules(params string[] ruleIds)
    {
        ArgumentNullException.ThrowIfNull(ruleIds);
        foreach (string id in ruleIds)
        {
            if (rules.RemoveAll(rule => rule.Id == id) == 0)
            {
                throw new ArgumentException($"No rule has the id '{id}'.", nameof(ruleIds));
            }
        }

        return this;
    }

    /// <summary>Adds a rule (tests use this to inject failing rules).</summary>
    internal RedactorBuilder WithRule(Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rules.Add(rule);
        return this;
    }

    /// <summary>Builds the redactor.</summary>
    /// <returns>An immutable, thread-safe redactor.</returns>
    public Redactor Build() => new(new Scanner(rules), bufferSize);
}
