using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Hugging Face organization API token (api_org_).</summary>
internal sealed class HuggingFaceOrgTokenRule : TokenRule
{
    public override string Id => "huggingface-org-token";

    public override string Description => "Hugging Face organization API token (api_org_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["api_org_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 30;

    protected override int MaxBody => 40;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "api_org_pejgyzfoko",
        "xapi_org_XWFTHeIoBErKLAHCkWUaXszQeUnHQVIVjn",
    ];
}
