using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitLab personal, project or group access token (glpat-).</summary>
internal sealed class GitLabPatRule : TokenRule
{
    // Routable tokens (GitLab 17.x+) append ".<version>.<crc>" to the base64url payload.
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    // GitLab prefixes are scanned by their first three letters (a cheap shared anchor); the prefix is checked after.
    public override IReadOnlyList<string> Signatures { get; } = ["glp"];

    public override string Id => "gitlab-pat";

    public override string Description => "GitLab personal, project or group access token (glpat-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glpat-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glpat-KMyM8VTUggxxVG2srxju"),
        RuleExample.Token("glpat-4V6i827Ve7COHXOSGt9Fy3qptmDX.01.r0z6u4yac"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glpat-6qLV0Tod4F",
        "xglpat-hls7Mx98dCKyl25nrVBd",
    ];
}
