using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// Registry credentials in an <c>.npmrc</c> (<c>//registry.npmjs.org/:_authToken=...</c>, <c>:_auth=</c>,
/// <c>:_password=</c>); this catches the tokens of every npm-compatible registry, not only <c>npm_</c> ones.
/// </summary>
internal sealed class NpmrcAuthTokenRule : KeywordValueRule
{
    private static readonly AsciiSet TokenValue = new(Chars.Letters + Chars.DigitChars + "-_.+/=~:");

    public override string Id => "npmrc-auth-token";

    public override string Description => "Registry credential in .npmrc (:_authToken=, :_auth=, :_password=)";

    protected override IReadOnlyList<string> Keywords { get; } = [":_authtoken=", ":_auth=", ":_password="];

    public override IReadOnlyList<string> Signatures { get; } = [":_auth", ":_password="];

    protected override AsciiSet Value => TokenValue;

    protected override int MinValue => 8;

    protected override int MaxValue => 2048;

    protected override bool ValueFollowsDirectly => true;

    protected override bool KeywordMayFollowWord => true;

    public override bool IsContextual => true;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("//npm.pkg.github.com/:_authToken=Xy7Qm3xN8vB2cZ7lK1jH4gF6dS9aP0oI5uY8t", "Xy7Qm3xN8vB2cZ7lK1jH4gF6dS9aP0oI5uY8t"),
        new("//registry.example.com/npm/:_auth=dXNlcjpzM2NyM3QtcGFzc3dvcmQ=", "dXNlcjpzM2NyM3QtcGFzc3dvcmQ="),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
        "//registry.npmjs.org/:_authToken=",
    ];
}
