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
    private const int MinPassword = 4;
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

    public override int MaxReach => 8 + CommandLine.MaxSpaces + CommandLine.MaxQuoting + CommandLine.MaxValue;

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
            if (CommandLine.IsLineEnd(text, i) || Scanner.IsMarkerEnd(text, i) || CommandLine.StartsAnotherCommand(text, i))
            {
                return false;
            }

            // The first -u or --user decides: curl takes the last one, but a second pass must see what the first
            // saw, and after a value that stays (a variable) the first pass stopped.
            if (text[i] is ' ' or '\t' && FlagValue(text, i + 1) >= 0)
            {
                return false;
            }

            if (CommandLine.IsProgramAt(text, i, "curl"))
            {
                return true;
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

        return CommandLine.SkipBlanks(text, after);
    }

    /// <summary>Reads <c>user:password</c> at <paramref name="i"/> (quoted, JSON-escaped quotes included) and locates the password.</summary>
    private static bool TryPassword(ReadOnlySpan<char> text, int i, out int start, out int end)
    {
        start = end = 0;
        if (!CommandLine.TryReadValue(text, i, out int from, out int stop, out _))
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
