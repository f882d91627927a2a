namespace Custodian.Redaction.Internal;

/// <summary>
/// A token that starts with a fixed, case-sensitive prefix and continues with a body drawn from one
/// alphabet (<c>ghp_</c> + 36 alphanumerics, <c>sk-ant-api03-</c> + base64url...). The body is the
/// maximal run of its alphabet; the token ends where the alphabet does, so a following <c>\"</c>,
/// <c>\n</c>, quote or space is never eaten, and a key ending in <c>-</c> is still found.
/// </summary>
internal abstract class TokenRule : Rule
{
    private int? maxReach;

    /// <summary>The literal prefixes, exact case.</summary>
    protected abstract IReadOnlyList<string> Prefixes { get; }

    /// <summary>The alphabet of the body after the prefix.</summary>
    protected abstract AsciiSet Body { get; }

    protected abstract int MinBody { get; }

    protected abstract int MaxBody { get; }

    /// <summary>
    /// Whether the character before the prefix must not be a letter or digit. Short or word-like
    /// prefixes need it (<c>AKIA</c> inside base64); long distinctive ones do not.
    /// </summary>
    protected virtual bool NeedsBoundary => true;

    /// <summary>
    /// Body characters after which an over-long run may be cut: a key followed by <c>-</c>, <c>_</c> or
    /// <c>.</c> and more text is still the key when its alphabet contains that separator.
    /// </summary>
    protected virtual string CutAfter => "-_.";

    /// <summary>Characters a valid body never ends with; trailing ones are left outside the match.</summary>
    protected virtual string NeverEndsWith => "";

    /// <summary>A character that joins tokens into one credential (see <see cref="TokenFormat.ListSeparator"/>), or <c>'\0'</c>.</summary>
    protected virtual char ListSeparator => '\0';

    /// <summary>
    /// The alphabet of a part that comes before the prefix (a Telegram bot id before <c>:AA</c>), or null.
    /// The scan anchor is then in the middle of the token, so the match starts up to <see cref="MaxLead"/>
    /// characters before the hit.
    /// </summary>
    protected virtual AsciiSet? Lead => null;

    protected virtual int MinLead => 0;

    protected virtual int MaxLead => 0;

    public override int MaxLookBehind => Lead is null ? 0 : MaxLead;

    public override IReadOnlyList<string> Signatures => Prefixes;

    public override int MaxReach => maxReach ??= LongestPrefix() + MaxBody + 1;

    /// <summary>Extra validation of a body of acceptable length (a checksum, a fixed inner marker).</summary>
    protected virtual bool IsValidBody(ReadOnlySpan<char> body) => true;

    /// <summary>A format with a known exact length may prefer it over a longer run (see Anthropic keys).</summary>
    protected virtual int PreferredLength(ReadOnlySpan<char> run) => run.Length;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        int hit = window.Hit;
        string? prefix = null;
        foreach (string candidate in Prefixes)
        {
            if (Chars.StartsWith(window.Text, hit, candidate))
            {
                prefix = candidate;
                break;
            }
        }

        int tokenStart = prefix is null ? -1 : LeadStart(window, hit);
        if (prefix is null || tokenStart < 0 || (NeedsBoundary && !window.IsTokenStart(tokenStart)))
        {
            return false;
        }

        int length = BodyLength(window, hit + prefix.Length);
        if (length < 0)
        {
            return false;
        }

        start = tokenStart;
        end = hit + prefix.Length + length;
        while (ListSeparator != '\0' && end < window.Length && window[end] == ListSeparator && NextInList(window, hit, end + 1) is > 0 and var next)
        {
            end = next;
        }

        return true;
    }

    /// <summary>The length of the body at <paramref name="bodyStart"/>, or -1 when there is no valid one.</summary>
    private int BodyLength(in Window window, int bodyStart)
    {
        int run = Body.Run(window.Text, bodyStart, MaxBody + 1);

        // When the alphabet stops on a letter or digit outside it (a 'g' after hex), the token can only end
        // at a separator inside the run, as when the run is over-long.
        bool cut = run > MaxBody || !window.IsTokenEnd(bodyStart + run);
        return ChooseLength(window.Text.Slice(bodyStart, run), cut);
    }

    /// <summary>The end of a joined token starting at <paramref name="at"/>, or -1: none there, or past the rule's reach.</summary>
    private int NextInList(in Window window, int hit, int at)
    {
        foreach (string candidate in Prefixes)
        {
            if (Chars.StartsWith(window.Text, at, candidate))
            {
                int length = BodyLength(window, at + candidate.Length);
                int end = at + candidate.Length + length;
                return length >= 0 && end - hit <= MaxReach ? end : -1;
            }
        }

        return -1;
    }

    /// <summary>Where the token starts: the hit, or the start of the lead before it; -1 when the lead is wrong.</summary>
    private int LeadStart(in Window window, int hit)
    {
        if (Lead is not AsciiSet lead)
        {
            return hit;
        }

        // The lead is the maximal run of its alphabet before the hit. It never takes the letter of a JSON escape
        // ("\n1234:AA..." is a newline and the token), and never starts inside a \uXXXX escape.
        int start = hit;
        while (start > 0 && hit - start <= MaxLead && lead.Contains(window[start - 1]) && !window.IsEscapedLetter(start - 1))
        {
            start--;
        }

        int length = hit - start;
        if (length < MinLead || length > MaxLead || (start > 0 && lead.Contains(window[start - 1]) && !window.IsEscapedLetter(start - 1)))
        {
            return -1;
        }

        if (start == 0 && !window.StartIsTextStart)
        {
            return -1; // the lead may continue before the window: undecidable, so never a match (RED-3)
        }

        for (int k = 1; k <= 4 && start - k >= 0; k++)
        {
            if (window[start - k] == 'u' && window.IsEscaped(start - k))
            {
                return -1;
            }
        }

        return start;
    }

    private int ChooseLength(ReadOnlySpan<char> run, bool cut)
    {
        if (run.Length < MinBody)
        {
            return -1;
        }

        if (!cut)
        {
            int length = Math.Min(PreferredLength(run), run.Length);
            while (length > MinBody && NeverEndsWith.Contains(run[length - 1], StringComparison.Ordinal))
            {
                length--;
            }

            return length >= MinBody && IsValidBody(run[..length]) ? length : -1;
        }

        // Take the longest acceptable body that is followed by a separator.
        for (int length = Math.Min(MaxBody, run.Length - 1); length >= MinBody; length--)
        {
            if (CutAfter.Contains(run[length], StringComparison.Ordinal) && IsValidBody(run[..length]))
            {
                return length;
            }
        }

        return -1;
    }

    private int LongestPrefix()
    {
        int longest = 0;
        foreach (string prefix in Prefixes)
        {
            longest = Math.Max(longest, prefix.Length);
        }

        return longest;
    }
}
