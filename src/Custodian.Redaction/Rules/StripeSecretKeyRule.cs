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
        RuleExample.Token("sk_test_wN9Jid9F0K4fhRSImEH1cMoa"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk_live_short",
        "pk_live_xUzPZoki8TJvrmsqasDt9niB",
        "desk_live_dZ9HbZVHlgFGi5pdW5SdOyVp",
    ];
}
