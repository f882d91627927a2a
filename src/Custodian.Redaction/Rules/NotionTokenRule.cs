using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Notion integration token (ntn_).</summary>
internal sealed class NotionTokenRule : TokenRule
{
    public override string Id => "notion-token";

    public override string Description => "Notion integration token (ntn_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ntn_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 40;

    protected override int MaxBody => 50;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ntn_NDWH55pMobE6KMH5kZQxLPROxLA66LDroarkwSRnmda5Fo"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ntn_6HDdwVAuJ6",
    ];
}
