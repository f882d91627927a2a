using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>age encryption secret key (AGE-SECRET-KEY-1).</summary>
internal sealed class AgeSecretKeyRule : TokenRule
{
    private static readonly AsciiSet Bech32 = new("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L");

    public override string Id => "age-secret-key";

    public override string Description => "age encryption secret key (AGE-SECRET-KEY-1)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["AGE-SECRET-KEY-1"];

    protected override AsciiSet Body => Bech32;

    protected override int MinBody => 58;

    protected override int MaxBody => 58;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("AGE-SECRET-KEY-1D0HL77YJ7EK0WPZ8Q0082JU4KXVW2A7DMPCFFUZEKFPTAKLNVYY34C575V"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "AGE-SECRET-KEY-1NSPY53K0UE0VYCY2KQQS",
    ];
}
