using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Other GitLab tokens (incoming mail glimt-, agent glagent-, SCIM glsoat-, feature flags glffct-, runner registration glrtr-, workspace glwt-).</summary>
internal sealed class GitLabOtherTokenRule : TokenRule
{
    private static readonly AsciiSet GitLabBody = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    public override IReadOnlyList<string> Signatures { get; } = ["gli", "gla", "gls", "glf", "glr", "glw"];

    public override string Id => "gitlab-token";

    public override string Description => "Other GitLab tokens (incoming mail glimt-, agent glagent-, SCIM glsoat-, feature flags glffct-, runner registration glrtr-, workspace glwt-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glimt-", "glagent-", "glsoat-", "glffct-", "glrtr-", "glwt-"];

    protected override AsciiSet Body => GitLabBody;

    protected override int MinBody => 20;

    protected override int MaxBody => 200;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glimt-46McnefUODxMZXE4DCM0Q5dsl"),
        RuleExample.Token("glagent-OvG1n88P8dBKV5XQxrPGhWCtC1FHo7UTsrCjompPHy0LbKUGGY"),
        RuleExample.Token("glsoat-xfNhTuZu6a3bkgRrK3YB"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glimt-short",
        "xglsoat-oyZsPdhm1gHMH3vPF97R",
    ];
}
