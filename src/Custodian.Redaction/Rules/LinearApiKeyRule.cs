using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Linear API key (lin_api_).</summary>
internal sealed class LinearApiKeyRule : TokenRule
{
    public override string Id => "linear-api-key";

    public override string Description => "Linear API key (lin_api_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["lin_api_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 40;

    protected override int MaxBody => 40;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("lin_api_SsxOYu5VVFhnKRaL88u77ajJklgudjKyZuDLoLpW"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "lin_api_WRsdTSWDUfyok6wFADtO",
    ];
}
