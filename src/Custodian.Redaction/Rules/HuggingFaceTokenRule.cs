using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Hugging Face access token (hf_).</summary>
internal sealed class HuggingFaceTokenRule : TokenRule
{
    public override string Id => "huggingface-token";

    public override string Description => "Hugging Face access token (hf_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["hf_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 30;

    protected override int MaxBody => 40;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "hf_dbcynvgegu",
        "shf_YwbFQzehflCHfqJIUIxZjxsPADvEBkEQmZ",
        "hf_chpnxphegrwiloccbiczomrcdazylzkyrdcnssgnlpqqcabass",
    ];
}
