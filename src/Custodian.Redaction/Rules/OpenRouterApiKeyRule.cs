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
        "sk-or-v1-1c59f9814016a21710ff6242f1853a",
        "sk-or-v1-e9fcca06da9d86548afa8af87248a9ea3d57b1851ff8b142b84b0cfe93f23ec4x",
    ];
}
