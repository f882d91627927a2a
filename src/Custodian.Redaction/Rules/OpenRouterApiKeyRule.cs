using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>OpenRouter API key (sk-or-v1-).</summary>
internal sealed class OpenRouterApiKeyRule : TokenRule
{
    public override string Id => "openrouter-api-key";

    public override string Description => "OpenRouter API key (sk-or-v1-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk-or-v1-"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 64;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-or-v1-42f1853ae9fcca06da9d86548afa8a",
        "sk-or-v1-f87248a9ea3d57b1851ff8b142b84b0cfe93f23ec4f46705c69988374b51bdd1x",
    ];
}
