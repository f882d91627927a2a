using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>npm access token (npm_).</summary>
internal sealed class NpmAccessTokenRule : TokenRule
{
    public override string Id => "npm-access-token";

    public override string Description => "npm access token (npm_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["npm_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 36;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("npm_cU1sitVLSXnA1gVYQSZr93MF8KcZl9mZTMve"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "npm_1MqLcZfoUAoMzM9SLGRc",
        "pnpm_AZfmRG0jY0w3hVQfhe17v7QOMl3htIIzD1iY",
        "npm_UqJDB1PpiuICDVkay3BjZXkprpzZwOEuuKX8f",
    ];
}
