using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Shopify app shared secret (shpss_).</summary>
internal sealed class ShopifySharedSecretRule : TokenRule
{
    public override string Id => "shopify-shared-secret";

    public override string Description => "Shopify app shared secret (shpss_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["shpss_"];

    protected override AsciiSet Body => AsciiSet.Hex;

    protected override int MinBody => 32;

    protected override int MaxBody => 32;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "shpss_6a5daa6b74863a57f3df",
    ];
}
