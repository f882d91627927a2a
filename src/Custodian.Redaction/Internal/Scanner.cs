namespace Custodian.Redaction.Internal;

internal enum ScanStatus
{
    /// <summary>A region to replace was found.</summary>
    Found,

    /// <summary>A signature hit needs more text than the buffer holds; call again from the resume position with more text.</summary>
    NeedMore,

    /// <summary>No (further) region in the text given; resume from the resume position when more text arrives.</summary>
    Exhausted,
}

/// <summary>A region [Start, End) to replace by the marker of rule <see cref="Rule"/>.</summary>
internal readonly record struct Match(int Start, int End, int Rule);

/// <summary>
/// The fast path: one vectorized scan for every rule's literal anchor (see <see cref="AnchorIndex"/>;
/// no per-rule pass), then the anchored matchers of the rules registered for the hit's first character,
/// each in a bounded <see cref="Window"/>.
/// Immutable after construction and shared by every run of a <c>Redactor</c>.
/// </summary>
internal sealed class Scanner
{
    /// <summary>
    /// How many characters before a hit a rule can see: enough for escape and boundary checks, and for the command a
    /// flag belongs to (<c>curl https://… -u user:password</c>, where the URL stands between them).
    /// </summary>
    public const int LookBehind = 256;

    /// <summary>Upper bound for <see cref="Rule.MaxLookBehind"/>.</summary>
    public const int MaxRuleLookBehind = 16;

    /// <summary>How every marker begins (<c>[REDACTED:rule-id]</c>); rules that read text before their anchor look for it.</summary>
    internal const string MarkerPrefix = "[REDACTED:";

    private static readonly System.Buffers.SearchValues<char> QuotesAndEscapes = System.Buffers.SearchValues.Create("\"'\\");

    // The longest rule id a marker may hold (ids are kebab-case and short).
    private const int MaxMarkerRuleId = 64;

    // Separators a rule may trim off a region's end (a path's '/', an escaped closing quote), looked through when
    // checking whether a region runs into a marker.
    private const int MaxTrimmedSeparators = 8;

    private readonly Rule[] rules;
    private readonly AnchorIndex anchors;
    private readonly int[][] dispatch = new int[128][];
    private readonly int[] groupReach = new int[128];

    // Per rule, the second characters of its signatures (bits 0-63 and 64-127): rules that share a first
    // character (oken, oy2) are not run at each other's hits.
    private readonly ulong[] secondLow;
    private readonly ulong[] secondHigh;

    public Scanner(IReadOnlyList<Rule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        this.rules = [.. rules];
        secondLow = new ulong[this.rules.Length];
        secondHigh = new ulong[this.rules.Length];
        var all = new HashSet<string>(StringComparer.Ordinal);
        var bounds = new Dictionary<string, AnchorBounds>(StringComparer.Ordinal);
        var groups = new List<int>[128];
        for (int i = 0; i < this.rules.Length; i++)
        {
            Rule rule = this.rules[i];
            if (rule.MaxLookBehind is < 0 or > MaxRuleLookBehind || rule.MaxReach < 1)
            {
                throw new ArgumentException($"Rule '{rule.Id}' declares an invalid window.", nameof(rules));
            }

            var firsts = new HashSet<int>();
            foreach (string signature in rule.Signatures)
            {
                if (signature.Length < 3 || !System.Text.Ascii.IsValid(signature) || signature.Contains('\0', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Rule '{rule.Id}' has an invalid signature (ASCII, at least 3 characters).", nameof(rules));
                }

                all.Add(signature);
                AnchorBounds declared = rule.BoundsOf(signature);
                bounds[signature] = bounds.TryGetValue(signature, out AnchorBounds shared) ? shared & declared : declared;
                MaxSignatureLength = Math.Max(MaxSignatureLength, signature.Length);
                firsts.Add(signature[0]);
                if (signature[1] < 64)
                {
                    secondLow[i] |= 1UL << signature[1];
                }
                else
                {
                    secondHigh[i] |= 1UL << (signature[1] - 64);
                }
            }

            foreach (int first in firsts)
            {
                (groups[first] ??= []).Add(i);
                groupReach[first] = Math.Max(groupReach[first], rule.MaxReach);
            }

            MaxReach = Math.Max(MaxReach, rule.MaxReach);
            MaxRegionLookBehind = Math.Max(MaxRegionLookBehind, rule.MaxLookBehind);
        }

        for (int c = 0; c < 128; c++)
        {
            dispatch[c] = groups[c]?.ToArray() ?? [];
        }

        anchors = new AnchorIndex(all, bounds);
    }

    public IReadOnlyList<Rule> Rules => rules;

    /// <summary>The prefilter, for benchmarks.</summary>
    internal AnchorIndex Anchors => anchors;

    public int MaxSignatureLength { get; }

    /// <summary>The largest reach of any rule group.</summary>
    public int MaxReach { get; }

    /// <summary>The largest <see cref="Rule.MaxLookBehind"/> of any rule.</summary>
    public int MaxRegionLookBehind { get; }

    /// <summary>
    /// The most text a streaming caller must keep between reads: the look-behind, plus a contextual rule's
    /// reach followed by the reach of the token rule that may label its value.
    /// </summary>
    public int CarryLimit => LookBehind + (2 * MaxReach) + MaxSignatureLength + MaxRuleLookBehind + MarkerPrefix.Length + MaxTrimmedSeparators;

    /// <summary>How long the state of the byte search is (see <see cref="AnchorIndex.ByteStateLength"/>).</summary>
    public int ByteStateLength => anchors.ByteStateLength;

    /// <summary>The prefilter's trigger characters, for benchmarks and docs.</summary>
    public string TriggerCharacters => anchors.TriggerCharacters;

    /// <summary>
    /// Finds the next region at or after <paramref name="from"/>. A match never starts before
    /// <paramref name="minStart"/> (the end of the previous match or of text already written).
    /// Unless <paramref name="final"/>, the text may continue past its end, and a hit that needs more
    /// text than is there yields <see cref="ScanStatus.NeedMore"/>.
    /// </summary>
    public ScanStatus FindNext(ReadOnlySpan<char> text, int from, int minStart, bool final, bool atTextStart, ref int cursor, out Match match, out int resume)
    {
        var source = new CharSource(anchors, cursor);
        ScanStatus status = FindNext(text, ref source, from, minStart, final, atTextStart, out match, out resume);
        cursor = source.Cursor;
        return status;
    }

    /// <summary>
    /// <see cref="FindNext(ReadOnlySpan{char}, int, int, bool, bool, ref int, out Match, out int)"/> on bytes: anchors
    /// are searched in the bytes themselves, and only the bounded windows the rules and checks read around a hit are
    /// widened to characters (Latin-1, one per byte), so matches are those of the widened text at a fraction of the cost.
    /// </summary>
    public ScanStatus FindNext(ByteText text, int from, int minStart, bool final, bool atTextStart, out Match match, out int resume)
    {
        var source = new ByteSource(anchors, text);
        return FindNext(text.Chars, ref source, from, minStart, final, atTextStart, out match, out resume);
    }

    private ScanStatus FindNext<TSource>(ReadOnlySpan<char> text, ref TSource source, int from, int minStart, bool final, bool atTextStart, out Match match, out int resume)
        where TSource : struct, IScanSource
    {
        int pos = from;
        while (pos < text.Length)
        {
            int p = source.NextAnchor(text, pos);
            if (p < 0)
            {
                break;
            }

            source.Ensure(p, p + 1);
            int g = text[p];
            int reach = groupReach[g];
            if (!final && p + reach > text.Length)
            {
                match = default;
                resume = NeedMoreResume(text, from, p);
                return ScanStatus.NeedMore;
            }

            // Everything read for this hit: the windows of the rules and of the escape checks (from a region start
            // at most MaxRuleLookBehind before the hit), and the separators and marker prefix after a region's end.
            source.Ensure(p - LookBehind - MaxRuleLookBehind, p + reach + MaxTrimmedSeparators + MarkerPrefix.Length);
            int wStart = Math.Max(0, p - LookBehind);
            var window = new Window(text[wStart..Math.Min(text.Length, p + reach)], p - wStart, atTextStart && wStart == 0);
            char second = text[p + 1];
            foreach (int r in dispatch[g])
            {
                if (!HasSecond(r, second) || !rules[r].TryMatch(window, out int s, out int e))
                {
                    continue;
                }

                s += wStart;
                e += wStart;
                if (s < minStart)
                {
                    continue;
                }

                CheckBounds(rules[r], s, e, p, text.Length);
                int label = r;
                if (rules[r].IsContextual)
                {
                    ScanStatus specific = FindTokenAt(text, ref source, s, final, atTextStart, out int tokenRule, out int tokenEnd);
                    if (specific == ScanStatus.NeedMore)
                    {
                        match = default;
                        resume = NeedMoreResume(text, from, p);
                        return ScanStatus.NeedMore;
                    }

                    if (specific == ScanStatus.Found)
                    {
                        label = tokenRule;
                        e = Math.Max(e, tokenEnd);
                        source.Ensure(e, e + MaxTrimmedSeparators + MarkerPrefix.Length);
                    }

                    bool extended = false;
                    if (s > p + 1)
                    {
                        // A token of its own between the hit and the value (a token as a URL's user name before its
                        // password, one among a command's words before its flag), the value a token or not: the scan
                        // resumes after this region, so the token would be left for a second pass. One region from the
                        // token's start covers both, labelled by the token's rule.
                        for (int q = p + 1; q < s; q++)
                        {
                            ScanStatus before = FindTokenAt(text, ref source, q, final, atTextStart, out int beforeRule, out int beforeEnd);
                            if (before == ScanStatus.NeedMore)
                            {
                                match = default;
                                resume = p;
                                return ScanStatus.NeedMore;
                            }

                            if (before == ScanStatus.Found && beforeEnd <= s && q >= minStart)
                            {
                                s = q;
                                label = beforeRule;
                                extended = true;
                                break;
                            }
                        }

                        // A region across a quote or an escape (a token, then a command's words up to its flag's quoted
                        // value) would break a JSON line's escaping: the token is redacted on its own instead, and the
                        // value is left, as a second pass leaves it once the token is a marker.
                        if (extended && text[s..e].ContainsAny(QuotesAndEscapes))
                        {
                            continue;
                        }
                    }
                }

                // A region never contains a marker nor runs into one, also through the separators a rule trims
                // off its end (a webhook path's last '/'): a marker is never redacted again, and in a first pass
                // such a region was the head of a longer run (rejected as over-long) whose tail was a secret
                // redacted on its own. Both keep redacting twice equal to redacting once.
                int afterSeparators = e + SkipSeparators(text[e..]);
                if (!final && afterSeparators + MarkerPrefix.Length > text.Length)
                {
                    match = default;
                    resume = NeedMoreResume(text, from, p);
                    return ScanStatus.NeedMore;
                }

                if (text[s..e].Contains(MarkerPrefix, StringComparison.Ordinal) || text[afterSeparators..].StartsWith(MarkerPrefix, StringComparison.Ordinal) ||
                    StartsOnEscapedLetter(text, s, atTextStart) || PublishedExamples.Contains(text[s..e]))
                {
                    continue;
                }

                EnsureJsonSafe(text, s, e, atTextStart, rules[r]);
                match = new Match(s, e, label);
                resume = e;
                return ScanStatus.Found;
            }

            pos = p + 1;
        }

        match = default;
        // An anchor cut off by the end of the text can start anywhere in the last MaxSignatureLength-1
        // characters; rechecking a hit already rejected there is harmless.
        resume = final ? text.Length : Math.Max(from, text.Length - (MaxSignatureLength - 1));
        return ScanStatus.Exhausted;
    }

    /// <summary>
    /// Whether a marker (<c>[REDACTED:rule-id]</c>) ends at <paramref name="i"/>. Text that a rule reads before its hit
    /// may hold an earlier match: the first pass read the secret that was there, a second pass reads its marker. A rule
    /// that decides by that text (a name glued to it, a command line through it) lets a marker decide the same way as
    /// whatever it replaced could have, so that redacting twice equals redacting once.
    /// </summary>
    internal static bool IsMarkerEnd(ReadOnlySpan<char> text, int i)
    {
        if (text[i] != ']')
        {
            return false;
        }

        int k = i - 1;
        while (k >= 0 && i - k <= MaxMarkerRuleId && (char.IsAsciiLetterLower(text[k]) || char.IsAsciiDigit(text[k]) || text[k] == '-'))
        {
            k--;
        }

        return k < i - 1 && text[..(k + 1)].EndsWith(MarkerPrefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Where to resume after a hit at <paramref name="hit"/> needs more text: at the hit, or earlier when an anchor
    /// that starts before it may still be cut off by the end of the text (<c>assword</c> completes one character
    /// before <c>Password=</c> does); skipping that one would make the result depend on read sizes (RED-3).
    /// </summary>
    private int NeedMoreResume(ReadOnlySpan<char> text, int from, int hit) =>
        Math.Max(from, Math.Min(hit, text.Length - (MaxSignatureLength - 1)));

    /// <summary>
    /// Looks for a format (non-contextual) rule whose token starts exactly at <paramref name="at"/>; its anchor
    /// may sit up to <see cref="MaxRegionLookBehind"/> characters later (an Azure client secret's <c>8Q~</c>).
    /// </summary>
    private ScanStatus FindTokenAt<TSource>(ReadOnlySpan<char> text, ref TSource source, int at, bool final, bool atTextStart, out int rule, out int end)
        where TSource : struct, IScanSource
    {
        rule = -1;
        end = -1;
        source.Ensure(at, at + MaxRegionLookBehind + 1);
        for (int hit = at; hit <= at + MaxRegionLookBehind && hit < text.Length; hit++)
        {
            int g = text[hit];
            if (g >= 128 || dispatch[g].Length == 0)
            {
                continue;
            }

            int reach = groupReach[g];
            if (!final && hit + reach > text.Length)
            {
                return ScanStatus.NeedMore;
            }

            if (!source.AnchorAt(text, hit))
            {
                continue;
            }

            source.Ensure(hit - LookBehind, hit + reach);
            int wStart = Math.Max(0, hit - LookBehind);
            var window = new Window(text[wStart..Math.Min(text.Length, hit + reach)], hit - wStart, atTextStart && wStart == 0);
            foreach (int r in dispatch[g])
            {
                if (!rules[r].IsContextual && hit + 1 < text.Length && HasSecond(r, text[hit + 1]) && rules[r].TryMatch(window, out int s, out int e) && s + wStart == at)
                {
                    rule = r;
                    end = e + wStart;
                    return ScanStatus.Found;
                }
            }
        }

        return ScanStatus.Exhausted;
    }

    private bool HasSecond(int rule, char c) =>
        c < 64 ? ((secondLow[rule] >> c) & 1) != 0 : c < 128 && ((secondHigh[rule] >> (c - 64)) & 1) != 0;

    /// <summary>How many of a few separators (at most <see cref="MaxTrimmedSeparators"/>) start <paramref name="text"/>.</summary>
    private static int SkipSeparators(ReadOnlySpan<char> text)
    {
        int n = 0;
        while (n < text.Length && n < MaxTrimmedSeparators && text[n] is '/' or '.' or ':' or '-' or '_' or '=' or '+' or '~' or '\\' or '"' or '\'')
        {
            n++;
        }

        return n;
    }

    private static void CheckBounds(Rule rule, int start, int end, int hit, int length)
    {
        if (start < hit - rule.MaxLookBehind || end <= start || end > length || end > hit + rule.MaxReach)
        {
            throw new InvalidOperationException($"Rule '{rule.Id}' returned a region outside its declared window.");
        }
    }

    /// <summary>Whether the region would start on the escaped letter of a JSON escape, which is not a token start.</summary>
    private static bool StartsOnEscapedLetter(ReadOnlySpan<char> text, int start, bool atTextStart)
    {
        int wStart = Math.Max(0, start - LookBehind);
        return new Window(text[wStart..], start - wStart, atTextStart && wStart == 0).IsEscapedLetter(start - wStart);
    }

    /// <summary>
    /// The guarantee behind RED-1's "each JSON Lines line stays valid": replacing [start, end) by a marker
    /// (no quote, no backslash) keeps JSON valid when the region holds no quote, does not end inside an
    /// escape sequence, and does not start on the escaped character of one. Rules are written to respect
    /// this; a region that does not is a rule bug, and redaction fails closed (RED-4) rather than emit it.
    /// </summary>
    private static void EnsureJsonSafe(ReadOnlySpan<char> text, int start, int end, bool atTextStart, Rule rule)
    {
        ReadOnlySpan<char> region = text[start..end];
        bool unsafeRegion = region.Contains('"') || region[^1] == '\\';
        if (!unsafeRegion && Chars.IsJsonEscapeLetter(region[0]))
        {
            int wStart = Math.Max(0, start - LookBehind);
            var window = new Window(text[wStart..end], start - wStart, atTextStart && wStart == 0);
            unsafeRegion = window.IsEscaped(start - wStart);
        }

        if (unsafeRegion)
        {
            throw new InvalidOperationException($"Rule '{rule.Id}' produced a region that would break JSON escaping.");
        }
    }
}
