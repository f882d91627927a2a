using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Heroku API key (HRKU-).</summary>
internal sealed class HerokuApiKeyRule : TokenRule
{
    public override string Id => "heroku-api-key";

    public override string Description => "Heroku API key (HRKU-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["HRKU-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 30;

    protected override int MaxBody => 100;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("HRKU-AAwav0idCcAAgntv7c1uzSfbiQrE1T9bJmhIqPlrLqGdQJXanluPkc4j_rx"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "HRKU-CpZLSRxEtf",
    ];
}
