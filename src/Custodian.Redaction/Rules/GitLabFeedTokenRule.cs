using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab feed token (glft-).</summary>
internal sealed class GitLabFeedTokenRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["glf"];

    public override string Id => "gitlab-feed-token";

    public override string Description => "GitLab feed token (glft-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glft-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glft-3dcG9HcmN7259HQmCziR"),
        RuleExample.Token("glft-dJSyypYIeV8mWxkMxdKBZaCLxJHX.01.2i80mngmk"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glft-Xdd8c0j5zj",
        "xglft-xucvp6RYwUIJP1xphmM4",
    ];
}
