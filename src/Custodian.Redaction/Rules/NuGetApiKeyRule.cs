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
        RuleExample.Token("oy22rx63jwa1767jxxcf3lfblnbelo1qsrzi3ep273hfkz"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "oy2b0lty44k1iyryiqit35ibbdeb308ydvnnfoujuvd",
        "toy2c0fifsk89tjb2dfs8aqm2pwt8p8a5d7qtcnjym1dxwb",
        "oy294vtlctmyt2yi9v5l6s6ciuttwej83hfbhxc4ku8m2yX",
    ];
}
