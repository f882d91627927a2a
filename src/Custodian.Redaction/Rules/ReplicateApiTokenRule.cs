using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Replicate API token (r8_).</summary>
internal sealed class ReplicateApiTokenRule : TokenRule
{
    public override string Id => "replicate-api-token";

    public override string Description => "Replicate API token (r8_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["r8_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 40;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("r8_hnZxmb64hHt38YSNmmSUFcOq6LxmMMIygyAa7"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "r8_Eloej7q1Np",
        "xr8_0XdXMm7Md3DXTYm5dps0EPyTNCJhluClZ69Ki",
    ];
}
