using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Groq API key (gsk_).</summary>
internal sealed class GroqApiKeyRule : TokenRule
{
    public override string Id => "groq-api-key";

    public override string Description => "Groq API key (gsk_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["gsk_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 52;

    protected override int MaxBody => 52;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "gsk_zUXLRLRFcFAO51DJMINs",
    ];
}
