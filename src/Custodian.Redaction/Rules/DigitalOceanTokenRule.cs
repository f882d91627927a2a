using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>DigitalOcean personal, OAuth and refresh token (dop_v1_, doo_v1_, dor_v1_).</summary>
internal sealed class DigitalOceanTokenRule : TokenRule
{
    public override string Id => "digitalocean-token";

    public override string Description => "DigitalOcean personal, OAuth and refresh token (dop_v1_, doo_v1_, dor_v1_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["dop_v1_", "doo_v1_", "dor_v1_"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 64;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("dop_v1_81aef5dc6e07eb29441a48c98b1aeb1bd585ef2ee9c19809abe7c531a7273c51"),
        RuleExample.Token("dor_v1_e46e45b4d6e41e6f95600d7614acaa2a40f48f810d5877c88c31e3c7d0595366"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "dop_v1_8781c56e9d24a3b7c68e445fd80c78",
    ];
}
