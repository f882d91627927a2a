using System.Text;

namespace Custodian.Redaction.Internal;

/// <summary>
/// A buffer of input bytes and its Latin-1 widening (one char per byte, same positions), widened lazily: only the
/// bounded windows the scanner reads around anchor hits are ever converted, so clean text is scanned once, as bytes.
/// Anchors and every rule's alphabet are ASCII, and ASCII bytes are their own characters in any ASCII-compatible
/// encoding (UTF-8 included), so a match on the widening is a match on the text; bytes at or above 0x80 widen to
/// U+0080..U+00FF, which no rule treats as a token character, whatever they decode to.
/// </summary>
internal sealed class ByteText
{
    private readonly byte[] bytes;
    private readonly char[] chars;
    private readonly int[] cursors;
    private int validStart;
    private int validEnd;

    /// <param name="bytes">The input buffer (owned by the caller).</param>
    /// <param name="chars">Room for the widening, at least as long as <paramref name="bytes"/>.</param>
    /// <param name="searchState">How long the byte search's state is (<see cref="AnchorIndex.ByteStateLength"/>).</param>
    public ByteText(byte[] bytes, char[] chars, int searchState)
    {
        this.bytes = bytes;
        this.chars = chars;
        cursors = new int[searchState];
    }

    /// <summary>How many bytes of the buffer hold input.</summary>
    public int Length { get; private set; }

    public ReadOnlySpan<byte> Bytes => bytes.AsSpan(0, Length);

    /// <summary>The widening; only the ranges passed to <see cref="Ensure"/> since the last <see cref="Reset"/> are valid.</summary>
    public ReadOnlySpan<char> Chars => chars.AsSpan(0, Length);

    /// <summary>The byte search's state (cached positions of common anchors, or room for candidates).</summary>
    public Span<int> Cursors => cursors;

    /// <summary>Starts a scan of the first <paramref name="length"/> bytes: they moved or grew, so no widening or cached search holds.</summary>
    public void Reset(int length)
    {
        Length = length;
        validStart = validEnd = 0;
        Cursors.Fill(-1);
    }

    /// <summary>Widens [<paramref name="start"/>, <paramref name="end"/>), clamped to the input, unless it already is.</summary>
    public void Ensure(int start, int end)
    {
        start = Math.Max(start, 0);
        end = Math.Min(end, Length);
        if (start >= end || (start >= validStart && end <= validEnd))
        {
            return;
        }

        // Hits come in order and their windows overlap, so one growing interval covers them; a disjoint window
        // starts a new one (what lies before it is never read again by a later hit).
        if (end < validStart || start > validEnd)
        {
            Widen(start, end);
            validStart = start;
            validEnd = end;
            return;
        }

        if (start < validStart)
        {
            Widen(start, validStart);
            validStart = start;
        }

        if (end > validEnd)
        {
            Widen(validEnd, end);
            validEnd = end;
        }
    }

    private void Widen(int start, int end) => Encoding.Latin1.GetChars(bytes.AsSpan(start, end - start), chars.AsSpan(start, end - start));
}
