using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Stripe restricted key (rk_live_, rk_test_).</summary>
internal sealed class StripeRestrictedKeyRule : TokenRule
{
    public override string Id => "stripe-restricted-key";

    public override string Description => "Stripe restricted key (rk_live_, rk_test_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["rk_live_", "rk_test_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 20;

    protected override int MaxBody => 247;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
        RuleExample.Token("rk_test_jYpA3qxaE8ALHZ6JSWuW7zdL"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "rk_live_short",
        "work_live_Gdzm1rOJVq1wYpxTJRhMyiXg",
    ];
}
