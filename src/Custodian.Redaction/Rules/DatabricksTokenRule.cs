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
        RuleExample.Token("dapi1ff9f2d1878572b1848fc904eb42a31c"),
        RuleExample.Token("dapib1136fe20dbd7b6c74ea0a0bac424adb-2"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "dapid0868c875f507ac7b598",
        "xdapief0de4394eb9b1830296e0f9ed90d670",
        "dapiadf247409afd177673431d5a5b9c212eg",
        "dapi_client",
    ];
}
