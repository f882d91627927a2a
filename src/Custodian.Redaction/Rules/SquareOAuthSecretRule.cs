using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Square OAuth application secret (sq0csp-).</summary>
internal sealed class SquareOAuthSecretRule : TokenRule
{
    public override string Id => "square-oauth-secret";

    public override string Description => "Square OAuth application secret (sq0csp-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sq0csp-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 40;

    protected override int MaxBody => 60;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sq0csp-R3OG8oPwASVe7eP2Cv44taKsKZY0kzSf6wGCIyrhaKu"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sq0csp-eE8ZnFc09R",
    ];
}
