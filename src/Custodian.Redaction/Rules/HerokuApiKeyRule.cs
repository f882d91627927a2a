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
        RuleExample.Token("HRKU-AAhIqPlrLqGdQJXanluPkc4j_rFyXkiJ-aGtOY2JVYPzgXfjcWAXH0ki61x"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "HRKU-5Fo6HDdwVA",
    ];
}
