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
        RuleExample.Token("xai-sSvTiDcQa6pL5MoL4QBicKk3xVVBeHax0TLuas7n2DiDbgQo4zX8e5BWPISsciegxwU2g6TmtSF3Vcve"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "xai-chtJvpWpGNYJBRO0DbHz",
        "xai-grok-2",
    ];
}
