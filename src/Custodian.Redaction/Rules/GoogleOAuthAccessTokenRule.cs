using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Google OAuth access token (ya29.).</summary>
internal sealed class GoogleOAuthAccessTokenRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    public override string Id => "google-oauth-access-token";

    public override string Description => "Google OAuth access token (ya29.)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ya29."];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 30;

    protected override int MaxBody => 2048;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ya29.a0NrHMh35lt5d-glK2ORekTmMc1ItEPkEzaWoF_sdiYkVkhftzlmSYrkMZRbOcUTMxL_IZ9AvrsqQJ17Vua_CoaeOPRbCdd9L55JLwLjGEBgxJcUkbiVgwtd410163"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ya29.short",
        "xya29.CL7RDF7buQjrUZ4ZWYpHL5ac0VrpHuKnwwjTRlKa",
    ];
}
