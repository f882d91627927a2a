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
        RuleExample.Token("NRAK-DEUZZIC4M1Z00ADAG8AI5PXE0R2"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "NRAK-T4FXUNA8BR",
    ];
}
