using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Slack token rotation refresh token (xoxe-).</summary>
internal sealed class SlackRefreshTokenRule : TokenRule
{
    private static readonly AsciiSet SlackBody = new(Chars.Letters + Chars.DigitChars + "-");

    protected override string NeverEndsWith => "-";

    // One scan anchor for every xox token; the prefixes are checked after the hit.
    public override IReadOnlyList<string> Signatures { get; } = ["xox"];

    public override string Id => "slack-refresh-token";

    public override string Description => "Slack token rotation refresh token (xoxe-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xoxe-"];

    protected override AsciiSet Body => SlackBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xoxe-1-gtdtNUk2mwEMZZA10oxQAMmjndyza63UIjy7tKtBkTR3CR8sfsyGKlshepOMvdVtvlSbbaAF4odgyTk5HToBBwKj8jrzm0K9DnOK9hnKkQ6OtpClt4zLGVsiHz6F35yLMDLFH0oW4rnt"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xoxe-short-1",
        "xxoxe-381461266443-ZiblFsZEU6gQ1scWgQEBarEA",
    ];
}
