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
        RuleExample.Token("sk-proj-HugY4vcvPVIG65rnxNsL10X4Ptfiy3PLgWsDcyLqgPeFkxM4"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-proj-PmBNGJaemC",
        "task-proj-dYyZZRK0PJ7nqE0U5SEvaXVVjyHTbHxbTMXXgdM8P6DCDfdB",
    ];
}
