using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Docker Hub personal access token (dckr_pat_).</summary>
internal sealed class DockerHubPatRule : TokenRule
{
    public override string Id => "dockerhub-pat";

    public override string Description => "Docker Hub personal access token (dckr_pat_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["dckr_pat_"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 20;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("dckr_pat_Kx3KjfDIinOBpwbhYKwhq1kUsw1"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "dckr_pat_mZRH0E2Ftl",
    ];
}
