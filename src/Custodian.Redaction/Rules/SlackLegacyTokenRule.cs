using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Slack workspace, session and legacy tokens (xoxa-, xoxo-, xoxr-, xoxs-).</summary>
internal sealed class SlackLegacyTokenRule : TokenRule
{
    private static readonly AsciiSet SlackBody = new(Chars.Letters + Chars.DigitChars + "-");

    protected override string NeverEndsWith => "-";

    // One scan anchor for every xox token; the prefixes are checked after the hit.
    public override IReadOnlyList<string> Signatures { get; } = ["xox"];

    public override string Id => "slack-legacy-token";

    public override string Description => "Slack workspace, session and legacy tokens (xoxa-, xoxo-, xoxr-, xoxs-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xoxa-", "xoxo-", "xoxr-", "xoxs-"];

    protected override AsciiSet Body => SlackBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xoxa-2-859225737549-g1qsaKjSC47fKr0fIgn2Hoh2RbD8bA"),
        RuleExample.Token("xoxs-95705328807-50664518737-124e4e8403bda14169ebb6210e3f36d67da6165f57f3e79e60f3b5396b161a4a"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xoxa-short-1",
        "xxoxa-920096907223-1WCHzltlGb1JVAB49kv2hbrg",
    ];
}
