using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Slack bot token (xoxb-).</summary>
internal sealed class SlackBotTokenRule : TokenRule
{
    private static readonly AsciiSet SlackBody = new(Chars.Letters + Chars.DigitChars + "-");

    protected override string NeverEndsWith => "-";

    // One scan anchor for every xox token; the prefixes are checked after the hit.
    public override IReadOnlyList<string> Signatures { get; } = ["xox"];

    public override string Id => "slack-bot-token";

    public override string Description => "Slack bot token (xoxb-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xoxb-"];

    protected override AsciiSet Body => SlackBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xoxb-695788939040-5829179943584-bMACbk0uIn2mWu0bu3RhfMcT"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xoxb-short-1",
        "xxoxb-817914385615-fn1ljVPYkwVrj0TGh8E2SE1S",
    ];
}
