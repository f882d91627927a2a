using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The credential of an <c>Authorization: Bearer</c> header (or any "Bearer &lt;token&gt;"). When the token is
/// itself a known format (an Anthropic key, a JWT), that format's rule labels it.
/// </summary>
internal sealed class AuthorizationBearerRule : Rule
{
    private const int MaxToken = 8192;

    public override string Id => "authorization-bearer";

    public override string Description => "Bearer token (Authorization: Bearer <token>)";

    public override IReadOnlyList<string> Signatures { get; } = ["Bearer", "bearer", "BEARER"];

    public override int MaxReach => 6 + 4 + MaxToken + 1;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        if (!Chars.StartsWithIgnoreCase(text, hit, "bearer") || !window.IsTokenStart(hit))
        {
            return false;
        }

        return SchemeCredential.TryRead(window, hit + 6, MaxToken, out start, out end);
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ", "9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ"),
        new("curl -H 'Authorization: Bearer ya_live.Q2x8Zr1mK7bN3vC0pL4sW9eD6fJ2h~A5=' https://api.example.com", "ya_live.Q2x8Zr1mK7bN3vC0pL4sW9eD6fJ2h~A5="),
        new("authorization: bearer q8w2e7r1t9y3u6i0o4p5-", "q8w2e7r1t9y3u6i0o4p5-"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "Authorization: Bearer ${API_TOKEN}",
        "Authorization: Bearer <token>",
        "\"token_type\": \"Bearer\"",
        "the bearer of this letter",
        "Authorization: Bearer YOUR_ACCESS_TOKEN_HERE",
        "headers = {\"Authorization\": \"Bearer \" + token}",
        "Authorization: Bearer 0123456789abcdef",
        "Authorization: Bearer xxxxxxxxxxxxxxxxxxxx1",
        "Authorization: Bearer YOUR_TOKEN_1234567890",
    ];
}
