using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Stripe secret key (sk_live_, sk_test_).</summary>
internal sealed class StripeSecretKeyRule : TokenRule
{
    public override string Id => "stripe-secret-key";

    public override string Description => "Stripe secret key (sk_live_, sk_test_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk_live_", "sk_test_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 20;

    protected override int MaxBody => 247;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
        RuleExample.Token("sk_test_Dzaeueqm4SkyKzGctex740Un"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk_live_short",
        "pk_live_hYCz7Crx8QYj24EjXwN9Jid9",
        "desk_live_F0K4fhRSImEH1cMoaxUzPZok",
    ];
}
