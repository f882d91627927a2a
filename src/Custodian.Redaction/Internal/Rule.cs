namespace Custodian.Redaction.Internal;

/// <summary>
/// One redaction rule: a stable id, the literal signatures the fast scan looks for, an anchored
/// matcher that runs in a bounded window around each hit, and the rule's own examples.
/// Rules are stateless and therefore safe to share between threads.
/// </summary>
internal abstract class Rule
{
    /// <summary>Stable kebab-case id; it appears in markers (<c>[REDACTED:id]</c>) and reports, so never rename one.</summary>
    public abstract string Id { get; }

    /// <summary>What the rule finds, in a few words, for <c>docs/redaction.md</c> and <c>--report</c> readers.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// ASCII literals (at least 3 characters, exact case) found at the hit position of every match. They are
    /// scan anchors, not the whole prefix: a rule checks its full prefix itself, so rules can share an anchor.
    /// Fewer distinct anchors keep the vectorized scan fast.
    /// </summary>
    public abstract IReadOnlyList<string> Signatures { get; }

    /// <summary>
    /// What must surround <paramref name="signature"/> for the rule to match there, so that the scan drops other hits
    /// before any rule runs (<c>oken</c> ends the name <c>API_TOKEN</c>, so <c>input_tokens</c> is no hit). A signature
    /// shared by several rules keeps only the bounds they all declare. A rule must never match where its bounds fail.
    /// </summary>
    public virtual AnchorBounds BoundsOf(string signature) => AnchorBounds.None;

    /// <summary>How many characters from the hit (inclusive) the matcher may read, including one past its longest match.</summary>
    public abstract int MaxReach { get; }

    /// <summary>How far before the hit a match may start (at most <see cref="Scanner.MaxRuleLookBehind"/>).</summary>
    public virtual int MaxLookBehind => 0;

    /// <summary>
    /// Whether the rule matches a value by its context (a header, a key name) rather than by the value's own
    /// format. When such a value is itself a known token, the token's own rule labels it.
    /// </summary>
    public virtual bool IsContextual => false;

    /// <summary>Tries to match at <see cref="Window.Hit"/>; on success the region to replace is [start, end) in window coordinates.</summary>
    public abstract bool TryMatch(in Window window, out int start, out int end);

    /// <summary>Texts that must be redacted, each with the secret it contains.</summary>
    public abstract IReadOnlyList<RuleExample> TruePositives { get; }

    /// <summary>Texts that look close but must survive untouched.</summary>
    public abstract IReadOnlyList<string> FalsePositives { get; }
}

/// <summary>Conditions on the bytes around an anchor, checked by the scan's prefilter (see <see cref="Rule.BoundsOf"/>).</summary>
[Flags]
internal enum AnchorBounds
{
    /// <summary>Every occurrence is a hit.</summary>
    None = 0,

    /// <summary>No ASCII letter or digit follows the anchor: it ends a word.</summary>
    EndsWord = 1,

    /// <summary>A name character (ASCII letter, digit, <c>_</c>, <c>-</c>, <c>.</c>) precedes the anchor: it is not a name's first word.</summary>
    AfterNameChar = 2,
}

/// <summary>An example for a rule's meta-test: <paramref name="Text"/> contains <paramref name="Secret"/> exactly once.</summary>
/// <param name="Text">The input text.</param>
/// <param name="Secret">The part of <paramref name="Text"/> that the rule must replace.</param>
internal sealed record RuleExample(string Text, string Secret)
{
    /// <summary>An example whose whole text is the secret.</summary>
    public static RuleExample Token(string secret) => new(secret, secret);
}
