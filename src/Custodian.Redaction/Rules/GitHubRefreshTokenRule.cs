using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitHub App refresh token (ghr_).</summary>
internal sealed class GitHubRefreshTokenRule : TokenRule
{
    public override string Id => "github-refresh-token";

    public override string Description => "GitHub App refresh token (ghr_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ghr_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 251;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ghr_NsuLv1AK6WmHUxUUnsNHhPl0A5wtbomotPGI"),
        RuleExample.Token("ghr_2XjJ6ncZfhmjJfDRGNh3eGitQvI0kPg7mO6m"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ghr_46CzX6jzPydq37riksf8",
        "xghr_doOBNh1Yd9OQ86rdoXDi0XsATYXBd8N1wQ4d",
        "ghr_kv9bPFa8ec9BZrc3fo4G5szHN8z2hC-k81GJg67mR",
    ];
}
