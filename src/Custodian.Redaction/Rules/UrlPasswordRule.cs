using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The password of a URL's user info: <c>scheme://user:password@host</c>. The user name and host stay
/// readable. The last <c>@</c> of the authority ends the password, as URL parsers read it, so a password
/// with an unescaped <c>@</c> is redacted whole.
/// </summary>
internal sealed class UrlPasswordRule : Rule
{
    private const int MaxAuthority = 512;

    // RFC 3986 user info and host characters, minus the brackets our own markers use.
    private static readonly AsciiSet AuthorityChars = new(Chars.Letters + Chars.DigitChars + "-._~!$&'()*+,;=%:@");

    public override string Id => "url-password";

    public override string Description => "Password in a URL (scheme://user:password@host)";

    // Only "://" as written: JSON.stringify (and so Claude Code) never escapes slashes, and an anchor for
    // the escaped form would halve the scan speed on JSON (both ':' and the backslash are everywhere in it).
    public override IReadOnlyList<string> Signatures { get; } = ["://"];

    public override int MaxReach => 1 + 18 + MaxAuthority + 2;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        int i = SkipSlashes(text, hit + 1);
        if (text[hit] != ':' || i < 0)
        {
            return false;
        }

        int run = AuthorityChars.Run(text, i, MaxAuthority + 1);
        if (run > MaxAuthority)
        {
            return false;
        }

        ReadOnlySpan<char> authority = text.Slice(i, run);
        int at = authority.LastIndexOf('@');
        if (at < 0)
        {
            return false;
        }

        int colon = authority[..at].IndexOf(':');
        // A marker as the host was a secret glued after the '@' in the first pass, where the authority ran on through it
        // (and may have been too long to read): it decides nothing, so a second pass reads what the first did.
        bool hostFollows = i + at + 1 < text.Length && (char.IsAsciiLetterOrDigit(text[i + at + 1]) || text[i + at + 1] == '[') &&
            !text[(i + at + 1)..].StartsWith(Scanner.MarkerPrefix, StringComparison.Ordinal);
        if (colon < 0 || colon + 1 >= at || !hostFollows)
        {
            return false;
        }

        ReadOnlySpan<char> password = authority[(colon + 1)..at];
        if (IsVariableReference(password) || Placeholders.IsPlaceholderValue(password))
        {
            return false;
        }

        start = i + colon + 1;
        end = i + at;
        return true;
    }

    /// <summary>Two slashes, each optionally escaped by a run of backslashes; returns the index after them or -1.</summary>
    private static int SkipSlashes(ReadOnlySpan<char> text, int i)
    {
        for (int slash = 0; slash < 2; slash++)
        {
            int limit = Math.Min(text.Length, i + 8);
            while (i < limit && text[i] == '\\')
            {
                i++;
            }

            if (i >= text.Length || text[i] != '/')
            {
                return -1;
            }

            i++;
        }

        return i;
    }

    private static bool IsVariableReference(ReadOnlySpan<char> password) =>
        password[0] == '$' && (password.Length == 1 || password[1] is '{' or '(' || char.IsAsciiLetter(password[1]) || password[1] == '_');

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("postgres://app:Sup3r-S3cret@db.internal:5432/app", "Sup3r-S3cret"),
        new("redis://:hunter2@cache:6379/0", "hunter2"),
        new("https://deploy:p%40ss%3Aw0rd@git.example.com/repo.git", "p%40ss%3Aw0rd"),
        new("mongodb+srv://admin:p@ss@cluster0.example.net/?retryWrites=true", "p@ss"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "https://example.com/path?a=b",
        "ssh://git@github.com/org/repo.git",
        "postgres://user@localhost/db",
        "postgres://${DB_USER}:${DB_PASSWORD}@localhost/db",
        "postgres://app:$DB_PASSWORD@localhost/db",
        "http://localhost:8080/x@y",
        "https://user:@host/",
        "https://username:password@example.com/",
        "git clone https://user:pass@git.example.com/repo.git",
        "https://admin:changeme@localhost:8080/",
        "https://user:<password>@host/",
        "postgres://app:xxxxxxxx@db/app",
    ];
}
