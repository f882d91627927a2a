using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// A value assigned to an environment-style name that says it is secret: <c>UPPER_SNAKE</c> names ending in
/// <c>API_KEY</c>, <c>_TOKEN</c>, <c>_SECRET</c>, <c>PASSWORD</c>... in <c>.env</c> files, <c>export</c> lines,
/// YAML and JSON <c>env</c> blocks. It catches the tokens of services that have no format of their own.
/// The value must hold a digit and at least 8 characters, so flags, references and code survive.
/// </summary>
internal sealed class SecretAssignmentRule : Rule
{
    private const int MaxName = 48;
    private const int MaxSeparator = 16;
    private const int MaxValue = 1024;
    private static readonly AsciiSet NameChars = new(Chars.Upper + Chars.DigitChars + "_");
    private static readonly AsciiSet ValueChars = new(Chars.Letters + Chars.DigitChars + "-_./+=~:@");

    public override string Id => "secret-assignment";

    public override string Description => "Value of an UPPER_SNAKE secret name (*_API_KEY, *_TOKEN, *_SECRET, *PASSWORD...) in .env, shell, YAML or JSON";

    // Scan anchors inside the name; the name's ending is checked against Suffixes after the hit.
    public override IReadOnlyList<string> Signatures { get; } = ["_KEY", "_TOKEN", "_SECRET", "PASSWORD", "PASSWD"];

    public override int MaxReach => MaxName + MaxSeparator + MaxValue + 1;

    public override bool IsContextual => true;

    private static readonly string[] Suffixes =
        ["API_KEY", "ACCESS_KEY", "SECRET_KEY", "AUTH_KEY", "PRIVATE_KEY", "_TOKEN", "_SECRET", "PASSWORD", "PASSWD"];

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;

        // The hit lies inside an UPPER_SNAKE name: find its bounds.
        int nameEnd = hit + NameChars.Run(text, hit, MaxName + 1);
        int nameStart = hit;
        while (nameStart > 0 && hit - nameStart < MaxName && NameChars.Contains(text[nameStart - 1]))
        {
            nameStart--;
        }

        if (nameEnd - nameStart > MaxName || (nameEnd < text.Length && char.IsAsciiLetterLower(text[nameEnd])) ||
            !char.IsAsciiLetterUpper(text[nameStart]) || !window.IsTokenStart(nameStart) || !EndsWithSuffix(text[nameStart..nameEnd]))
        {
            return false;
        }

        int i = nameEnd;
        int limit = Math.Min(text.Length, i + MaxSeparator);
        bool assigned = false;
        while (i < limit)
        {
            char c = text[i];
            if (c is '=' or ':')
            {
                if (assigned && c == ':')
                {
                    break;
                }

                assigned = true;
                i++;
            }
            else if (c is ' ' or '\t')
            {
                i++;
            }
            else if (Chars.SkipQuote(text, i, limit) is int next && next > i)
            {
                i = next;
            }
            else
            {
                break;
            }
        }

        int run = ValueChars.Run(text, i, MaxValue + 1);
        bool call = i + run < text.Length && text[i + run] == '(';
        if (!assigned || run < 8 || run > MaxValue || call || Chars.CountDigits(text.Slice(i, run)) == 0)
        {
            return false;
        }

        start = i;
        end = i + run;
        return true;
    }

    private static bool EndsWithSuffix(ReadOnlySpan<char> name)
    {
        foreach (string suffix in Suffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
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
        new("SENTRY_AUTH_TOKEN = abc123def456ghi789", "abc123def456ghi789"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ANTHROPIC_API_KEY=$ANTHROPIC_API_KEY",
        "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        "MAX_TOKENS=4096",
        "CSRF_TOKEN = get_csrf_token()",
        "API_KEY = config.api_key",
        "SKIP_TOKEN=true",
        "max_token=12345678",
        "OPENAI_API_KEY_PATH=/home/u/key1.txt",
    ];
}
