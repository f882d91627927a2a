using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Docker Hub organization access token (dckr_oat_).</summary>
internal sealed class DockerHubOrgTokenRule : TokenRule
{
    public override string Id => "dockerhub-org-token";

    public override string Description => "Docker Hub organization access token (dckr_oat_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["dckr_oat_"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 20;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("dckr_oat_D8QotHl9uIQPxWdwNOguzjtGTFlLFlGJ"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "dckr_oat_lJtP5uqyDg",
    ];
}
