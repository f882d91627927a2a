using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Shopify access token (shpat_, shpca_, shppa_).</summary>
internal sealed class ShopifyAccessTokenRule : TokenRule
{
    public override string Id => "shopify-access-token";

    public override string Description => "Shopify access token (shpat_, shpca_, shppa_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["shpat_", "shpca_", "shppa_"];

    protected override AsciiSet Body => AsciiSet.Hex;

    protected override int MinBody => 32;

    protected override int MaxBody => 32;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "shpat_9c4b47eb3290b0439b5e",
        "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z",
    ];
}
