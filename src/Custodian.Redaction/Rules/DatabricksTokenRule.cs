using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Databricks personal access token (dapi + 32 hex).</summary>
internal sealed class DatabricksTokenRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new("0123456789abcdef-");

    protected override string NeverEndsWith => "-";

    // 32 hex digits, optionally "-<digit>" (a workspace suffix).
    protected override bool IsValidBody(ReadOnlySpan<char> body) =>
        !body[..32].Contains('-') && (body.Length == 32 || (body[32] == '-' && body.Length > 33 && AsciiSet.Digits.All(body[33..])));

    public override string Id => "databricks-token";

    public override string Description => "Databricks personal access token (dapi + 32 hex)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["dapi"];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 32;

    protected override int MaxBody => 36;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("dapi4eb42a31cb1136fe20dbd7b6c74ea0a0"),
        RuleExample.Token("dapibac424adbd0868c875f507ac7b598ef0-2"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "dapide4394eb9b1830296e0f",
        "xdapi9ed90d670adf247409afd177673431d5",
        "dapia5b9c212eb210c8762412abcaa2cbad0g",
        "dapi_client",
    ];
}
