namespace Custodian.Redaction.Internal;

/// <summary>
/// How a value is bound to the name in front of it, in every syntax a session holds one (RED-6): <c>.env</c> and
/// shell (<c>KEY=v</c>, <c>export KEY="v"</c>, <c>--token v</c>, <c>--token=v</c>), YAML (<c>key: v</c>), TOML and
/// INI (<c>key = "v"</c>), JSON (<c>"key": "v"</c>, also JSON-escaped <c>\"key\": \"v\"</c> at any depth), XML
/// (<c>&lt;key&gt;v&lt;/key&gt;</c>, <c>key="Name" value="v"</c>), code (<c>key := "v"</c>, <c>key =&gt; 'v'</c>,
/// <c>env["KEY"] = "v"</c>, <c>setenv("KEY", "v")</c>), headers (<c>X-Api-Key: v</c>) and query strings
/// (<c>&amp;key=v</c>). Everything is read in a bounded span after the name.
/// </summary>
internal static class Assignment
{
    /// <summary>The most characters between a name's end and its value's start.</summary>
    public const int MaxSeparator = 24;

    /// <summary>Characters of an unquoted value: everything that does not end a token in the syntaxes above.</summary>
    public static readonly AsciiSet BareValue = new(Chars.Letters + Chars.DigitChars + "-_./+=~:@!%^*?$|");

    /// <summary>Characters of a quoted value: printable ASCII but quotes, backslash, space and our marker's brackets.</summary>
    public static readonly AsciiSet QuotedValue = new(Chars.Letters + Chars.DigitChars + "-_./+=~:@!%^*?$|#&,;(){}<>");

    /// <summary>Characters of an XML element's text value.</summary>
    public static readonly AsciiSet ElementValue = new(Chars.Letters + Chars.DigitChars + "-_./+=~:@!%^*?$|#,;(){}");

    /// <summary>How the value was written.</summary>
    public enum Style
    {
        /// <summary>No assignment was found.</summary>
        None,

        /// <summary>Unquoted: ends where <see cref="BareValue"/> ends.</summary>
        Bare,

        /// <summary>Between quotes (possibly JSON-escaped): must end at the same quote.</summary>
        Quoted,

        /// <summary>An XML element's text: ends at <c>&lt;</c>.</summary>
        Element,
    }

    /// <summary>
    /// Finds where the value bound to the name ending at <paramref name="nameEnd"/> starts.
    /// <paramref name="nameStart"/> tells whether the name opens an XML element (<c>&lt;password&gt;</c>) or is a
    /// command-line flag (<c>--token</c>); <paramref name="spaceAssigns"/> lets whitespace alone bind a value
    /// (flags, <c>.netrc</c>, <c>aws configure set</c>).
    /// </summary>
    public static Style Find(ReadOnlySpan<char> text, int nameStart, int nameEnd, bool spaceAssigns, out int valueStart, out int quoteAt)
    {
        valueStart = quoteAt = -1;
        int limit = Math.Min(text.Length, nameEnd + MaxSeparator);
        int i = nameEnd;
        bool flag = nameStart >= 2 && text[nameStart - 1] == '-' && text[nameStart - 2] is '-' or ' ' or '\t' or '"' or '\'';
        bool element = nameStart >= 1 && text[nameStart - 1] == '<';
        if (element)
        {
            if (i < text.Length && text[i] == '>')
            {
                valueStart = i + 1;
                return Style.Element;
            }

            return Style.None;
        }

        // The name's closing quote: "apiKey": / \"apiKey\": / os.environ["KEY"] = / key="Password" value=
        int afterQuote = Chars.SkipQuote(text, i, limit);
        bool nameQuoted = afterQuote > i;
        i = afterQuote;
        if (nameQuoted && i < limit && text[i] == ']')
        {
            i++;
        }

        int spaces = SkipBlanks(text, ref i, limit);
        bool assigned = false;
        if (i < limit)
        {
            char c = text[i];
            char next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (c == '=' && next != '=')
            {
                i += next == '>' ? 2 : 1; // =, =>
                assigned = true;
            }
            else if (c == ':')
            {
                i += next == '=' ? 2 : 1; // :, :=
                assigned = true;
            }
            else if (c is '?' or '+' && next == '=' && !nameQuoted)
            {
                i += 2; // Makefile ?=
                assigned = true;
            }
            else if (c == ',' && nameQuoted)
            {
                i++; // setenv("KEY", "v"), config.set('key', 'v'), ("X-Api-Key", "v")
                assigned = true;
            }
            else if (nameQuoted && Chars.StartsWithIgnoreCase(text, i, "value="))
            {
                i += 6; // <add key="ApiKey" value="..."/>
                assigned = true;
            }
        }

        if (!assigned)
        {
            if (!((spaceAssigns || flag) && spaces > 0 && !nameQuoted))
            {
                return Style.None;
            }
        }
        else
        {
            SkipBlanks(text, ref i, limit);
        }

        if (i >= text.Length)
        {
            return Style.None;
        }

        if (text[i] == '@' && i + 1 < text.Length && text[i + 1] == '"')
        {
            i++; // C# verbatim string
        }

        int open = Chars.SkipQuote(text, i, Math.Min(text.Length, i + 8));
        if (open > i)
        {
            quoteAt = i;
            valueStart = open;
            return Style.Quoted;
        }

        if (text[i] == '`')
        {
            quoteAt = i;
            valueStart = i + 1;
            return Style.Quoted;
        }

        valueStart = i;
        return Style.Bare;
    }

    /// <summary>
    /// The end of the value that starts at <paramref name="valueStart"/>, or -1 when it is not properly ended: a
    /// quoted value must close with the same (equally escaped) quote, a bare one must not be a call or an index
    /// (<c>get_token()</c>, <c>env[...]</c>), an element's text must meet <c>&lt;</c>.
    /// </summary>
    public static int ValueEnd(ReadOnlySpan<char> text, Style style, int valueStart, int quoteAt, int maxValue)
    {
        switch (style)
        {
            case Style.Quoted:
            {
                int run = QuotedValue.Run(text, valueStart, maxValue + 1);
                int end = valueStart + run;
                if (run > maxValue || end >= text.Length)
                {
                    return -1;
                }

                // The closing quote is the opening one with the same backslashes: "v", \"v\", 'v', `v`.
                int openLength = valueStart - quoteAt;
                return end + openLength <= text.Length && text.Slice(end, openLength).SequenceEqual(text.Slice(quoteAt, openLength)) ? end : -1;
            }

            case Style.Element:
            {
                int run = ElementValue.Run(text, valueStart, maxValue + 1);
                int end = valueStart + run;
                return run <= maxValue && end < text.Length && text[end] == '<' ? end : -1;
            }

            case Style.Bare:
            {
                int run = BareValue.Run(text, valueStart, maxValue + 1);
                int end = valueStart + run;
                if (run > maxValue)
                {
                    return -1;
                }

                if (end < text.Length && text[end] is '(' or '[')
                {
                    return -1; // a call, an index, or a run into a marker (which keeps redacting twice equal to once)
                }

                while (end > valueStart && text[end - 1] == '.')
                {
                    end--; // the full stop of a sentence, not the value's ('.' is a separator the scanner looks through)
                }

                return end;
            }

            default:
                return -1;
        }
    }

    private static int SkipBlanks(ReadOnlySpan<char> text, ref int i, int limit)
    {
        int n = 0;
        while (i < limit && text[i] is ' ' or '\t')
        {
            i++;
            n++;
        }

        return n;
    }
}
