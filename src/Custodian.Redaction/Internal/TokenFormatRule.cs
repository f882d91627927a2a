namespace Custodian.Redaction.Internal;

/// <summary>Extra validation of a token body of acceptable length (a checksum, a fixed inner separator).</summary>
internal delegate bool BodyCheck(ReadOnlySpan<char> body);

/// <summary>The length a body prefers over the whole run of its alphabet (see <see cref="TokenRule"/>).</summary>
internal delegate int BodyLength(ReadOnlySpan<char> run);

/// <summary>
/// One token format as data: fixed prefixes, a body alphabet and length, and the format's own examples.
/// Most credentials are exactly this (<c>ghp_</c> + 36 alphanumerics); one <see cref="TokenFormatRule"/>
/// matches any of them, so adding a service is adding one entry to <c>Rules/TokenFormats.cs</c>.
/// </summary>
/// <param name="Id">Stable rule id; it appears in stored markers, so never rename one.</param>
/// <param name="Description">What the rule finds, with its prefix, for the docs and <c>--report</c> readers.</param>
/// <param name="Prefixes">The literal prefixes, exact case; the first that matches at the hit is used.</param>
/// <param name="Body">The alphabet of the body after the prefix.</param>
/// <param name="MinBody">Shortest body.</param>
/// <param name="MaxBody">Longest body.</param>
internal sealed record TokenFormat(string Id, string Description, string[] Prefixes, AsciiSet Body, int MinBody, int MaxBody)
{
    /// <summary>
    /// Scan anchors when they differ from the prefixes: shorter literals shared by several entries
    /// (<c>xox</c> for every Slack token) keep the vectorized scan fast. Each must start every match's prefix.
    /// </summary>
    public string[]? Anchors { get; init; }

    /// <summary>Whether the character before the token must not be a letter or digit (see <see cref="TokenRule"/>).</summary>
    public bool Boundary { get; init; } = true;

    /// <summary>Body characters after which an over-long run may be cut.</summary>
    public string CutAfter { get; init; } = "-_.";

    /// <summary>Characters a body never ends with.</summary>
    public string NeverEndsWith { get; init; } = "";

    /// <summary>
    /// A character that joins tokens of this format into one credential (Fly.io's <c>fm2_…,fm2_…</c>): the match runs
    /// on through every joined token, within the rule's reach; <c>'\0'</c> for none.
    /// </summary>
    public char ListSeparator { get; init; }

    /// <summary>Validation beyond alphabet and length, for formats with real structure; null when there is none.</summary>
    public BodyCheck? Check { get; init; }

    /// <summary>A preferred length within an over-long run (Anthropic keys); null when the whole run is taken.</summary>
    public BodyLength? Preferred { get; init; }

    /// <summary>The alphabet of a part before the prefix (a Telegram bot id before <c>:AA</c>); null for none.</summary>
    public AsciiSet? Lead { get; init; }

    public int MinLead { get; init; }

    /// <summary>Longest lead, at most <see cref="Scanner.MaxRuleLookBehind"/>.</summary>
    public int MaxLead { get; init; }

    /// <summary>Synthetic tokens of this format, each of which must be replaced whole.</summary>
    public string[] True { get; init; } = [];

    /// <summary>True positives inside surrounding text, when the token alone is not enough to show a case.</summary>
    public RuleExample[] InContext { get; init; } = [];

    /// <summary>Near misses that must survive untouched: wrong length, glued to a word, wrong inner shape.</summary>
    public string[] False { get; init; } = [];

    /// <summary>
    /// The provider's own documentation values of this format (published example keys). They are left as
    /// they are (RED-7) and count as false positives.
    /// </summary>
    public string[] Published { get; init; } = [];
}

/// <summary>
/// The generic matcher of a <see cref="TokenFormat"/>. It adds the shared precision checks (RED-7): a body
/// that is a placeholder (<see cref="Placeholders.IsPlaceholderToken"/>) or a published example key is
/// not a secret.
/// </summary>
internal sealed class TokenFormatRule : TokenRule
{
    private readonly TokenFormat format;
    private readonly bool checkPlaceholders;
    private string[]? falsePositives;

    /// <param name="format">The entry.</param>
    /// <param name="checkPlaceholders">False only for tests that check an example has the format's shape.</param>
    public TokenFormatRule(TokenFormat format, bool checkPlaceholders = true)
    {
        ArgumentNullException.ThrowIfNull(format);
        this.format = format;
        this.checkPlaceholders = checkPlaceholders;
        Signatures = format.Anchors ?? format.Prefixes;
        TruePositives = [.. format.True.Select(RuleExample.Token), .. format.InContext];
    }

    public TokenFormat Format => format;

    public override string Id => format.Id;

    public override string Description => format.Description;

    public override IReadOnlyList<string> Signatures { get; }

    public override IReadOnlyList<RuleExample> TruePositives { get; }

    /// <summary>The entry's own near misses and published values, plus placeholder forms of its first example.</summary>
    public override IReadOnlyList<string> FalsePositives => falsePositives ??= [.. format.False, .. format.Published, .. PlaceholderForms()];

    protected override IReadOnlyList<string> Prefixes => format.Prefixes;

    protected override AsciiSet Body => format.Body;

    protected override int MinBody => format.MinBody;

    protected override int MaxBody => format.MaxBody;

    protected override bool NeedsBoundary => format.Boundary;

    protected override string CutAfter => format.CutAfter;

    protected override string NeverEndsWith => format.NeverEndsWith;

    protected override char ListSeparator => format.ListSeparator;

    protected override AsciiSet? Lead => format.Lead;

    protected override int MinLead => format.MinLead;

    protected override int MaxLead => format.MaxLead;

    protected override bool IsValidBody(ReadOnlySpan<char> body)
    {
        if (format.Check is BodyCheck check && !check(body))
        {
            return false;
        }

        if (!checkPlaceholders)
        {
            return true;
        }

        if (Placeholders.IsPlaceholderToken(body))
        {
            return false;
        }

        foreach (string published in format.Published)
        {
            if (published.Length > body.Length && published.AsSpan().EndsWith(body, StringComparison.Ordinal) &&
                Array.IndexOf(format.Prefixes, published[..^body.Length]) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    protected override int PreferredLength(ReadOnlySpan<char> run) => format.Preferred is BodyLength preferred ? preferred(run) : run.Length;

    /// <summary>
    /// The first example with its body made a placeholder: every letter one letter, every digit one digit
    /// (separators kept, so inner structure checks still pass); every letter and digit a zero; its alphabet in
    /// order; and an EXAMPLE marker.
    /// </summary>
    private IEnumerable<string> PlaceholderForms()
    {
        if (format.True.Length == 0)
        {
            yield break;
        }

        string token = format.True[0];
        string prefix = Array.Find(format.Prefixes, p => token.Contains(p, StringComparison.Ordinal)) ?? "";
        int bodyStart = token.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length;
        if (prefix.Length == 0)
        {
            yield break;
        }

        string head = token[..bodyStart];
        char[] body = token[bodyStart..].ToCharArray();
        char letter = FirstMember("xXaAbBcCdDeEfF");
        char digit = FirstMember("0123456789");
        if (digit == '\0')
        {
            digit = letter;
        }

        var filled = (char[])body.Clone();
        for (int i = 0; i < filled.Length; i++)
        {
            filled[i] = char.IsAsciiDigit(filled[i]) ? digit : char.IsAsciiLetter(filled[i]) && letter != '\0' ? letter : filled[i];
        }

        yield return head + new string(filled);

        if (digit != letter)
        {
            // Zeros everywhere: the filler that also fits bodies whose inner parts are hex.
            yield return head + new string([.. body.Select(c => char.IsAsciiLetterOrDigit(c) ? digit : c)]);
        }

        string ordered = string.Concat(Enumerable.Range(0, 128).Select(c => (char)c).Where(c => char.IsAsciiLetterOrDigit(c) && format.Body.Contains(c)));
        if (ordered.Length > 0)
        {
            var sequence = (char[])body.Clone();
            for (int i = 0, k = 0; i < sequence.Length; i++)
            {
                if (char.IsAsciiLetterOrDigit(sequence[i]))
                {
                    sequence[i] = ordered[k++ % ordered.Length];
                }
            }

            yield return head + new string(sequence);
        }

        string marker = "EXAMPLE".All(format.Body.Contains) ? "EXAMPLE" : "example".All(format.Body.Contains) ? "example" : "";
        if (marker.Length > 0 && body.Length > marker.Length)
        {
            var marked = (char[])body.Clone();
            marker.CopyTo(0, marked, marked.Length - marker.Length, marker.Length);
            yield return head + new string(marked);
        }

        char FirstMember(string candidates)
        {
            foreach (char c in candidates)
            {
                if (format.Body.Contains(c))
                {
                    return c;
                }
            }

            return '\0';
        }
    }
}
