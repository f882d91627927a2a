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
        RuleExample.Token("npm_e1MqLcZfoUAoMzM9SLGRcAZfmRG0jY0w3hVQ"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "npm_fhe17v7QOMl3htIIzD1i",
        "pnpm_YUqJDB1PpiuICDVkay3BjZXkprpzZwOEuuKX",
        "npm_8f9oZootfXvV3Yg98S4restuOEdB0GRW6iqJk",
    ];
}
