using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Mailgun API key (key- + 32 hex).</summary>
internal sealed class MailgunApiKeyRule : TokenRule
{
    public override string Id => "mailgun-api-key";

    public override string Description => "Mailgun API key (key- + 32 hex)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["key-"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 32;

    protected override int MaxBody => 32;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("key-79592d04f2ef1bfe3a7d244ffd8884b6"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "key-17b5f42f05ffb8e1b063",
        "monkey-b1913748854c7ea64f73b382de7dc96d",
        "api-key-value",
    ];
}
