using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>OpenAI project API key (sk-proj-).</summary>
internal sealed class OpenAiProjectKeyRule : TokenRule
{
    public override string Id => "openai-project-key";

    public override string Description => "OpenAI project API key (sk-proj-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk-proj-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 40;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
        RuleExample.Token("sk-proj-GJaemCdYyZZRK0PJ7nqE0U5SEvaXVVjyHTbHxbTMXXgdM8P6"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-proj-DCDfdBxeRq",
        "task-proj-4Yw7KG7iUbrba0SXI8mWMLwh2VkcsmdszLE8dnblYBmmFeKu",
    ];
}
