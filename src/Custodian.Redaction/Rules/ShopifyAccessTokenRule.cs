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
        "shpat_4a8df29b6fe69b5a1a14",
        "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z",
    ];
}
