using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab CI/CD job token (glcbt-).</summary>
internal sealed class GitLabCiJobTokenRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["glc"];

    public override string Id => "gitlab-ci-job-token";

    public override string Description => "GitLab CI/CD job token (glcbt-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glcbt-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glcbt-V6s0u2MmGFQjcNMkmTv7"),
        RuleExample.Token("glcbt-VIDt7g1sW0ep4Ffj20pWQBnE5bAX.01.3ad045o19"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glcbt-TrnDaum74R",
        "xglcbt-JgymuBcqm72Jlq0DyGum",
    ];
}
