namespace Custodian.Redaction.Internal;

/// <summary>
/// Reading a shell command line around a flag, raw or JSON-escaped at any depth: where the command ends, which program
/// it runs, and a flag's value (bare, quoted, or quoted with escaped quotes). The rules that read command lines
/// (<c>curl -u</c>, the table of password and token flags) share it, and with it the decisions that keep a second pass
/// equal to the first.
/// </summary>
internal static class CommandLine
{
    /// <summary>Longest value read; a longer one is not read at all.</summary>
    public const int MaxValue = 256;

    /// <summary>Most blanks read between a flag and its value.</summary>
    public const int MaxSpaces = 16;

    /// <summary>What a value may need beyond its own characters: escaping backslashes and a quote on each side.</summary>
    public const int MaxQuoting = 9;

    /// <summary>
    /// Whether the program <paramref name="program"/> (with any subcommand words, <c>docker login</c>) starts a command at
    /// <paramref name="i"/>: followed by a blank, and not glued to what stands before it (<c>libcurl</c>, <c>my-curl</c>),
    /// though a path (<c>/usr/bin/curl</c>, <c>./codecov</c>) or an escaped line end may stand there.
    /// </summary>
    public static bool IsProgramAt(ReadOnlySpan<char> text, int i, string program)
    {
        ReadOnlySpan<char> rest = text[i..];
        if (!rest.StartsWith(program, StringComparison.Ordinal) || rest.Length <= program.Length || rest[program.Length] is not (' ' or '\t'))
        {
            return false;
        }

        bool escapedBefore = i >= 2 && text[i - 1] is 'n' or 't' or 'r' && text[i - 2] == '\\';
        // A secret glued to the program (the first pass sees its last letter) is a marker's ']' in the second.
        return i == 0 || escapedBefore || !(char.IsAsciiLetterOrDigit(text[i - 1]) || text[i - 1] is '_' or '-' or '.' or ']');
    }

    /// <summary>
    /// Whether the blank at <paramref name="i"/> is followed by what starts another command: a pipe, <c>;</c> or
    /// <c>&amp;&amp;</c> (<c>curl … | sort -u</c>: the flag is sort's).
    /// </summary>
    public static bool StartsAnotherCommand(ReadOnlySpan<char> text, int i) =>
        text[i] is ' ' or '\t' && i + 1 < text.Length && (text[i + 1] is '|' or ';' || text[(i + 1)..].StartsWith("&&", StringComparison.Ordinal));

    /// <summary>
    /// A newline that ends the command at <paramref name="i"/>: raw, or JSON-escaped once, twice or three times (<c>\n</c>,
    /// <c>\\n</c>, <c>\\\\n</c>). A backslash before it continues the command: raw, or escaped once or twice
    /// (three or six backslashes before the <c>n</c>).
    /// </summary>
    public static bool IsLineEnd(ReadOnlySpan<char> text, int i)
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

    /// <summary>Where the value that starts at <paramref name="i"/> after a flag's blanks begins, after at most <see cref="MaxSpaces"/> more blanks.</summary>
    public static int SkipBlanks(ReadOnlySpan<char> text, int i)
    {
        int spaces = 0;
        while (i < text.Length && text[i] is ' ' or '\t' && spaces < MaxSpaces)
        {
            i++;
            spaces++;
        }

        return i;
    }

    /// <summary>
    /// Reads the value at <paramref name="i"/>: bare, or in single or double quotes, which JSON escaping may precede with
    /// backslashes (<c>\"v\"</c>). A bare value may end the text (the window reaches past any value, so its end is the
    /// input's); a quoted one must close where this text can see. [<paramref name="from"/>, <paramref name="stop"/>) is
    /// the value without its quotes; <paramref name="quote"/> is its quote, or <c>'\0'</c>.
    /// </summary>
    public static bool TryReadValue(ReadOnlySpan<char> text, int i, out int from, out int stop, out char quote)
    {
        from = stop = 0;
        int backslashes = 0;
        while (i < text.Length && text[i] == '\\' && backslashes < 8)
        {
            i++;
            backslashes++;
        }

        quote = i < text.Length && text[i] is '\'' or '"' ? text[i] : '\0';
        if (quote == '\0' && backslashes > 0)
        {
            return false;
        }

        from = quote == '\0' ? i : i + 1;
        stop = from;
        int limit = Math.Min(text.Length, from + MaxValue + 1);
        while (stop < limit && !EndsValue(text[stop], quote))
        {
            stop++;
        }

        return stop - from <= MaxValue && (quote == '\0' || (stop < text.Length && ClosesWith(text, stop, quote, backslashes)));
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
}
