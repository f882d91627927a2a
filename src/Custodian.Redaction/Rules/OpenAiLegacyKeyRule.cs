using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>OpenAI legacy user key (sk- + 20 + T3BlbkFJ + 20).</summary>
internal sealed class OpenAiLegacyKeyRule : TokenRule
{
    protected override bool IsValidBody(ReadOnlySpan<char> body) => body.Slice(20, 8).SequenceEqual("T3BlbkFJ");

    public override string Id => "openai-legacy-key";

    public override string Description => "OpenAI legacy user key (sk- + 20 + T3BlbkFJ + 20)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk-"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 48;

    protected override int MaxBody => 48;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-3j2Xv2sOBdwFAwpjtptjE4YvjTEUFItXQgwLCMc24EUJzdRM",
        "task-e7PJnHz7O96LGQxsKAVFT3BlbkFJDDeVi6h6OVJk6mCS0qLW",
        "sk-jKGcMtqOHSFmSRlbkHDF",
    ];
}
