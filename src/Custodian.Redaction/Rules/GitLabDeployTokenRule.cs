using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab deploy token (gldt-).</summary>
internal sealed class GitLabDeployTokenRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["gld"];

    public override string Id => "gitlab-deploy-token";

    public override string Description => "GitLab deploy token (gldt-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["gldt-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("gldt-sOVmYuSbpLRhUYstRFA2"),
        RuleExample.Token("gldt-IQaTvxfrMOXUW8YEathZxtLK7UyX.01.gika9ittl"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "gldt-n9aztrVU44",
        "xgldt-XZYgudu0qAFrTBQ6Uzya",
    ];
}
