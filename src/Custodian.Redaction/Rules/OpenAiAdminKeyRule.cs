using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>OpenAI admin key (sk-admin-).</summary>
internal sealed class OpenAiAdminKeyRule : TokenRule
{
    public override string Id => "openai-admin-key";

    public override string Description => "OpenAI admin key (sk-admin-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk-admin-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 40;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
        RuleExample.Token("sk-admin-qD1KaVT4OTApAn1wq7Iu1HaKUPEXAFAvL5mNf9fFvZOqCffF"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-admin-fGR5vmiorq",
        "task-admin-dL4x9l8u1u3IPIXLsWnQRhs3aU0T2LCzYnM2pzoHeTEawkpl",
    ];
}
