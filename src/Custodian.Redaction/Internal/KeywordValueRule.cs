namespace Custodian.Redaction.Internal;

/// <summary>
/// A secret recognised by the name in front of it: <c>aws_secret_access_key = ...</c>,
/// <c>"SecretAccessKey": "..."</c>, <c>AccountKey=...</c>, <c>datadog: {api_key: ...}</c>. Only the value is
/// replaced; the name stays readable. The binding is any syntax <see cref="Assignment"/> reads (.env, YAML, TOML,
/// JSON at any escaping depth, XML, flags, code); a quoted value must end at its closing quote, and values that
/// are placeholders (<see cref="Placeholders"/>) survive.
/// </summary>
internal abstract class KeywordValueRule : Rule
{
    // Reach of a nested block between the outer name and the inner one: ":\n  " or ": {\"".
    private const int NestGap = 40;

    private int? maxReach;

    /// <summary>Names, matched case-insensitively at the hit; <see cref="Rule.Signatures"/> lists the spellings that are scanned for.</summary>
    protected abstract IReadOnlyList<string> Keywords { get; }

    protected abstract AsciiSet Value { get; }

    protected abstract int MinValue { get; }

    protected abstract int MaxValue { get; }

    /// <summary>Whether the value must directly follow the name (<c>AccountKey=</c> already ends in its separator).</summary>
    protected virtual bool ValueFollowsDirectly => false;

    /// <summary>Whether the name may follow a letter or digit (it is the tail of a longer name).</summary>
    protected virtual bool KeywordMayFollowWord => false;

    /// <summary>Whether a name (the keyword and its tail) names a secret, so that its own value is read (not a nested block's).</summary>
    protected virtual bool NamesSecret(ReadOnlySpan<char> name) => SecretNames.IsSecretName(name);

    /// <summary>
    /// How many name characters may follow the keyword (a service: <c>datadog</c> in <c>DATADOG_API_KEY</c>,
    /// <c>datadogAppKey</c>). When positive, the whole name must end in a credential word (<see cref="SecretNames"/>),
    /// or hold a nested block whose first name does (<c>datadog:\n  api_key: v</c>, <c>"datadog": {"apiKey": "v"}</c>).
    /// </summary>
    protected virtual int NameTail => 0;

    /// <summary>Whether whitespace alone binds a value to the name (<c>aws configure set aws_secret_access_key v</c>).</summary>
    protected virtual bool SpaceAssigns => true;

    /// <summary>Whether placeholder values (<see cref="Placeholders.IsPlaceholderValue"/>) are left alone.</summary>
    protected virtual bool ChecksPlaceholders => true;

    public override int MaxReach => maxReach ??=
        LongestKeyword() + NameTail + (NameTail > 0 ? NestGap + SecretNames.MaxName + Assignment.MaxSeparator : 0) +
        Assignment.MaxSeparator + 8 + MaxValue + 8;

    protected virtual bool IsValidValue(ReadOnlySpan<char> value) => true;

    /// <summary>Extra check of the folded name (outer or nested) when <see cref="NameTail"/> is positive.</summary>
    protected virtual bool IsValidName(ReadOnlySpan<char> folded) => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        string? keyword = null;
        IReadOnlyList<string> keywords = Keywords;
        for (int k = 0; k < keywords.Count; k++)
        {
            if (Chars.StartsWithIgnoreCase(text, hit, keywords[k]))
            {
                keyword = keywords[k];
                break;
            }
        }

        if (keyword is null || (!KeywordMayFollowWord && !window.IsTokenStart(hit)))
        {
            return false;
        }

        int i = hit + keyword.Length;
        Assignment.Style style;
        int valueStart;
        int quoteAt = -1;
        if (ValueFollowsDirectly)
        {
            style = Assignment.Style.Bare;
            valueStart = i;
        }
        else if (!TryBinding(text, hit, i, out style, out valueStart, out quoteAt))
        {
            return false;
        }

        int run = Value.Run(text, valueStart, MaxValue + 1);
        if (run > MaxValue && style == Assignment.Style.Bare)
        {
            // A fixed-shape value followed by '-', '_' or '.' and more text (a key then "-next"): cut at the separator.
            for (int length = MaxValue; length >= MinValue; length--)
            {
                if (text[valueStart + length] is '-' or '_' or '.' && IsValidValue(text.Slice(valueStart, length)))
                {
                    run = length;
                    break;
                }
            }
        }

        if (style == Assignment.Style.Element && text.Slice(valueStart, run).IndexOf('<') is int lt && lt >= 0)
        {
            run = lt; // <ClearTextPassword>v</ClearTextPassword>
        }

        int valueEnd = valueStart + run;
        bool ended = style switch
        {
            Assignment.Style.Quoted => valueEnd + (valueStart - quoteAt) <= text.Length &&
                text.Slice(valueEnd, valueStart - quoteAt).SequenceEqual(text.Slice(quoteAt, valueStart - quoteAt)),
            Assignment.Style.Element => valueEnd < text.Length && text[valueEnd] == '<',
            _ => window.IsTokenEnd(valueEnd),
        };

        ReadOnlySpan<char> value = text.Slice(valueStart, run);
        if (!ended || run < MinValue || run > MaxValue || !IsValidValue(value) || (ChecksPlaceholders && Placeholders.IsPlaceholderValue(value)))
        {
            return false;
        }

        start = valueStart;
        end = valueEnd;
        return true;
    }

    private bool TryBinding(ReadOnlySpan<char> text, int hit, int keywordEnd, out Assignment.Style style, out int valueStart, out int quoteAt)
    {
        style = Assignment.Style.None;
        valueStart = quoteAt = -1;
        int nameEnd = keywordEnd;
        bool secretName = true;
        if (NameTail > 0)
        {
            int tail = SecretNames.NameChars.Run(text, keywordEnd, NameTail + 1);
            if (tail > NameTail)
            {
                return false;
            }

            nameEnd += tail;
            while (nameEnd > keywordEnd && text[nameEnd - 1] is '.' or '-')
            {
                nameEnd--;
            }

            secretName = NamesSecret(text[hit..nameEnd]);
        }
        else if (nameEnd < text.Length && (Chars.IsWordChar(text[nameEnd]) || text[nameEnd] is '_' or '-'))
        {
            return false; // a longer name: SecretAccessKeyId, session_token_url
        }

        style = Assignment.Find(text, hit, nameEnd, SpaceAssigns && secretName, out valueStart, out quoteAt);
        if (style == Assignment.Style.None)
        {
            return false;
        }

        if (secretName)
        {
            return NameTail == 0 || ValidName(text[hit..nameEnd]);
        }

        // datadog:\n  api_key: v  /  "datadog": {"api_key": "v"}  /  [datadog]\napi_key = v is not nested (INI sections differ)
        if (style != Assignment.Style.Bare)
        {
            return false;
        }

        int k = valueStart;
        int limit = Math.Min(text.Length, valueStart + NestGap);
        bool opened = false;
        while (k < limit)
        {
            char c = text[k];
            if (c is '{' or '\n' or '\r' or ' ' or '\t')
            {
                opened |= c is '{' or '\n' or '\r';
                k++;
            }
            else if (c == '\\' && SkipEscapedBreak(text, k) is int after && after > k)
            {
                opened = true;
                k = after; // \n, or \\n in JSON inside JSON
            }
            else if (Chars.SkipQuote(text, k, limit) is int q && q > k)
            {
                k = q;
            }
            else
            {
                break;
            }
        }

        int innerStart = k;
        int inner = SecretNames.NameChars.Run(text, innerStart, SecretNames.MaxName + 1);
        if (!opened || inner == 0 || inner > SecretNames.MaxName || !SecretNames.IsSecretName(text.Slice(innerStart, inner)))
        {
            return false;
        }

        style = Assignment.Find(text, innerStart, innerStart + inner, spaceAssigns: false, out valueStart, out quoteAt);
        return style != Assignment.Style.None && (ValidName(text[hit..nameEnd]) || ValidName(text.Slice(innerStart, inner)));
    }

    private static int SkipEscapedBreak(ReadOnlySpan<char> text, int k)
    {
        int j = k;
        while (j < text.Length && j - k < 8 && text[j] == '\\')
        {
            j++;
        }

        return j < text.Length && j > k && text[j] is 'n' or 'r' or 't' ? j + 1 : k;
    }

    private bool ValidName(ReadOnlySpan<char> name)
    {
        Span<char> folded = stackalloc char[SecretNames.MaxName];
        int n = SecretNames.Fold(name.Length > SecretNames.MaxName ? name[^SecretNames.MaxName..] : name, folded);
        return IsValidName(folded[..n]);
    }

    private int LongestKeyword()
    {
        int longest = 0;
        foreach (string keyword in Keywords)
        {
            longest = Math.Max(longest, keyword.Length);
        }

        return longest;
    }
}
