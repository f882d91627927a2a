using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Slack configuration access token (xoxe.xoxp-, xoxe.xoxb-).</summary>
internal sealed class SlackConfigTokenRule : TokenRule
{
    private static readonly AsciiSet SlackBody = new(Chars.Letters + Chars.DigitChars + "-");

    protected override string NeverEndsWith => "-";

    // One scan anchor for every xox token; the prefixes are checked after the hit.
    public override IReadOnlyList<string> Signatures { get; } = ["xox"];

    public override string Id => "slack-config-token";

    public override string Description => "Slack configuration access token (xoxe.xoxp-, xoxe.xoxb-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xoxe.xoxp-", "xoxe.xoxb-"];

    protected override AsciiSet Body => SlackBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xoxe.xoxp-1-kfgAeFUrp0Czk1FsxtfshxScWZR7Q3KrqiSkiTbfmWFvMY1VFVdgSOY0DwCLVCbb2fQdxUIn4noX7sPilkMbzZMjyiZlf0t9cERz29TYeXU47jDaj8fndfGNJgDqymE972pk2uz78hod"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xoxe.xoxp-short-1",
        "xoxe.xoxp-",
    ];
}
