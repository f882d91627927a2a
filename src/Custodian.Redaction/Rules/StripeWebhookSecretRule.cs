using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Stripe (and Svix) webhook signing secret (whsec_).</summary>
internal sealed class StripeWebhookSecretRule : TokenRule
{
    public override string Id => "stripe-webhook-secret";

    public override string Description => "Stripe (and Svix) webhook signing secret (whsec_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["whsec_"];

    protected override AsciiSet Body => AsciiSet.Base64Padded;

    protected override int MinBody => 24;

    protected override int MaxBody => 128;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("whsec_TJL3KH2HqRuQMtFGdkZQCOrNz7rCDs7u"),
        RuleExample.Token("whsec_VczWbzxMuBWODtG3Elm7as1d9htCYgT4lKaM86BDsL0="),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "whsec_short",
        "xwhsec_W4WajDmmXUuXSPTyNHKZvEzCV2xmHyyq",
    ];
}
