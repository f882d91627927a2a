using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Anthropic Admin API key (sk-ant-admin01-).</summary>
internal sealed class AnthropicAdminKeyRule : AnthropicTokenRule
{
    public AnthropicAdminKeyRule()
        : base("admin")
    {
    }

    public override string Id => "anthropic-admin-key";

    public override string Description => "Anthropic Admin API key (sk-ant-admin01-)";

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sk-ant-admin01-ocYezdZ_tDDj8hYs5suKcNd8Zra9A9sKPxZ9W3qLy7zKUVQDT7S8sTQCBNR3YbDgbleph1QHt61QTC4XATWS8PHp9NHfMAA"),
        RuleExample.Token("sk-ant-admin01-RCxGgcjBw56EcUngmgMsRcgizeg8Psh4487Q7j58-"),
        new("ANTHROPIC_KEY=\"sk-ant-admin01-ocYezdZ_tDDj8hYs5suKcNd8Zra9A9sKPxZ9W3qLy7zKUVQDT7S8sTQCBNR3YbDgbleph1QHt61QTC4XATWS8PHp9NHfMAA\"", "sk-ant-admin01-ocYezdZ_tDDj8hYs5suKcNd8Zra9A9sKPxZ9W3qLy7zKUVQDT7S8sTQCBNR3YbDgbleph1QHt61QTC4XATWS8PHp9NHfMAA"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-ant-admin01-short",
        "sk-ant-admin01-",
        "task-ant-admin01-M1cIaHZcUEqPbENqTyH5xJ8tpqXJQ4I9dOv8GZ4fKq1OKtbgZVaMWUFuXBVj",
        "sk-ant-adminx1-dctBYVhnSg9EH6yO4GFQRC5xLRwI0b26r08QZJi6gkfsUFRDzsLb5ER8BoFz",
    ];
}
