using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>claude.ai session key cookie (sk-ant-sid01-).</summary>
internal sealed class AnthropicSessionKeyRule : AnthropicTokenRule
{
    public AnthropicSessionKeyRule()
        : base("sid")
    {
    }

    public override string Id => "anthropic-session-key";

    public override string Description => "claude.ai session key cookie (sk-ant-sid01-)";

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sk-ant-sid01-mABm6jof8efD0nHCY_1Kgd2vd_Er1uyZAlIa_ZnYd7chlN_Xc-1HSyGbDS1GHXy5oOKVqYX7Enwvq4VNAKjKs1Pawtn3FAA"),
        RuleExample.Token("sk-ant-sid01-DteMXi6cMUXv5eBoaPzoxZCYCdEz6DQMvE5mVXRV-"),
        new("ANTHROPIC_KEY=\"sk-ant-sid01-mABm6jof8efD0nHCY_1Kgd2vd_Er1uyZAlIa_ZnYd7chlN_Xc-1HSyGbDS1GHXy5oOKVqYX7Enwvq4VNAKjKs1Pawtn3FAA\"", "sk-ant-sid01-mABm6jof8efD0nHCY_1Kgd2vd_Er1uyZAlIa_ZnYd7chlN_Xc-1HSyGbDS1GHXy5oOKVqYX7Enwvq4VNAKjKs1Pawtn3FAA"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-ant-sid01-short",
        "sk-ant-sid01-",
        "task-ant-sid01-99nCQvtsU7RTAuwm6zo88EB0OGet9d9xYyQ6b0fI7fLAz7vT0sxJmPU3UdXy",
        "sk-ant-sidx1-ymFgMZwKPaEpCejiUKb4GEQnFNGaftcLOIadn5rPvi2xqwHx1SSRkRXQvQMc",
    ];
}
