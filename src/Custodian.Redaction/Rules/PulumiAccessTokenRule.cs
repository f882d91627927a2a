using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Pulumi access token (pul-).</summary>
internal sealed class PulumiAccessTokenRule : TokenRule
{
    public override string Id => "pulumi-access-token";

    public override string Description => "Pulumi access token (pul-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["pul-"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 40;

    protected override int MaxBody => 40;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("pul-a9309d58be1520d0136209b05bb118e691aae1ef"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "pul-5474da436f",
        "pul-request",
    ];
}
