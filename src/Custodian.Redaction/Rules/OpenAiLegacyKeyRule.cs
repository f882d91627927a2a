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
        "sk-RlbkHDFWsxapQCnyI7OFJEDanGQsG87RcohFxmPhmLE0mCBt",
        "task-w0rDuiL96PGvo0oqsi83T3BlbkFJsjZgkjF6GbUubHCbNnCq",
        "sk-fr3szcuvDOrr9w5Jm59c",
    ];
}
