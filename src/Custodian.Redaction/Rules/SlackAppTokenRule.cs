using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Slack app-level token (xapp-).</summary>
internal sealed class SlackAppTokenRule : TokenRule
{
    private static readonly AsciiSet SlackBody = new(Chars.Letters + Chars.DigitChars + "-");

    protected override string NeverEndsWith => "-";

    public override string Id => "slack-app-token";

    public override string Description => "Slack app-level token (xapp-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xapp-"];

    protected override AsciiSet Body => SlackBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xapp-1-AQLI3FR6VZB-3298475005448-46f99783af23a7d95e5af4465c1c9faaf75eba5643a5f50f45434c0ad013de6f"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xapp-short-1",
        "xxapp-938429080572-GgmacwArgAkLSfVWbiS03VMA",
    ];
}
