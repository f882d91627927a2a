namespace Custodian.Redaction.Internal;

/// <summary>
/// Finds the extent of a PEM private key block, whatever its line breaks look like: raw (<c>\n</c>,
/// <c>\r\n</c>), JSON-escaped (<c>\n</c> as two characters, as in a GCP service-account file), escaped
/// again (JSON in JSON), or flattened to spaces (environment variables).
/// </summary>
internal static class PemBlock
{
    /// <summary>The longest block matched: an RSA-8192 key is about 6.5 KB, PGP keys with subkeys more.</summary>
    public const int MaxLength = 16 * 1024;

    private const string Begin = "-----BEGIN ";
    private const string End = "-----END ";
    private const string Dashes = "-----";
    private const int MinKeyChars = 40;

    /// <summary>Returns the end (exclusive) of a private key block that starts at <paramref name="start"/>, or -1.</summary>
    public static int Match(ReadOnlySpan<char> text, int start)
    {
        if (!Chars.StartsWith(text, start, Begin))
        {
            return -1;
        }

        int limit = Math.Min(text.Length, start + MaxLength);
        int labelStart = start + Begin.Length;
        int i = SkipLabel(text, labelStart, limit);
        ReadOnlySpan<char> label = text[labelStart..i];
        if (!(label.EndsWith("PRIVATE KEY", StringComparison.Ordinal) || label.EndsWith("PRIVATE KEY BLOCK", StringComparison.Ordinal)) ||
            !Chars.StartsWith(text, i, Dashes))
        {
            return -1;
        }

        int bodyStart = i + Dashes.Length;
        bool lineBreakAfterHeader = StartsWithLineBreak(text, bodyStart, limit);
        if (!lineBreakAfterHeader && !(bodyStart < limit && text[bodyStart] == ' '))
        {
            return -1;
        }

        int keyChars = 0;
        char firstKeyChar = '\0';
        bool varied = false; // a body of one character repeated (XXXX…) is a documentation placeholder
        int lastKeyEnd = bodyStart;
        int j = bodyStart;
        while (j < limit)
        {
            char c = text[j];
            if (c == '-' && Chars.StartsWith(text, j, End))
            {
                int endLabelStart = j + End.Length;
                int k = SkipLabel(text, endLabelStart, limit);
                if (text[endLabelStart..k].SequenceEqual(label) && k + Dashes.Length <= limit && Chars.StartsWith(text, k, Dashes))
                {
                    return keyChars >= MinKeyChars && varied ? k + Dashes.Length : -1;
                }

                break;
            }

            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
            {
                varied |= keyChars > 0 && c != firstKeyChar && c != '=';
                firstKeyChar = keyChars == 0 ? c : firstKeyChar;
                keyChars++;
                j++;
                lastKeyEnd = j;
            }
            else if (c is '\n' or '\r')
            {
                j = SkipLineNumber(text, j + 1, limit);
            }
            else if (c is ' ' or '\t' or ':' or ',' or '-' or '.' or '(' or ')')
            {
                // The header lines of encrypted keys ("Proc-Type: 4,ENCRYPTED").
                j++;
            }
            else if (c == '\\')
            {
                // An escaped line break at any JSON depth: a run of backslashes and n, r or t, taken whole.
                int k = j;
                while (k < limit && text[k] == '\\')
                {
                    k++;
                }

                if (k < limit && text[k] is 'n' or 'r')
                {
                    j = SkipLineNumber(text, k + 1, limit);
                }
                else if (k < limit && text[k] == 't')
                {
                    j = k + 1;
                }
                else
                {
                    break;
                }
            }
            else
            {
                break;
            }
        }

        // No END line within reach (the text was cut, or the key runs into a quote): the key material
        // seen so far is still secret, so the block is redacted through its last key character.
        return lineBreakAfterHeader && keyChars >= MinKeyChars && varied ? lastKeyEnd : -1;
    }

    /// <summary>
    /// After a line break, the line number a file viewer puts in front of each line: Claude Code's Read result
    /// (<c>"     2→"</c>, the arrow raw or JSON-escaped as <c>\u2192</c>) and <c>cat -n</c> (<c>"     2\t"</c>). Its digits
    /// are not key material; without this, a numbered copy of a key would end the block at its first line.
    /// </summary>
    private static int SkipLineNumber(ReadOnlySpan<char> text, int i, int limit)
    {
        int k = i;
        int spacesEnd = Math.Min(limit, i + 12);
        while (k < spacesEnd && text[k] == ' ')
        {
            k++;
        }

        int digitsStart = k;
        int digitsEnd = Math.Min(limit, k + 9);
        while (k < digitsEnd && char.IsAsciiDigit(text[k]))
        {
            k++;
        }

        if (k == digitsStart || k >= limit)
        {
            return i;
        }

        if (text[k] is '\u2192' or '\t')
        {
            return k + 1;
        }

        // The arrow's UTF-8 bytes as the byte path widens them (ByteText: one char per byte), so both paths agree.
        if (k + 2 < limit && text[k] == '\u00E2' && text[k + 1] == '\u0086' && text[k + 2] == '\u0092')
        {
            return k + 3;
        }

        // Escaped at some JSON depth: backslashes, then "t" or "u2192".
        int escape = k;
        while (escape < limit && text[escape] == '\\')
        {
            escape++;
        }

        if (escape == k || escape >= limit)
        {
            return i;
        }

        if (text[escape] == 't')
        {
            return escape + 1;
        }

        return Chars.StartsWith(text, escape, "u2192") ? escape + 5 : i;
    }

    private static int SkipLabel(ReadOnlySpan<char> text, int i, int limit)
    {
        int max = Math.Min(limit, i + 40);
        while (i < max && (char.IsAsciiLetterUpper(text[i]) || char.IsAsciiDigit(text[i]) || text[i] == ' '))
        {
            i++;
        }

        return i;
    }

    private static bool StartsWithLineBreak(ReadOnlySpan<char> text, int i, int limit)
    {
        if (i >= limit)
        {
            return false;
        }

        if (text[i] is '\n' or '\r')
        {
            return true;
        }

        int k = i;
        while (k < limit && text[k] == '\\')
        {
            k++;
        }

        return k > i && k < limit && text[k] is 'n' or 'r';
    }
}
