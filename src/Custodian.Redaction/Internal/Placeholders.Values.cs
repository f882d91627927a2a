namespace Custodian.Redaction.Internal;

/// <summary>
/// RED-7 for values recognised by their context: what stands after a secret's name in documentation,
/// templates and code is often not a secret (<c>${TOKEN}</c>, <c>&lt;your-token&gt;</c>, <c>changeme</c>,
/// <c>process.env.X</c>, <c>xxxx…</c>). A context rule redacts a value only when none of these checks says
/// "placeholder". The checks are cheap (one pass over at most a value's length) and allocation-free.
/// </summary>
internal static partial class Placeholders
{
    // Whole values (compared case-insensitively, with trailing digits and punctuation ignored: "secret123",
    // "changeme!") that documentation, tutorials and defaults use.
    private static readonly string[] Words =
    [
        "password", "passwd", "pass", "secret", "token", "apikey", "key", "changeme", "changeit", "example", "sample",
        "placeholder", "dummy", "fake", "test", "testing", "null", "none", "nil", "true", "false", "undefined",
        "empty", "redacted", "hidden", "masked", "default", "admin", "root", "guest", "user", "username", "letmein",
        "qwerty", "foobar", "foo", "bar", "baz", "mysecret", "mypassword", "mytoken", "supersecret", "secretkey",
        "yourtoken", "yourkey", "yourpassword", "yoursecret", "value", "string", "required", "optional", "todo",
        "tbd", "notset", "unset", "demo", "abc", "abcd", "xyz", "p4ssw0rd", "passw0rd", "secretpassword",
    ];

    // Substrings (case-insensitive) no real credential contains but documentation values do.
    private static readonly string[] Fragments =
    [
        "example", "changeme", "change_me", "change-me", "placeholder", "your_", "your-", "yourapi", "yourtoken",
        "yoursecret", "yourkey", "yourpass", "replace_", "replace-", "replaceme", "insert_", "insert-", "dummy",
        "redacted", "xxxx", "****", "...", "<", ">", "fake_", "fake-", "sample_", "sample-", "_here", "-here",
        "not_a_real", "not-a-real", "notreal", "todo_", "secret_goes", "token_goes", "key_goes",
    ];

    private static readonly string[] FileExtensions =
        ["pem", "key", "json", "txt", "yaml", "yml", "env", "crt", "cer", "p12", "pfx", "jks", "conf", "cfg", "ini", "toml", "gpg", "asc"];

    // Value beginnings that are references to a secret stored elsewhere, not the secret.
    private static readonly string[] ReferencePrefixes =
    [
        "process.env", "import.meta.env", "os.environ", "os.getenv", "getenv(", "env(", "env.", "env[", "$env:", "ENV[", "ENV.fetch",
        "System.getenv", "Environment.GetEnvironmentVariable", "secrets.", "vars.", "var.", "local.", "data.", "config.",
        "settings.", "options.", "params.", "args.", "self.", "this.", "context.", "ctx.", "request.", "req.", "std::env",
        "keyring:", "vault:", "op://", "arn:aws:secretsmanager", "sm://", "file:", "@Value(", "!Ref", "!Sub", "!GetAtt",
    ];

    /// <summary>
    /// Whether <paramref name="value"/> is a template, a reference, a documentation value, masked, or too plain
    /// (repeated, sequential or low-entropy characters) to be a secret.
    /// </summary>
    public static bool IsPlaceholderValue(ReadOnlySpan<char> value) =>
        IsReference(value) || IsDocumentationValue(value) || IsTooPlain(value);

    /// <summary>Templates and references: <c>${X}</c>, <c>$X</c>, <c>$(cmd)</c>, <c>{{ x }}</c>, <c>%X%</c>, <c>&lt;x&gt;</c>, <c>process.env.X</c>...</summary>
    public static bool IsReference(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        char first = value[0];
        char second = value.Length > 1 ? value[1] : '\0';
        if ((first == '$' && (value.Length == 1 || second is '{' or '(' or '_' || char.IsAsciiLetter(second))) ||
            (first == '%' && value.Length > 2 && value[1..].IndexOf('%') > 0) ||
            (first is '{' or '<' or '[') ||
            (first is '#' or '@' && second == '{') ||
            value.Contains("${", StringComparison.Ordinal) || value.Contains("{{", StringComparison.Ordinal) ||
            value.Contains("$(", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (string prefix in ReferencePrefixes)
        {
            if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return IsIdentifierPath(value);
    }

    /// <summary>Documentation words and masked values: <c>changeme</c>, <c>your-api-key</c>, <c>EXAMPLE</c>, <c>***</c>, <c>xxxx</c>.</summary>
    public static bool IsDocumentationValue(ReadOnlySpan<char> value)
    {
        foreach (string fragment in Fragments)
        {
            if (value.Contains(fragment, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        int end = value.Length;
        while (end > 0 && !char.IsAsciiLetter(value[end - 1]))
        {
            end--; // secret123, changeme!, password_1
        }

        int begin = 0;
        while (begin < end && !char.IsAsciiLetter(value[begin]))
        {
            begin++; // _password, 123test
        }

        ReadOnlySpan<char> word = value[begin..end];
        if (word.IsEmpty)
        {
            return false;
        }

        foreach (string candidate in Words)
        {
            if (word.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Values no generator of secrets produces: one character repeated (<c>xxxxxxxx</c>, <c>00000000-0000-…</c>),
    /// three or fewer distinct characters, mostly sequential characters (<c>12345678</c>, <c>abcdef0123</c>), or a
    /// Shannon entropy well below what a random string of that length has.
    /// </summary>
    public static bool IsTooPlain(ReadOnlySpan<char> value)
    {
        if (value.Length < 4)
        {
            return true;
        }

        Span<byte> counts = stackalloc byte[128];
        counts.Clear();
        int alnum = 0;
        int max = 0;
        int distinct = 0;
        int steps = 0;
        int pairs = 0;
        char prev = '\0';
        foreach (char raw in value)
        {
            if (!char.IsAsciiLetterOrDigit(raw))
            {
                prev = '\0';
                continue;
            }

            char c = char.ToLowerInvariant(raw);
            alnum++;
            if (counts[c] == 0)
            {
                distinct++;
            }

            if (counts[c] < byte.MaxValue)
            {
                counts[c]++;
            }

            max = Math.Max(max, counts[c]);
            if (prev != '\0')
            {
                pairs++;
                int step = c - prev;
                if (step is 1 or -1 || (prev == '9' && c == 'a') || (prev == 'a' && c == '9'))
                {
                    steps++;
                }
            }

            prev = c;
        }

        if (alnum == 0)
        {
            return true; // punctuation only: "***", "----", "..."
        }

        // One character however often ("aaaaa"), more than half one character, few distinct ones, mostly steps.
        if (distinct == 1 || (alnum >= 6 && max * 2 > alnum) || (alnum >= 8 && distinct <= 3) || (pairs >= 5 && steps * 2 >= pairs))
        {
            return true;
        }

        return alnum >= 8 && EntropyBitsPerChar(counts, alnum) < Math.Min(3.0, 0.75 * Math.Log2(alnum));
    }

    /// <summary>A file path, not a secret: <c>/run/secrets/token</c>, <c>./key.pem</c>, <c>~/.aws/credentials</c>, <c>C:\keys\a.pfx</c>.</summary>
    public static bool IsPathLike(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        if (value[0] is '/' or '~' || value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal) ||
            (value.Length > 2 && char.IsAsciiLetter(value[0]) && value[1] == ':' && value[2] is '\\' or '/'))
        {
            return true;
        }

        int dot = value.LastIndexOf('.');
        if (dot > 0 && value.Length - dot is >= 3 and <= 5)
        {
            ReadOnlySpan<char> ext = value[(dot + 1)..];
            foreach (string known in FileExtensions)
            {
                if (ext.Equals(known, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Shannon entropy in bits per character of a frequency table over <paramref name="total"/> characters.</summary>
    public static double EntropyBitsPerChar(ReadOnlySpan<byte> counts, int total)
    {
        double h = 0;
        foreach (byte n in counts)
        {
            if (n > 0)
            {
                double p = (double)n / total;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    /// <summary>Shannon entropy in bits per character of an ASCII string (non-ASCII characters are ignored).</summary>
    public static double EntropyBitsPerChar(ReadOnlySpan<char> value)
    {
        Span<byte> counts = stackalloc byte[128];
        counts.Clear();
        int total = 0;
        foreach (char c in value)
        {
            if (c < 128 && counts[c] < byte.MaxValue)
            {
                counts[c]++;
                total++;
            }
        }

        return total == 0 ? 0 : EntropyBitsPerChar(counts, total);
    }

    /// <summary><c>config.api_key</c>, <c>settings.Token</c>: dotted identifiers without digits are member accesses.</summary>
    private static bool IsIdentifierPath(ReadOnlySpan<char> value)
    {
        if (value.IndexOf('.') <= 0 || value[^1] == '.')
        {
            return false;
        }

        bool segmentStart = true;
        foreach (char c in value)
        {
            if (c == '.')
            {
                if (segmentStart)
                {
                    return false;
                }

                segmentStart = true;
            }
            else if (char.IsAsciiLetter(c) || c == '_' || (!segmentStart && c == '$'))
            {
                segmentStart = false;
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
