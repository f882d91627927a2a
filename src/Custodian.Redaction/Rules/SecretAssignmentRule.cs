using System.Buffers;
using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The catch-all for services without a token format: a value bound to a name that says it is secret
/// (<c>*_API_KEY</c>, <c>apiKey</c>, <c>client_secret</c>, <c>X-Auth-Token</c>, <c>db.password</c>, any case style,
/// see <see cref="SecretNames"/>) in any syntax <see cref="Assignment"/> reads: .env and shell (<c>export</c>,
/// <c>--token v</c>), YAML, TOML, INI, JSON (also JSON-escaped), XML config, code literals, headers, query strings.
/// The value must be at least 8 characters, hold a digit or a symbol, and be no placeholder, reference or path
/// (<see cref="Placeholders"/>), so flags, code and documentation survive.
/// </summary>
internal sealed class SecretAssignmentRule : Rule
{
    private const int MinValue = 8;
    private const int MaxValue = 1024;
    private const int MaxAnchorToNameEnd = 12;

    private static readonly SearchValues<char> Symbols = SearchValues.Create("!@#%^&*+=~?");

    public override string Id => "secret-assignment";

    public override string Description =>
        "Value of a secret name (*_API_KEY, apiKey, client_secret, X-Auth-Token, password...) in .env, shell, YAML, TOML, INI, JSON, XML, code, headers or query strings";

    // Scan anchors inside the name; the whole name is checked by SecretNames after the hit. Each spelling is
    // chosen to reuse the scan's cheap trigger characters (K, A, k, '_') or to share one multi-string fallback
    // value between case styles ("ecret": secret, Secret; "assword": password, Password; "oken": token, Token).
    public override IReadOnlyList<string> Signatures => Anchors;

    private static readonly string[] Anchors =
    [
        "KEY", "Key", "key", "TOKEN", "oken", "_SECRET", "ecret", "PASSWORD", "assword", "PASSWD", "_passwd",
        "PASSPHRASE", "_passphrase", "_PAT", "_pat",
    ];

    // A folded name must end in one of SecretNames' endings, and each anchor ends one: a letter or digit after the
    // anchor (input_tokens, file_path, keyboard) leaves no secret name. "key" alone is no ending and "_pat" needs a
    // name before it, so those anchors also need a name character before them (not "key) or", "the key:").
    public override AnchorBounds BoundsOf(string signature) =>
        signature is "KEY" or "Key" or "key" or "_PAT" or "_pat" ? AnchorBounds.EndsWord | AnchorBounds.AfterNameChar : AnchorBounds.EndsWord;

    public override int MaxReach => SecretNames.MaxName + Assignment.MaxSeparator + 8 + MaxValue + 8;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        if (!AnchoredAt(text, hit))
        {
            return false;
        }

        int nameStart = hit;
        while (nameStart > 0 && hit - nameStart < SecretNames.MaxName && SecretNames.NameChars.Contains(text[nameStart - 1]))
        {
            nameStart--;
        }

        // A name glued to a marker was glued to a secret's tail in the first pass (SharedAccessKey=<key>max_token=…,
        // <token>-2api_key=…), which may have made it another name (max_token is none): it decides nothing in either pass.
        if (nameStart > 0 && Scanner.IsMarkerEnd(text, nameStart - 1))
        {
            return false;
        }

        if (window.IsEscapedLetter(nameStart))
        {
            nameStart++; // \nAPI_KEY=: the 'n' is the escaped newline's
        }

        while (nameStart < hit && text[nameStart] is '-' or '.')
        {
            nameStart++;
        }

        int nameEnd = hit + SecretNames.NameChars.Run(text, hit, SecretNames.MaxName + 1);
        while (nameEnd > hit && text[nameEnd - 1] is '.' or '-')
        {
            nameEnd--;
        }

        // A name is judged by its last MaxName characters only, so that redacting text glued before it (a value
        // that ran into it) never changes the decision: redacting twice equals redacting once.
        // The anchor must be the name's last word (API_KEY is matched at KEY, not at API): a match resumes the scan
        // after the value, so a token glued into a long name between the anchor and the value would be skipped.
        if (nameEnd - hit > MaxAnchorToNameEnd || !SecretNames.IsSecretName(text[nameStart..nameEnd]))
        {
            return false;
        }

        Assignment.Style style = Assignment.Find(text, nameStart, nameEnd, spaceAssigns: false, out int valueStart, out int quoteAt);
        int valueEnd = Assignment.ValueEnd(text, style, valueStart, quoteAt, MaxValue);
        if (valueEnd < 0 || !IsSecretValue(text[valueStart..valueEnd]))
        {
            return false;
        }

        start = valueStart;
        end = valueEnd;
        return true;
    }

    /// <summary>Whether a value bound to a secret name is itself secret-looking (shared with other context rules).</summary>
    internal static bool IsSecretValue(ReadOnlySpan<char> value)
    {
        if (value.Length is < MinValue or > MaxValue || value.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        int digits = Chars.CountDigits(value);
        bool symbol = value.ContainsAny(Symbols);
        return (digits > 0 || symbol) && digits < value.Length && !Placeholders.IsPlaceholderValue(value) && !Placeholders.IsPathLike(value);
    }

    private bool AnchoredAt(ReadOnlySpan<char> text, int hit)
    {
        foreach (string signature in Anchors)
        {
            if (Chars.StartsWith(text, hit, signature))
            {
                return true;
            }
        }

        return false;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("MISTRAL_API_KEY=Qm3xN8vB2cZ7lK1jH4gF6dS9aP0oI5uY", "Qm3xN8vB2cZ7lK1jH4gF6dS9aP0oI5uY"),
        new("export CLOUDFLARE_API_TOKEN=\"cf-9xN8vB2cZ7lK1jH4gF6dS9aP0\"", "cf-9xN8vB2cZ7lK1jH4gF6dS9aP0"),
        new("{\"env\": {\"MY_SERVICE_SECRET\": \"k8s-s3cr3t-v4lue\"}}", "k8s-s3cr3t-v4lue"),
        new("DB_PASSWORD: hunter22", "hunter22"),
        new("SENTRY_AUTH_TOKEN = q4w8e1r6t3y9u2i7o5", "q4w8e1r6t3y9u2i7o5"),
        new("client_secret: \"q7Rz2mWx9LpV4kTn8cYb\"", "q7Rz2mWx9LpV4kTn8cYb"),
        new("const apiKey = 'Zp4Qw8Lm2Xv6Rt0Yn3Ks';", "Zp4Qw8Lm2Xv6Rt0Yn3Ks"),
        new("api_key = \"tq9Hn2Wm5Vr8Xc3Lk7Pz\"", "tq9Hn2Wm5Vr8Xc3Lk7Pz"),
        new("<add key=\"ApiKey\" value=\"Lm2Xv6Rt0Yn3KsZp4Qw8\" />", "Lm2Xv6Rt0Yn3KsZp4Qw8"),
        new("<password>Wq3eRt5yUi7o</password>", "Wq3eRt5yUi7o"),
        new("AZURE_STORAGE_KEY=eDAKtgsXXqgi1apcUecFcygcUIl/7l9I3MEK0zn3SOFYaUNAVOzbLabPEBDOzmIQ6EicwgHDNzK56QS4c9OK0g==", "eDAKtgsXXqgi1apcUecFcygcUIl/7l9I3MEK0zn3SOFYaUNAVOzbLabPEBDOzmIQ6EicwgHDNzK56QS4c9OK0g=="),
        new("mytool --auth-token 7Gh2Jk4Lm6Np8Qr0St login", "7Gh2Jk4Lm6Np8Qr0St"),
        new("os.environ[\"ACME_TOKEN\"] = \"Rt0Yn3KsZp4Qw8Lm2Xv6\"", "Rt0Yn3KsZp4Qw8Lm2Xv6"),
        new("curl -H 'X-Api-Key: 4c8e1a7f2b9d3e6a0c5f' https://api.example.net", "4c8e1a7f2b9d3e6a0c5f"),
        new("GET /v1/items?limit=5&access_token=Yn3KsZp4Qw8Lm2Xv6Rt0&page=2", "Yn3KsZp4Qw8Lm2Xv6Rt0"),
        new("GITHUB_PAT=Ks7Zp4Qw8Lm2Xv6Rt0Yn3", "Ks7Zp4Qw8Lm2Xv6Rt0Yn3"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ANTHROPIC_API_KEY=$ANTHROPIC_API_KEY",
        "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        "MAX_TOKENS=4096",
        "const STORAGE_KEY = 'app.settings.v2';",
        "localStorage.setItem(storageKey, theme)",
        "CSRF_TOKEN = get_csrf_token()",
        "API_KEY = config.api_key",
        "SKIP_TOKEN=true",
        "max_token=12345678",
        "OPENAI_API_KEY_PATH=/home/u/key1.txt",
        "api_key: process.env.ACME_API_KEY",
        "token = os.environ[\"ACME_TOKEN\"]",
        "password: changeme123",
        "client_secret = \"<your-client-secret>\"",
        "API_KEY=your_api_key_here",
        "SECRET_KEY=xxxxxxxxxxxxxxxxxxxx",
        "secret: '********'",
        "password = \"%DB_PASSWORD%\"",
        "apiKey: \"{{ .Values.apiKey }}\"",
        "token: null",
        "next_page_token: \"CiAKGjBpNDd2Nmp2Zml\"",
        "monkey = 'banana12345'",
        "sort_key = \"created_at_2024\"",
        "PASSWORD_MIN_LENGTH=12",
        "api_key = env(\"ACME_API_KEY\")",
        "TOKEN=12345678901234",
        "password: abcdefgh1234",
        "export API_KEY=$(cat ~/.acme/key)",
        "secret_file: ./secrets/api_key.txt",
    ];
}
