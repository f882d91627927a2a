using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab pipeline trigger token (glptt-).</summary>
internal sealed class GitLabPipelineTriggerTokenRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["glp"];

    public override string Id => "gitlab-pipeline-trigger-token";

    public override string Description => "GitLab pipeline trigger token (glptt-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glptt-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glptt-25f5RZ5ZrGqK2FPeI38z"),
        RuleExample.Token("glptt-PG-6udLSv-rBZBx2UMZLl0WbKQZX.01.um3cna3vo"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glptt-ubwuzCUMSq",
        "xglptt-Av2Lc01ZHiClzK17xJVH",
    ];
}
