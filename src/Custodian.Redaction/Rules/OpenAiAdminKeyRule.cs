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
        RuleExample.Token("sk-admin-NEnhQFCjjmDzI54rllVDyVFxIhNYJ5K5jjy3j0rD4gXYgSMU"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-admin-QuCADonlmu",
        "task-admin-MlzHGtFl2nBgGoSSEraq899OWgZxoofDbqD1KaVT4OTApAn1",
    ];
}
