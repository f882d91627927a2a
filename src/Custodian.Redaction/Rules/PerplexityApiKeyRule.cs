using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Perplexity API key (pplx-).</summary>
internal sealed class PerplexityApiKeyRule : TokenRule
{
    public override string Id => "perplexity-api-key";

    public override string Description => "Perplexity API key (pplx-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["pplx-"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 40;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "pplx-A9VwmQ5vCOZ9GJMV3ZP9",
    ];
}
