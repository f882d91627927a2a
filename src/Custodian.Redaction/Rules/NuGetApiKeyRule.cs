using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>NuGet API key (oy2 + 43).</summary>
internal sealed class NuGetApiKeyRule : TokenRule
{
    public override string Id => "nuget-api-key";

    public override string Description => "NuGet API key (oy2 + 43)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["oy2"];

    protected override AsciiSet Body => AsciiSet.LowerAlnum;

    protected override int MinBody => 43;

    protected override int MaxBody => 43;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("oy2nbelo1qsrzi3ep273hfkzb0lty44k1iyryiqit35ibb"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "oy2deb308ydvnnfoujuvdc0fifsk89tjb2dfs8aqm2p",
        "toy2wt8p8a5d7qtcnjym1dxwb94vtlctmyt2yi9v5l6s6ci",
        "oy2uttwej83hfbhxc4ku8m2yovhjzwdxvx7kzw718wdy1oX",
    ];
}
