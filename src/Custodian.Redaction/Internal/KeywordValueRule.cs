namespace Custodian.Redaction.Internal;

/// <summary>
/// A secret recognised by the name in front of it: <c>aws_secret_access_key = ...</c>,
/// <c>"SecretAccessKey": "..."</c>, <c>AccountKey=...</c>. Only the value is replaced; the name stays
/// readable. Separators may be JSON-escaped quotes (<c>\"</c>), so the same rule works at any JSON depth.
/// </summary>
internal abstract class KeywordValueRule : Rule
{
    private int? maxReach;

    /// <summary>Names, matched case-insensitively at the hit; <see cref="Rule.Signatures"/> lists the spellings that are scanned for.</summary>
    protected abstract IReadOnlyList<string> Keywords { get; }

    protected abstract AsciiSet Value { get; }

    protected abstract int MinValue { get; }

    protected abstract int MaxValue { get; }

    /// <summary>How many separator characters may sit between name and value.</summary>
    protected virtual int MaxSeparator => 16;

    /// <summary>Whether the value must directly follow the name (<c>AccountKey=</c> already ends in its separator).</summary>
    protected virtual bool ValueFollowsDirectly => false;

    /// <summary>Whether the name may follow a letter or digit (it is the tail of a longer name).</summary>
    protected virtual bool KeywordMayFollowWord => false;

    public override int MaxReach => maxReach ??= LongestKeyword() + MaxSeparator + MaxValue + 1;

    protected virtual bool IsValidValue(ReadOnlySpan<char> value) => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        string? keyword = null;
        foreach (string candidate in Keywords)
        {
            if (Chars.StartsWithIgnoreCase(text, hit, candidate))
            {
                keyword = candidate;
                break;
            }
        }

        if (keyword is null || (!KeywordMayFollowWord && !window.IsTokenStart(hit)))
        {
            return false;
        }

        int i = hit + keyword.Length;
        if (!ValueFollowsDirectly)
        {
            if (i < text.Length && (Chars.IsWordChar(text[i]) || text[i] is '_' or '-'))
            {
                return false; // a longer name: SecretAccessKeyId, session_token_url
            }

            int limit = Math.Min(text.Length, i + MaxSeparator);
            int first = i;
            while (i < limit)
            {
                char c = text[i];
                int next = Chars.SkipQuote(text, i, limit);
                if (next > i)
                {
                    i = next;
                }
                else if (c is ' ' or '\t' or ':' or '=' or '`' or '>')
                {
                    i++;
                }
                else
                {
                    break;
                }
            }

            if (i == first)
            {
                return false;
            }
        }

        int run = Value.Run(text, i, MaxValue + 1);
        if (run < MinValue || run > MaxValue || !window.IsTokenEnd(i + run) || !IsValidValue(text.Slice(i, run)))
        {
            return false;
        }

        start = i;
        end = i + run;
        return true;
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
