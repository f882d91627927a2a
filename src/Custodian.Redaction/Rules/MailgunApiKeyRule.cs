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
        RuleExample.Token("key-17b5f42f05ffb8e1b063b1913748854c"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "key-7ea64f73b382de7dc96d",
        "monkey-c6bd87070089bbe7dbc47684a1d4f629",
        "api-key-value",
    ];
}
