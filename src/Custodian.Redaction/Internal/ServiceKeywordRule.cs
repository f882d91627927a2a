namespace Custodian.Redaction.Internal;

/// <summary>Extra validation of a value of the right alphabet and length.</summary>
internal delegate bool ValueShape(ReadOnlySpan<char> value);

/// <summary>
/// One service without a token format of its own, recognised by its name in front of a value of the right shape:
/// <c>DATADOG_API_KEY=&lt;32 hex&gt;</c>, <c>heroku: {api_key: &lt;uuid&gt;}</c>. A row of
/// <see cref="Rules.ServiceKeywordRules"/>; a contributor adds a service by adding a row.
/// </summary>
/// <param name="Id">Stable rule id.</param>
/// <param name="Description">What it finds.</param>
/// <param name="Keywords">Service names (or whole setting names), matched case-insensitively at the start of a name; scanned for as written, in upper and in lower case.</param>
/// <param name="Alphabet">The value's characters.</param>
/// <param name="Min">Shortest value.</param>
/// <param name="Max">Longest value.</param>
/// <param name="TruePositives">Texts the rule must redact, with the secret.</param>
/// <param name="FalsePositives">Texts that must survive.</param>
/// <param name="Shape">Extra check of the value (a fixed inner layout), or null.</param>
/// <param name="NameMustContain">A folded word the name must hold (<c>secret</c> for Pusher, whose app key is public), or null.</param>
/// <param name="KeywordNamesSecret">Whether the keyword alone names the secret (<c>_auth</c>), so its own value is read though the name is no secret name elsewhere.</param>
internal sealed record ServiceKeyword(
    string Id,
    string Description,
    string[] Keywords,
    AsciiSet Alphabet,
    int Min,
    int Max,
    RuleExample[] TruePositives,
    string[] FalsePositives,
    ValueShape? Shape = null,
    string? NameMustContain = null,
    bool KeywordNamesSecret = false);

/// <summary>The rule of one <see cref="ServiceKeyword"/> row: the keyword, up to 32 more name characters, a binding, the value.</summary>
internal sealed class ServiceKeywordRule : KeywordValueRule
{
    private const int Tail = 32;

    // Characters rare enough in transcripts to trigger the vectorized scan, and already used by other anchors
    // (see AnchorIndex.PerMillion).
    private static readonly System.Buffers.SearchValues<char> Cheap = System.Buffers.SearchValues.Create("QKXJGABkqvx_");
    private readonly ServiceKeyword row;
    private readonly bool mayFollowWord;

    public ServiceKeywordRule(ServiceKeyword row)
    {
        ArgumentNullException.ThrowIfNull(row);
        this.row = row;
        var signatures = new List<string>();
        foreach (string keyword in row.Keywords)
        {
            // Spellings as written (X-Auth-Key), UPPER_SNAKE and lower case. One made only of common letters
            // (DATADOG, sonar) would add a trigger character to the vectorized scan, or a value to its slow
            // multi-string fallback, so it is scanned for with the '_' that follows it in a setting name;
            // other spellings (datadog:, datadogApiKey) are found by the secret-assignment catch-all instead.
            foreach (string spelling in (string[])[keyword, keyword.ToUpperInvariant(), keyword.ToLowerInvariant()])
            {
                string signature = spelling.AsSpan().ContainsAny(Cheap) ? spelling : spelling + "_";
                if (!signatures.Contains(signature))
                {
                    signatures.Add(signature);
                }
            }
        }

        Signatures = signatures;
        mayFollowWord = Array.TrueForAll(row.Keywords, k => k.StartsWith('_'));
    }

    public override string Id => row.Id;

    public override string Description => row.Description;

    public override IReadOnlyList<string> Signatures { get; }

    public override bool IsContextual => true;

    public override IReadOnlyList<RuleExample> TruePositives => row.TruePositives;

    public override IReadOnlyList<string> FalsePositives => row.FalsePositives;

    protected override IReadOnlyList<string> Keywords => row.Keywords;

    protected override AsciiSet Value => row.Alphabet;

    protected override int MinValue => row.Min;

    protected override int MaxValue => row.Max;

    protected override int NameTail => Tail;

    // A keyword that starts with '_' (_auth) is a name's tail, which its '_' parts from any word before it: a token glued
    // before it is redacted on its own, and the keyword must be found the same with the token as with its marker.
    protected override bool KeywordMayFollowWord => mayFollowWord;

    protected override bool SpaceAssigns => false;

    protected override bool IsValidValue(ReadOnlySpan<char> value) => row.Shape is null ? !Placeholders.IsPathLike(value) : row.Shape(value);

    protected override bool NamesSecret(ReadOnlySpan<char> name) =>
        (row.KeywordNamesSecret && IsKeyword(name)) || base.NamesSecret(name);

    private bool IsKeyword(ReadOnlySpan<char> name)
    {
        foreach (string keyword in row.Keywords)
        {
            if (name.Equals(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    protected override bool IsValidName(ReadOnlySpan<char> folded) => row.NameMustContain is null || folded.Contains(row.NameMustContain, StringComparison.Ordinal);
}
