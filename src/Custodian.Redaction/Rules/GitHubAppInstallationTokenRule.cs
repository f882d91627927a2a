using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitHub App installation (server-to-server) token (ghs_).</summary>
internal sealed class GitHubAppInstallationTokenRule : TokenRule
{
    public override string Id => "github-app-installation-token";

    public override string Description => "GitHub App installation (server-to-server) token (ghs_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ghs_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 251;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ghs_G1tcdIsRaEIH1a6gUiZPn8pvAIrN50I2JyJc"),
        RuleExample.Token("ghs_uEf1c0YrGslUJnUHqAtuLa4dkmrtrqBpyMea"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ghs_BkmHfAbax0qCLmu37Dph",
        "xghs_VbkWTejsnamaEEeBM181pOEPaNxdpz47tuzK",
        "ghs_HXRzV3BMvHIXbnT8d9lQdjgdf2WEBK-ys5h7m7Iv1",
    ];
}
