using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitHub classic personal access token (ghp_).</summary>
internal sealed class GitHubClassicPatRule : TokenRule
{
    public override string Id => "github-pat-classic";

    public override string Description => "GitHub classic personal access token (ghp_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ghp_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 251;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ghp_CAT9AG498DYt5BL5gHCQRgI0QX020VORWniV"),
        RuleExample.Token("ghp_vAp3rJDMsLpuXyU3jVqVb7kuDdwDm8tvwZzr"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ghp_bB0wlAauVfmz44K8CrVI",
        "xghp_CMqIVFNsQY3vL6og0FlZiE36YGVSgGeCKrgm",
        "ghp_13ubedvVMeGkfgT6G4T7DMwWkJ2V2b-sbNMpyYgF1",
    ];
}
