namespace Custodian.Redaction.Internal;

/// <summary>Small character helpers shared by the rules; all ASCII-only on purpose (see <see cref="AsciiSet"/>).</summary>
internal static class Chars
{
    public const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public const string Lower = "abcdefghijklmnopqrstuvwxyz";
    public const string Letters = Upper + Lower;
    public const string DigitChars = "0123456789";

    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c);

    public static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    public static bool StartsWith(ReadOnlySpan<char> text, int index, string prefix) =>
        index >= 0 && index <= text.Length - prefix.Length && text.Slice(index, prefix.Length).SequenceEqual(prefix);

    public static bool StartsWithIgnoreCase(ReadOnlySpan<char> text, int index, string prefix) =>
        index >= 0 && index <= text.Length - prefix.Length &&
        text.Slice(index, prefix.Length).Equals(prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The length of a <c>/</c> at <paramref name="i"/>, raw or escaped at any JSON depth (<c>\/</c> as PHP writes it,
    /// <c>\\/</c> once that is inside a JSON string), or 0. Webhook URLs are read through such slashes.
    /// </summary>
    public static int SlashLength(ReadOnlySpan<char> text, int i)
    {
        int k = i;
        while (k < text.Length && k - i < 8 && text[k] == '\\')
        {
            k++;
        }

        return k < text.Length && text[k] == '/' ? k - i + 1 : 0;
    }

    /// <summary>
    /// Where <paramref name="path"/> ends when it starts at <paramref name="i"/>, each of its <c>/</c> raw or escaped
    /// (<see cref="SlashLength"/>), or -1.
    /// </summary>
    public static int PathEnd(ReadOnlySpan<char> text, int i, string path)
    {
        foreach (char c in path)
        {
            int slash = c == '/' ? SlashLength(text, i) : 0;
            if (slash > 0)
            {
                i += slash;
            }
            else if (i < text.Length && text[i] == c)
            {
                i++;
            }
            else
            {
                return -1;
            }
        }

        return i;
    }

    /// <summary>Characters that begin a JSON escape sequence after a backslash.</summary>
    public static bool IsJsonEscapeLetter(char c) => c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't' or 'u';

    /// <summary>
    /// If a quote starts at <paramref name="i"/>, possibly escaped at any JSON depth (<c>"</c>, <c>\"</c>,
    /// <c>\\\"</c>...), returns the index after it; otherwise returns <paramref name="i"/>.
    /// </summary>
    public static int SkipQuote(ReadOnlySpan<char> text, int i, int limit)
    {
        int k = i;
        while (k < limit && text[k] == '\\')
        {
            k++;
        }

        return k < limit && text[k] is '"' or '\'' ? k + 1 : i;
    }

    public static int CountDigits(ReadOnlySpan<char> text)
    {
        int n = 0;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                n++;
            }
        }

        return n;
    }
}
