using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The credential of an <c>Authorization</c> header whose scheme is a service's own rather than <c>Bearer</c> or
/// <c>Basic</c> (which have rules of their own): <c>token</c> (GitHub, Snyk), <c>Bot</c> (Discord), <c>SSWS</c> (Okta),
/// <c>GenieKey</c> (Opsgenie), <c>Splunk</c> (Splunk HEC). These scheme words are common in prose, so the header name
/// must come first, in any of the forms a header takes: <c>Authorization: token …</c>, <c>"Authorization": "SSWS …"</c>
/// (also JSON-escaped), <c>Authorization=Bot …</c>.
/// </summary>
internal sealed class AuthorizationSchemeRule : Rule
{
    private const int MaxToken = 1024;
    private const int MaxSeparator = 12;

    private static readonly string[] Schemes = ["token", "Token", "Bot", "SSWS", "GenieKey", "Splunk"];

    public override string Id => "authorization-scheme";

    public override string Description => "Credential of an Authorization header with a service's own scheme (token, Bot, SSWS, GenieKey, Splunk)";

    public override IReadOnlyList<string> Signatures { get; } = ["Authorization", "authorization"];

    public override int MaxReach => 13 + MaxSeparator + 8 + 4 + MaxToken + 1;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        if (!window.IsTokenStart(hit))
        {
            return false;
        }

        // The separator between the header's name and its value: ": ", "=", "\":\"", "': '".
        int i = hit + 13;
        int limit = Math.Min(text.Length, i + MaxSeparator);
        bool assigns = false;
        while (i < limit && text[i] is ':' or '=' or '"' or '\'' or '\\' or ' ' or '\t')
        {
            assigns |= text[i] is ':' or '=';
            i++;
        }

        string? scheme = null;
        foreach (string candidate in Schemes)
        {
            if (Chars.StartsWith(text, i, candidate))
            {
                scheme = candidate;
                break;
            }
        }

        if (!assigns || scheme is null)
        {
            return false;
        }

        return SchemeCredential.TryRead(window, i + scheme.Length, MaxToken, out start, out end);
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("curl -sS -H 'Authorization: SSWS 00Qx7mB2vK9pL4nR8tY3wZ6cF1hJ5dG0sA2eU7iO' https://acme.okta.com/api/v1/users/me", "00Qx7mB2vK9pL4nR8tY3wZ6cF1hJ5dG0sA2eU7iO"),
        new("curl -H \"Authorization: token 7c2e5a9f-1b4d-4f8a-9e3c-6d0b2f5a8e1c\" https://api.snyk.io/rest/self", "7c2e5a9f-1b4d-4f8a-9e3c-6d0b2f5a8e1c"),
        new("{\"headers\":{\"Authorization\":\"GenieKey 4a8c2e6f-0b1d-4e3a-9c7f-5d2b8e1f4a6c\"}}", "4a8c2e6f-0b1d-4e3a-9c7f-5d2b8e1f4a6c"),
        new("authorization=Splunk 9e1b5d3f-7a2c-4b8e-a6d0-3f5c9b1e7d2a", "9e1b5d3f-7a2c-4b8e-a6d0-3f5c9b1e7d2a"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "Authorization: token ${GITHUB_TOKEN}",
        "headers[\"Authorization\"] = \"token \" + token",
        "Authorization: Token <your-api-token>",
        "authorization: token xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "Authorization: Bot YOUR_BOT_TOKEN_GOES_HERE",
        "the authorization token 7c2e5a9f-1b4d-4f8a-9e3c-6d0b2f5a8e1c is stored in the vault",
        "Authorization: SSWS 00Qx7mB2",
        "Authorization: Tokenizer 7c2e5a9f-1b4d-4f8a-9e3c-6d0b2f5a8e1c",
    ];
}
