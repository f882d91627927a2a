namespace Custodian.Redaction.Internal;

/// <summary>
/// Where <see cref="Scanner"/> finds anchors, and which of its characters are valid yet. The scanner is generic
/// over it (struct implementations), so the string path pays nothing for the byte path's lazy widening.
/// </summary>
internal interface IScanSource
{
    /// <summary>The smallest position at or after <paramref name="from"/> where an anchor starts, or -1.</summary>
    int NextAnchor(ReadOnlySpan<char> text, int from);

    /// <summary>Whether an anchor starts exactly at <paramref name="at"/>.</summary>
    bool AnchorAt(ReadOnlySpan<char> text, int at);

    /// <summary>Makes the characters in [<paramref name="start"/>, <paramref name="end"/>) (clamped to the text) valid before they are read.</summary>
    void Ensure(int start, int end);
}

/// <summary>Text that is characters already: the vectorized char search, and nothing to widen.</summary>
internal struct CharSource(AnchorIndex anchors, int cursor) : IScanSource
{
    /// <summary>The multi-string fallback's cached position (see <see cref="AnchorIndex.Next(ReadOnlySpan{char}, int, ref int)"/>).</summary>
    public int Cursor = cursor;

    public int NextAnchor(ReadOnlySpan<char> text, int from) => anchors.Next(text, from, ref Cursor);

    public readonly bool AnchorAt(ReadOnlySpan<char> text, int at) => anchors.StartsAt(text, at);

    public readonly void Ensure(int start, int end)
    {
    }
}

/// <summary>Bytes: anchors are searched in the bytes, and characters are widened only where the scanner reads.</summary>
internal readonly struct ByteSource(AnchorIndex anchors, ByteText text) : IScanSource
{
    public int NextAnchor(ReadOnlySpan<char> chars, int from) => anchors.Next(text.Bytes, from, text.Cursors);

    public bool AnchorAt(ReadOnlySpan<char> chars, int at) => anchors.StartsAt(text.Bytes, at);

    public void Ensure(int start, int end) => text.Ensure(start, end);
}
