using System.Buffers;

namespace Custodian.Redaction.Internal;

/// <summary>
/// A set of ASCII characters with an O(1) membership test and a vectorized "run of members" scan.
/// Every character at or above U+0080 is outside every set, which keeps match boundaries on ASCII
/// characters: a region never splits a UTF-8 sequence when the stream path scans Latin-1-widened bytes.
/// </summary>
internal sealed class AsciiSet
{
    private readonly ulong low;
    private readonly ulong high;
    private readonly SearchValues<char> values;

    public AsciiSet(string members)
    {
        ArgumentNullException.ThrowIfNull(members);
        foreach (char c in members)
        {
            if (c >= 128)
            {
                throw new ArgumentException("Only ASCII characters can be members.", nameof(members));
            }

            if (c < 64)
            {
                low |= 1UL << c;
            }
            else
            {
                high |= 1UL << (c - 64);
            }
        }

        values = SearchValues.Create(members);
    }

    public static AsciiSet Digits { get; } = new("0123456789");

    public static AsciiSet Alnum { get; } = new(Chars.Letters + Chars.DigitChars);

    public static AsciiSet UpperAlnum { get; } = new(Chars.Upper + Chars.DigitChars);

    public static AsciiSet LowerAlnum { get; } = new(Chars.Lower + Chars.DigitChars);

    public static AsciiSet HexLower { get; } = new("0123456789abcdef");

    public static AsciiSet Hex { get; } = new("0123456789abcdefABCDEF");

    /// <summary>Base64url without padding: the body of most modern tokens.</summary>
    public static AsciiSet Base64Url { get; } = new(Chars.Letters + Chars.DigitChars + "-_");

    /// <summary>Standard base64 alphabet without padding.</summary>
    public static AsciiSet Base64 { get; } = new(Chars.Letters + Chars.DigitChars + "+/");

    /// <summary>Standard base64 alphabet with padding.</summary>
    public static AsciiSet Base64Padded { get; } = new(Chars.Letters + Chars.DigitChars + "+/=");

    public bool Contains(char c) =>
        c < 64 ? ((low >> c) & 1) != 0 : c < 128 && ((high >> (c - 64)) & 1) != 0;

    /// <summary>
    /// Length of the run of members starting at <paramref name="start"/>, looking at no more than
    /// <paramref name="max"/> characters (so a caller asking for max+1 learns whether the run is over-long).
    /// </summary>
    public int Run(ReadOnlySpan<char> text, int start, int max)
    {
        if (start >= text.Length)
        {
            return 0;
        }

        ReadOnlySpan<char> slice = text.Slice(start, Math.Min(max, text.Length - start));
        int stop = slice.IndexOfAnyExcept(values);
        return stop < 0 ? slice.Length : stop;
    }

    public bool All(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(values);
}
