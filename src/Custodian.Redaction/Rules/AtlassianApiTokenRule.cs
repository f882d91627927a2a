using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Atlassian API token (ATATT3).</summary>
internal sealed class AtlassianApiTokenRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new(Chars.Letters + Chars.DigitChars + "-_=");

    public override string Id => "atlassian-api-token";

    public override string Description => "Atlassian API token (ATATT3)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ATATT3"];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 150;

    protected override int MaxBody => 300;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ATATT3xFfGF0RFvApfjMLipv1I-2ckZpK9adA-8FufL9k-dOPbCnnis3cPDcqAqjwRvif1DhRlACnYdkHj1056r5IigXFCvNyNKQ9WqdHy1DtvCyS6Uy02y5SfytJhfbsF0DGerv1RM_QCij8uBizhznZoxmnTJYwNQK70-mQqK61oVzsmqVu8=A1B2C3D4"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ATATT3F8s3IfEbyGkkwOx9SKJH",
    ];
}
