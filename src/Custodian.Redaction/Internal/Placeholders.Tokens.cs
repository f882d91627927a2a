namespace Custodian.Redaction.Internal;

/// <summary>
/// Recognises documentation values and placeholders, which are left as they are (RED-7). This part judges
/// the body of a token that already has a known prefix and the right alphabet and length (CUS-43).
/// </summary>
/// <remarks>
/// Every test here is something a random body of the format essentially never does: for a 20-character
/// alphanumeric body the chance of a run of 8 equal characters, a sequential run of 7 or a marker word is
/// below one in a million, while <c>ghp_xxxx…</c>, <c>AKIA…EXAMPLE</c> and <c>sk_live_1234567890abcdef…</c>
/// hit them every time. The checks run only on a body that matched a format, never on the whole input.
/// </remarks>
internal static partial class Placeholders
{
    /// <summary>A run of one character at least this long is filler (<c>xxxxxxxx</c>, <c>00000000</c>).</summary>
    internal const int SameRun = 8;

    /// <summary>A run of consecutive characters at least this long is typed, not generated (<c>abcdefg</c>, <c>1234567</c>).</summary>
    internal const int SequentialRun = 7;

    /// <summary>A stretch at least this long that repeats a unit of 2 to 6 characters (<c>abababab…</c>, <c>1234123412…</c>).</summary>
    internal const int RepeatedStretch = 12;

    /// <summary>A body of at least this many letters and digits with at most <see cref="FewDistinct"/> distinct ones is filler.</summary>
    internal const int FewDistinctMinLength = 12;

    internal const int FewDistinct = 4;

    /// <summary>
    /// Words documentation puts into example keys, in the three cases they are written in. Matched case-sensitively:
    /// a random body holds one of these by chance about once in ten million.
    /// </summary>
    private static readonly string[] Markers =
    [
        "EXAMPLE", "example", "Example",
        "SAMPLE", "sample", "Sample",
        "PLACEHOLDER", "placeholder", "Placeholder",
        "YOUR", "your", "Your",
        "DUMMY", "dummy", "Dummy",
        "REDACTED", "redacted", "Redacted",
        "CHANGEME", "changeme", "ChangeMe",
        "FAKE", "fake", "Fake",
        "INSERT", "insert", "Insert",
    ];

    /// <summary>Whether a token body is a placeholder rather than a generated secret.</summary>
    public static bool IsPlaceholderToken(ReadOnlySpan<char> body)
    {
        if (body.IsEmpty)
        {
            return false;
        }

        int same = 1;
        int sequential = 1;
        int descending = 1;
        int alnum = 0;
        Span<bool> seen = stackalloc bool[128];
        int distinct = 0;
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                alnum++;
                if (!seen[c])
                {
                    seen[c] = true;
                    distinct++;
                }
            }

            if (i == 0)
            {
                continue;
            }

            char p = body[i - 1];
            same = c == p ? same + 1 : 1;
            sequential = Next(p) == c ? sequential + 1 : 1;
            descending = Next(c) == p ? descending + 1 : 1;
            if (same >= SameRun || (char.IsAsciiLetterOrDigit(c) && (sequential >= SequentialRun || descending >= SequentialRun)))
            {
                return true;
            }
        }

        if (alnum >= FewDistinctMinLength && distinct <= FewDistinct)
        {
            return true;
        }

        return HasRepeatedStretch(body) || HasMarker(body);
    }

    /// <summary>The character after <paramref name="c"/> in a typed sequence: digits wrap 9 to 0, letters stop at z.</summary>
    private static char Next(char c) => c switch
    {
        '9' => '0',
        >= '0' and < '9' or >= 'a' and < 'z' or >= 'A' and < 'Z' => (char)(c + 1),
        _ => '\0',
    };

    private static bool HasRepeatedStretch(ReadOnlySpan<char> body)
    {
        for (int unit = 2; unit <= 6; unit++)
        {
            int stretch = unit;
            for (int i = unit; i < body.Length; i++)
            {
                stretch = body[i] == body[i - unit] ? stretch + 1 : unit;
                if (stretch >= Math.Max(RepeatedStretch, 3 * unit))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasMarker(ReadOnlySpan<char> body)
    {
        foreach (string marker in Markers)
        {
            if (body.Contains(marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
