using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Postman API key (PMAK-).</summary>
internal sealed class PostmanApiKeyRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new("0123456789abcdefABCDEF-");

    protected override bool IsValidBody(ReadOnlySpan<char> body) => body[24] == '-' && body.Count('-') == 1;

    public override string Id => "postman-api-key";

    public override string Description => "Postman API key (PMAK-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["PMAK-"];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 59;

    protected override int MaxBody => 59;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("PMAK-67dc89cdbe7b8c7bab482550-4d7f0819ae5073921ce2b5e2beaa67c8cd"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "PMAK-b2743ab813fe5972e20b",
    ];
}
