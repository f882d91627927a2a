using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>xAI API key (xai-).</summary>
internal sealed class XaiApiKeyRule : TokenRule
{
    public override string Id => "xai-api-key";

    public override string Description => "xAI API key (xai-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["xai-"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 80;

    protected override int MaxBody => 80;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("xai-DiDbgQo4zX8e5BWPISsciegxwU2g6TmtSF3VcvechtJvpWpGNYJBRO0DbHzZ6m34Tpvce9b9PtAJCi5m"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xai-RoKKmQNa8gs2DvXZIazw",
        "xai-grok-2",
    ];
}
