using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// A credential given in a sentence: "my Datadog API key is 4462…", "the bot token is `NzA2…`", "the password is
/// 'Kp4r8Wq2…'". This is how people paste a key into a prompt, and no assignment syntax is there to read. The words
/// are <c>token</c>, <c>secret</c>, <c>password</c>, <c>passphrase</c>, and <c>key</c> after a word that makes it a
/// credential (<c>API key</c>, <c>access key</c>, <c>license key</c>; not a cache, sort or primary key), each followed
/// by <c>is</c>. The value must look generated, since prose is where identifiers, hashes of words and sentences
/// follow: 16 to 256 characters of a token alphabet, letters and digits both, characters that change class (lower,
/// upper, digit) often enough (a quarter of them, not counting a capital's lower-case letters after it: random
/// strings do, <c>UserSessionIdentifierV2</c> and <c>config_v2_migration_step3</c> do not), and no placeholder,
/// reference or path (<see cref="Placeholders"/>).
/// </summary>
internal sealed class ProseSecretRule : Rule
{
    private const int MinValue = 16;
    private const int MaxValue = 256;
    private const int MaxQualifier = 13;

    private static readonly AsciiSet ValueChars = new(Chars.Letters + Chars.DigitChars + "+/=_-.:~");

    // The words before "key" that make it a credential (compared case-insensitively).
    private static readonly string[] KeyQualifiers =
    [
        "api", "access", "secret", "license", "licence", "application", "app", "account", "master", "encryption",
        "signing", "subscription", "admin", "auth", "client", "deploy", "integration", "ingest", "ingestion", "upload",
        "write", "server", "service", "storage", "developer", "personal", "private", "rest", "sdk", "webhook",
    ];

    public override string Id => "prose-secret";

    public override string Description => "A key, token, secret or password given in a sentence (\"my API key is …\")";

    public override IReadOnlyList<string> Signatures { get; } =
    [
        " key is ", " Key is ", " token is ", " Token is ", " secret is ", " Secret is ", " password is ",
        " Password is ", " passphrase is ",
    ];

    public override int MaxReach => 20 + 4 + MaxValue + 4;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        int isAt = text[hit..].IndexOf(" is ", StringComparison.Ordinal);
        if (isAt < 0)
        {
            return false;
        }

        ReadOnlySpan<char> word = text.Slice(hit + 1, isAt - 1);
        if (word.Equals("key", StringComparison.OrdinalIgnoreCase) && !QualifiedKey(text, hit))
        {
            return false;
        }

        int i = hit + isAt + 4;
        int backslashes = 0;
        while (i < text.Length && text[i] == '\\' && backslashes < 8)
        {
            i++;
            backslashes++;
        }

        char quote = i < text.Length && text[i] is '`' or '\'' or '"' ? text[i] : '\0';
        if (backslashes > 0 && quote != '"')
        {
            return false; // "\n" after "is": the sentence ended
        }

        int from = quote == '\0' ? i : i + 1;
        int stop = from + ValueChars.Run(text, from, MaxValue + 1);
        if (stop - from > MaxValue)
        {
            return false;
        }

        // A sentence ends after the value ("… is 4462…36c.") and a quote closes it: neither belongs to it.
        while (stop > from && text[stop - 1] is '.' or ':' or '-' or '~' or '_')
        {
            stop--;
        }

        if (stop < text.Length && quote == '\0' && Chars.IsWordChar(text[stop]))
        {
            return false; // glued to a character outside the alphabet (é, a marker)
        }

        ReadOnlySpan<char> value = text[from..stop];
        if (value.Length < MinValue || !LooksGenerated(value) || Placeholders.IsPlaceholderValue(value) || Placeholders.IsPathLike(value) ||
            value.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        start = from;
        end = stop;
        return true;
    }

    /// <summary>Whether the word before " key is " (within <see cref="MaxQualifier"/> characters) makes it a credential.</summary>
    private static bool QualifiedKey(ReadOnlySpan<char> text, int hit)
    {
        int wordStart = hit;
        while (wordStart > 0 && hit - wordStart < MaxQualifier && char.IsAsciiLetter(text[wordStart - 1]))
        {
            wordStart--;
        }

        if (wordStart > 0 && char.IsAsciiLetter(text[wordStart - 1]))
        {
            return false; // longer than any qualifier
        }

        ReadOnlySpan<char> qualifier = text[wordStart..hit];
        foreach (string candidate in KeyQualifiers)
        {
            if (qualifier.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Letters and digits both, and the class (lower, upper, digit) changes between adjacent letters and digits for at
    /// least a quarter of them, an upper-case letter followed by a lower-case one not counted (a capitalized word):
    /// about 0.4-0.47 in random base36, base62 and hex, under 0.2 in identifiers made of words.
    /// </summary>
    private static bool LooksGenerated(ReadOnlySpan<char> value)
    {
        int letters = 0, digits = 0, changes = 0, pairs = 0;
        int previous = -1;
        foreach (char c in value)
        {
            int kind = char.IsAsciiDigit(c) ? 0 : char.IsAsciiLetterLower(c) ? 1 : char.IsAsciiLetterUpper(c) ? 2 : -1;
            if (kind < 0)
            {
                previous = -1; // a separator starts a new run
                continue;
            }

            if (kind == 0)
            {
                digits++;
            }
            else
            {
                letters++;
            }

            if (previous >= 0)
            {
                pairs++;
                // An upper-case letter then a lower-case one starts a capitalized word: not a change.
                if (kind != previous && !(previous == 2 && kind == 1))
                {
                    changes++;
                }
            }

            previous = kind;
        }

        return letters > 0 && digits > 0 && changes >= 4 && changes * 4 >= pairs;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("My Datadog API key is 5c1e9a7d3f0b2e4c6a8d1f3b5e7c9a0d and it stopped working", "5c1e9a7d3f0b2e4c6a8d1f3b5e7c9a0d"),
        new("the bot token is `Mzk4NTIxNjQ3MTI5ODc2NTQz.Gx4kTq.b7Lm2Qz9Wv0Rn5Yc8Hd3Jf6Ks1Pt4Ua`, can you check it?", "Mzk4NTIxNjQ3MTI5ODc2NTQz.Gx4kTq.b7Lm2Qz9Wv0Rn5Yc8Hd3Jf6Ks1Pt4Ua"),
        new("Our Heroku API Key is 7b3e1f9a-2c4d-4e6f-8a0b-1c3d5e7f9a2b.", "7b3e1f9a-2c4d-4e6f-8a0b-1c3d5e7f9a2b"),
        new("The staging password is 'Qm7vTz2LpW9xKr4N' for now", "Qm7vTz2LpW9xKr4N"),
        new("my access key is wJa7rXUtnF3MI/K7MDENG/bPxRfiCY9x4mPl2eKq and the region is eu-west-1", "wJa7rXUtnF3MI/K7MDENG/bPxRfiCY9x4mPl2eKq"),
        new("the vault token is s.3E8Ibhl8Y5irTqoCkFAfet3j", "s.3E8Ibhl8Y5irTqoCkFAfet3j"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "the cache key is UserSessionIdentifierV2 for this map",
        "the sort key is config_v2_migration_step3",
        "the primary key is 5c1e9a7d3f0b2e4c6a8d1f3b5e7c9a0d",
        "the token is invalid or expired, please log in again",
        "the API key is stored in /run/secrets/datadog_api_key_v2",
        "the token is ${GITHUB_TOKEN_FOR_RELEASES_2024}",
        "the password is your-password-here-123",
        "My API key is xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "the API key is ABCDEFGHIJKLMNOP1234567890",
        "the secret is kept in AWS_SECRET_MANAGER_ARN_2",
        "the next token is identifier_12 in the grammar",
        "the API key is https://dashboard.example.com/keys/8f3a9c2e1d7b",
        "the secret is sk12 here",
        "Your API key is <YOUR_DATADOG_API_KEY_2024>",
        "the token is \\nQm7vTz2LpW9xKr4NbH6s",
    ];
}
