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
        RuleExample.Token("sntrys_eyJENke8xTHZqFz9sk9DPgyh8BWO2DLjJC1ccL1Rb4Q745jHD0llSQJs7PQAYPXFmcVGG7JwqvMhNHHwLi8hXNEvl0sujGTGtp19f1D1lFSGMUJ3t6LgzcJ0wdi_a2M7DLXDgDUdMTxd8YnpJs6fpHtRGmBt9Mt637WMdJk"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sntrys_xzIFL5F26z",
    ];
}
