using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab OAuth application secret (gloas-).</summary>
internal sealed class GitLabOAuthSecretRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["glo"];

    public override string Id => "gitlab-oauth-app-secret";

    public override string Description => "GitLab OAuth application secret (gloas-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["gloas-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("gloas-1AT9y1h7YOLRyQC3R1sV"),
        RuleExample.Token("gloas-kcSaZhzBhvDWnp-5-Z1rU7K1ngLX.01.bsw79ccbr"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "gloas-rxFYrAsd6n",
        "xgloas-2RrZBObDjT17iqhUjXsS",
    ];
}
