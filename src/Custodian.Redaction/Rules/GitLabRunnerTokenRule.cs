using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab runner authentication token (glrt-).</summary>
internal sealed class GitLabRunnerTokenRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["glr"];

    public override string Id => "gitlab-runner-token";

    public override string Description => "GitLab runner authentication token (glrt-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glrt-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glrt-c0ZvxptH1fTQw03b0ted"),
        RuleExample.Token("glrt-xTPoXAZ8sQONT4LLkL43eVhSKWKX.01.e92i5bmv9"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glrt-0r7Wr1Oyys",
        "xglrt-SfvdbJloAOqOB38PeXhf",
    ];
}
