using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Sentry organization auth token (sntrys_).</summary>
internal sealed class SentryOrgTokenRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new(Chars.Letters + Chars.DigitChars + "+/=_");

    protected override string NeverEndsWith => "_";

    public override string Id => "sentry-org-token";

    public override string Description => "Sentry organization auth token (sntrys_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sntrys_"];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 40;

    protected override int MaxBody => 512;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sntrys_eyJYjuxrkz34ItHGwp5obWYHZBvdvu2cP9GWF9xeuYo2Rkb6z2pmEWENke8xTHZqFz9sk9DPgyh8BWO2DLjJC1ccL1Rb4Q745jHD0llSQJs7PQAYPXFmcVGG7Jw_qvMhNHHwLi8hXNEvl0sujGTGtp19f1D1lFSGMUJ3t6L"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sntrys_gzcJ0wdia2",
    ];
}
