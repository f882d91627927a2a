using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>New Relic user API key (NRAK-).</summary>
internal sealed class NewRelicUserApiKeyRule : TokenRule
{
    public override string Id => "newrelic-user-api-key";

    public override string Description => "New Relic user API key (NRAK-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["NRAK-"];

    protected override AsciiSet Body => AsciiSet.UpperAlnum;

    protected override int MinBody => 27;

    protected override int MaxBody => 27;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("NRAK-CCJLTGOFDER70D2RPTLY7Y28V0E"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "NRAK-1N7SDEUZZI",
    ];
}
