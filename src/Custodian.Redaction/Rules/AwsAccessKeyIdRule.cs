using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>AWS access key id (AKIA/ASIA/ABIA/ACCA + 16).</summary>
internal sealed class AwsAccessKeyIdRule : TokenRule
{
    public override string Id => "aws-access-key-id";

    public override string Description => "AWS access key id (AKIA/ASIA/ABIA/ACCA + 16)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["AKIA", "ASIA", "ABIA", "ACCA"];

    protected override AsciiSet Body => AsciiSet.UpperAlnum;

    protected override int MinBody => 16;

    protected override int MaxBody => 16;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("AKIAIOSFODNN7EXAMPLE"),
        RuleExample.Token("ASIAYOX5AZNX7RTB5VBT"),
        RuleExample.Token("AKIAVGWFM5E0SZCRQ6WK"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "AKIATGCI2JIU0D4LWKG",
        "AKIARN6V1ALRVTNBWZSGT",
        "XAKIAGB2LMI178J9T5KY6",
        "AKIA0QPNENYWXJNJKJ19abc",
        "Asia is a continent",
        "ASIANXXXXXXXXXX",
    ];
}
