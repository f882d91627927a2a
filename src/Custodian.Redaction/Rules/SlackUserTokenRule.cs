using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Slack user token (xoxp-).</summary>
internal sealed class SlackUserTokenRule : TokenRule
{
    private static readonly AsciiSet SlackBody = new(Chars.Letters + Chars.DigitChars + "-");

    protected override string NeverEndsWith => "-";

    // One scan anchor for every xox token; the prefixes are checked after the hit.
    public override IReadOnlyList<string> Signatures { get; } = ["xox"];

    public override string Id => "slack-user-token";

    public override string Description => "Slack user token (xoxp-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xoxp-"];

    protected override AsciiSet Body => SlackBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xoxp-667415098177-915908885894-4803064702142-6b98f0298bb6c9f479910124542aa9d9"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xoxp-short-1",
        "xxoxp-442343559667-96VQZTjSHH0DOpByC5bB3X1w",
    ];
}
