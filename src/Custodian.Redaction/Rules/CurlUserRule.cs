using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The password of curl's <c>-u user:password</c> / <c>--user user:password</c> / <c>--user=…</c>, on the same
/// command line as <c>curl</c> (a backslash continuation included). curl splits the value at its first colon, so
/// the password is everything after it; the user name stays readable. Variables (<c>"$USER:$API_TOKEN"</c>),
/// placeholders (<c>username:password</c>), a value without a password (<c>-u user</c>, which makes curl prompt)
/// and default credentials that repeat the user name (<c>admin:admin</c>) stay as they are.
/// </summary>
internal sealed class CurlUserRule : Rule
{
    // The flag is the anchor and curl must stand before it within the window's look-behind (256 characters): an anchor at "curl "
    // would give matches far after their hit, and the scan, which resumes after a match, would then skip every
    // other secret in between (an Authorization header before the -u) until a second pass.
    private const int MaxCommand = Scanner.LookBehind;
    private const int MaxSpaces = 16;
    private const int MaxValue = 256;
    private const int MinPassword = 4;
    private const int MaxRuleId = 64;
    private const int MaxUserName = 19;
    private static readonly System.Buffers.SearchValues<char> UserNameChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-");
    private static readonly System.Buffers.SearchValues<char> NotInPassword = System.Buffers.SearchValues.Create("\\$`\"");
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");
    private static readonly System.Buffers.SearchValues<char> DomainChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-");

    public override string Id => "curl-user-password";

    public override string Description => "Password of curl -u / --user user:password";

    public override IReadOnlyList<string> Signatures { get; } = [" -u ", " --user"];

    public override int MaxReach => 8 + MaxSpaces + 9 + MaxValue + 8;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        int value = FlagValue(text, hit + 1);
        return value >= 0 && IsCurlsFirstUserFlag(text, hit) && TryPassword(text, value, out start, out end);
    }

    /// <summary>
    /// Whether the flag at <paramref name="hit"/> belongs to a curl command that starts at most
    /// <see cref="MaxCommand"/> characters before it, on the same command line, with no -u or --user before it.
    /// </summary>
    private static bool IsCurlsFirstUserFlag(ReadOnlySpan<char> text, int hit)
    {
        for (int i = hit - 1; i >= 0 && hit - i <= MaxCommand; i--)
        {
            if (IsLineEnd(text, i))
            {
                return false;
            }

            // A marker between the flag and curl is an earlier match, which the first pass read as the secret it was:
            // what decided there (a line end, another command, another flag inside it) is gone now, so the marker
            // decides the same way every time: not this rule's. A second pass then never finds what the first did not.
            if (text[i] == ']' && IsMarkerEnd(text, i))
            {
                return false;
            }

            if (text[i] is ' ' or '\t')
            {
                if (text[i + 1] is '|' or ';' || text[(i + 1)..].StartsWith("&&", StringComparison.Ordinal))
                {
                    return false; // another command (sort -u is not curl's)
                }

                // The first -u or --user decides: curl takes the last one, but a second pass must see what the first
                // saw, and after a value that stays (a variable) the first pass stopped.
                if (FlagValue(text, i + 1) >= 0)
                {
                    return false;
                }
            }

            if (text[i..].StartsWith("curl ", StringComparison.Ordinal))
            {
                bool escapedBefore = i >= 2 && text[i - 1] is 'n' or 't' or 'r' && text[i - 2] == '\\';
                // Not libcurl or my-curl, and not glued to what came before: a secret glued to curl (the first pass sees
                // its last letter) is a marker's ']' in the second.
                return i == 0 || escapedBefore || !(char.IsAsciiLetterOrDigit(text[i - 1]) || text[i - 1] is '_' or '-' or '.' or ']');
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the part before the colon reads as a user name: none, a Twilio account SID, an e-mail address, or at
    /// most <see cref="MaxUserName"/> characters of <c>[A-Za-z0-9._+-]</c>. Anything else (a token as the user, an
    /// assignment) is left to the rules of what it is: a token there is found by its own rule, and a region that began
    /// at the password would label it by the password's token and leave the user's for a second pass.
    /// </summary>
    private static bool IsUserName(ReadOnlySpan<char> user)
    {
        // No user (Azure DevOps' -u :PAT), or a Twilio account SID (AC and 32 hex digits, an identifier that no rule
        // redacts, before the account's auth token).
        if (user.IsEmpty || (user.Length == 34 && user.StartsWith("AC", StringComparison.Ordinal) && !user[2..].ContainsAnyExcept(LowerHex)))
        {
            return true;
        }

        int at = user.IndexOf('@');
        ReadOnlySpan<char> name = at < 0 ? user : user[..at];
        if (name.IsEmpty || name.Length > MaxUserName || name.ContainsAnyExcept(UserNameChars))
        {
            return false;
        }

        if (at < 0)
        {
            return true;
        }

        ReadOnlySpan<char> domain = user[(at + 1)..];
        return domain.Length is > 2 and <= 64 && domain.Contains('.') && !domain.ContainsAnyExcept(DomainChars);
    }

    /// <summary>Whether <paramref name="end"/> is the <c>]</c> of a marker, <c>[REDACTED:rule-id]</c>.</summary>
    private static bool IsMarkerEnd(ReadOnlySpan<char> text, int end)
    {
        int i = end - 1;
        while (i >= 0 && end - i <= MaxRuleId && (char.IsAsciiLetterLower(text[i]) || char.IsAsciiDigit(text[i]) || text[i] == '-'))
        {
            i--;
        }

        return i < end - 1 && text[..(i + 1)].EndsWith(Scanner.MarkerPrefix, StringComparison.Ordinal);
    }

    /// <summary>Where the value of a <c>-u</c> / <c>--user</c> flag starting at <paramref name="i"/> begins, or -1.</summary>
    private static int FlagValue(ReadOnlySpan<char> text, int i)
    {
        ReadOnlySpan<char> rest = text[i..];
        int after;
        if (rest.StartsWith("--user", StringComparison.Ordinal))
        {
            after = i + 6;
            if (after < text.Length && text[after] == '=')
            {
                return after + 1;
            }
        }
        else if (rest.StartsWith("-u", StringComparison.Ordinal))
        {
            after = i + 2;
        }
        else
        {
            return -1;
        }

        if (after >= text.Length || text[after] is not (' ' or '\t'))
        {
            return -1; // -u is the whole option (not -uv), --user not --user-agent
        }

        int spaces = 0;
        while (after < text.Length && text[after] is ' ' or '\t' && spaces < MaxSpaces)
        {
            after++;
            spaces++;
        }

        return after;
    }

    /// <summary>Reads <c>user:password</c> at <paramref name="i"/> (quoted, JSON-escaped quotes included) and locates the password.</summary>
    private static bool TryPassword(ReadOnlySpan<char> text, int i, out int start, out int end)
    {
        start = end = 0;
        int backslashes = 0;
        while (i < text.Length && text[i] == '\\' && backslashes < 8)
        {
            i++;
            backslashes++;
        }

        char quote = i < text.Length && text[i] is '\'' or '"' ? text[i] : '\0';
        if (quote == '\0' && backslashes > 0)
        {
            return false;
        }

        int from = quote == '\0' ? i : i + 1;
        int stop = from;
        int limit = Math.Min(text.Length, from + MaxValue + 1);
        while (stop < limit && !EndsValue(text[stop], quote))
        {
            stop++;
        }

        // A bare value may end the text (the window reaches past any value, so its end is the input's); a quoted one
        // must close where this text can see.
        if (stop - from > MaxValue || (quote != '\0' && (stop >= text.Length || !ClosesWith(text, stop, quote, backslashes))))
        {
            return false;
        }

        ReadOnlySpan<char> value = text[from..stop];
        if (value.Contains(Scanner.MarkerPrefix, StringComparison.Ordinal))
        {
            return false; // redacted already, in whole or in part (a token as the user name): nothing left to decide
        }

        int colon = value.IndexOf(':');
        if (colon < 0)
        {
            return false;
        }

        ReadOnlySpan<char> user = value[..colon];
        ReadOnlySpan<char> password = value[(colon + 1)..];
        // A double quote in a single-quoted password (raw in JSON text it cannot be) would break a JSON line's escaping.
        if (!IsUserName(user) || password.Length < MinPassword || password.SequenceEqual(user) || password.ContainsAny(NotInPassword) ||
            Placeholders.IsPlaceholderValue(password))
        {
            return false;
        }

        start = from + colon + 1;
        end = stop;
        return true;
    }

    /// <summary>Whether the quote that opened the value (after as many backslashes, in JSON-escaped text) closes it at <paramref name="i"/>.</summary>
    private static bool ClosesWith(ReadOnlySpan<char> text, int i, char quote, int backslashes)
    {
        for (int k = 0; k < backslashes; k++, i++)
        {
            if (i >= text.Length || text[i] != '\\')
            {
                return false;
            }
        }

        return i < text.Length && text[i] == quote;
    }

    private static bool EndsValue(char c, char quote) => quote == '\0'
        ? c is ' ' or '\t' or '\n' or '\r' or '"' or '\'' or '\\' or ';' or '|' or '&' or ')' or '>' or '<'
        : c == quote || c is '\n' or '\r' || (quote == '"' && c == '\\');

    /// <summary>
    /// A newline that ends the command at <paramref name="i"/>: raw, or JSON-escaped once, twice or three times (<c>\n</c>,
    /// <c>\\n</c>, <c>\\\\n</c>). A backslash before it continues the command: raw, or escaped once or twice
    /// (three or six backslashes before the <c>n</c>).
    /// </summary>
    private static bool IsLineEnd(ReadOnlySpan<char> text, int i)
    {
        if (text[i] is '\n' or '\r')
        {
            return text[i] == '\r' || i == 0 || text[i - 1] != '\\';
        }

        if (text[i] != 'n' || i == 0 || text[i - 1] != '\\')
        {
            return false;
        }

        int run = 0;
        while (run < i && run < 8 && text[i - 1 - run] == '\\')
        {
            run++;
        }

        return run is not (3 or 6);
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("curl -sS -u admin:Harbor11.23CIX7i https://jenkins.acme-internal.dev/api/json", "Harbor11.23CIX7i"),
        new("curl -sS --user 'deploy:Nimbus52.9KxYZKJesL' -X POST https://nexus.acme-internal.dev/service/rest/v1/components", "Nimbus52.9KxYZKJesL"),
        new("curl --user=ci:Qm7vTz2LpW9x https://ci.acme.dev/api", "Qm7vTz2LpW9x"),
        new("/usr/bin/curl -X GET \\\n  -u \"svc-build:Kp4r8Wq2Zt6y\" https://registry.acme.dev/v2/_catalog", "Kp4r8Wq2Zt6y"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "curl -u username:password https://api.example.com",
        "curl -u \"$USER:$API_TOKEN\" https://api.example.com",
        "curl -u jane https://api.example.com",
        "curl -u admin:admin http://localhost:8080/",
        "curl -u user:${PASSWORD} https://api.example.com",
        "git push -u origin main:feature-branch",
        "curl -H 'Accept: application/json' https://api.example.com\nssh -u deploy:Kp4r8Wq2Zt6y",
        "curl --user-agent 'agent:Kp4r8Wq2Zt6y' https://example.com",
        "curl -u :$TOKEN https://api.example.com",
        "curl -s https://example.com/list | sort -u words:Kp4r8Wq2Zt6y",
    ];
}
