namespace Custodian.Redaction.Internal;

/// <summary>
/// The bounded slice of text a rule may look at for one signature hit: at most
/// <see cref="Scanner.LookBehind"/> characters before the hit and the rule group's reach after it.
/// Rules never see more, which is what makes every decision independent of how the input was
/// chunked into read buffers (RED-3): the string path and the stream path slice the same windows.
/// </summary>
internal readonly ref struct Window
{
    public Window(ReadOnlySpan<char> text, int hit, bool startIsTextStart)
    {
        Text = text;
        Hit = hit;
        StartIsTextStart = startIsTextStart;
    }

    /// <summary>The visible text; index 0 is <see cref="Scanner.LookBehind"/> characters before the hit, or the start of the input.</summary>
    public ReadOnlySpan<char> Text { get; }

    /// <summary>Where the signature was found in <see cref="Text"/>.</summary>
    public int Hit { get; }

    /// <summary>Whether index 0 is the real start of the input (nothing was cut off before it).</summary>
    public bool StartIsTextStart { get; }

    public int Length => Text.Length;

    public char this[int index] => Text[index];

    /// <summary>
    /// Whether the character at <paramref name="index"/> is escaped by a backslash: an odd run of
    /// backslashes right before it. A run that reaches a cut-off window start is unknowable and
    /// counts as escaped, so that the answer never depends on buffering.
    /// </summary>
    public bool IsEscaped(int index)
    {
        int j = index - 1;
        while (j >= 0 && Text[j] == '\\')
        {
            j--;
        }

        int run = index - 1 - j;
        if (j < 0 && !StartIsTextStart && run > 0)
        {
            return true;
        }

        return (run & 1) == 1;
    }

    /// <summary>
    /// Whether a token may start at <paramref name="index"/>: the previous character is not a letter or
    /// digit, or it is the tail of a JSON escape (<c>\n</c>, <c>\t</c>, <c>\u00XX</c>...), which is how a
    /// secret at the start of a line looks inside a JSON string.
    /// </summary>
    public bool IsTokenStart(int index)
    {
        if (IsEscapedLetter(index))
        {
            return false; // the 'n' of "\ntn_..." belongs to the escape: the text reads "<newline>tn_..."
        }

        if (index == 0)
        {
            return StartIsTextStart;
        }

        char prev = Text[index - 1];
        if (!Chars.IsWordChar(prev))
        {
            return true;
        }

        if (prev is 'n' or 'r' or 't' or 'b' or 'f' && IsEscaped(index - 1))
        {
            return true;
        }

        // \uXXXX: four hex digits after an escaped 'u'.
        int u = index - 5;
        if (u >= 0 && Text[u] == 'u' && IsEscaped(u))
        {
            for (int k = u + 1; k < index; k++)
            {
                if (!Chars.IsHex(Text[k]))
                {
                    return false;
                }
            }

            return true;
        }

        return false;
    }

    /// <summary>Whether the character at <paramref name="index"/> is the second half of a JSON escape (<c>\n</c>, <c>\u</c>...).</summary>
    public bool IsEscapedLetter(int index) => index < Text.Length && Chars.IsJsonEscapeLetter(Text[index]) && IsEscaped(index);

    /// <summary>Whether no letter or digit follows at <paramref name="index"/> (end of window counts as a boundary).</summary>
    public bool IsTokenEnd(int index) => index >= Text.Length || !Chars.IsWordChar(Text[index]);
}
