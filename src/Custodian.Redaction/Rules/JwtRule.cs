using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// A JSON Web Token: base64url header starting <c>eyJ</c> (<c>{"</c>), a payload that is also a JSON
/// object, and an optional signature. A long base64 blob without the dots (a source map, an image) is
/// not a JWT and survives.
/// </summary>
internal sealed class JwtRule : Rule
{
    private const int MaxHeader = 4096;
    private const int MaxPayload = 16384;
    private const int MaxSignature = 2048;
    // A made-up token (jwt.io's own example is a published documentation value and stays: PublishedExamples).
    private const string Sample =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MDkzNzE2MjQ4IiwibmFtZSI6IlJoZWEgTGluZHF2aXN0IiwiaWF0IjoxNzY0NjYxMjAwfQ.q3Vd8Rk2TnXw5Lp0ZcYh7JfB4sMe9GaUo1iKQyWtNxE";

    public override string Id => "jwt";

    public override string Description => "JSON Web Token (eyJ... header, payload and signature)";

    public override IReadOnlyList<string> Signatures { get; } = ["eyJ"];

    public override int MaxReach => MaxHeader + 1 + MaxPayload + 1 + MaxSignature + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        if (!Chars.StartsWith(text, hit, "eyJ") || !window.IsTokenStart(hit))
        {
            return false;
        }

        int header = AsciiSet.Base64Url.Run(text, hit, MaxHeader + 1);
        int dot1 = hit + header;
        if (header < 10 || header > MaxHeader || dot1 >= text.Length || text[dot1] != '.')
        {
            return false;
        }

        int payloadStart = dot1 + 1;
        int payload = AsciiSet.Base64Url.Run(text, payloadStart, MaxPayload + 1);
        int dot2 = payloadStart + payload;
        if (payload < 10 || payload > MaxPayload || text[payloadStart] != 'e' || text[payloadStart + 1] is not ('y' or 'w') ||
            dot2 >= text.Length || text[dot2] != '.')
        {
            return false;
        }

        int signature = AsciiSet.Base64Url.Run(text, dot2 + 1, MaxSignature + 1);
        if (signature > MaxSignature)
        {
            return false;
        }

        start = hit;
        end = dot2 + 1 + signature;
        return true;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token(Sample),
        new("id_token=" + Sample + "&state=xyz", Sample),

        // Unsigned (alg "none"): the token ends with its second dot.
        RuleExample.Token("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJyb290In0."),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImEuanMiXSwibWFwcGluZ3MiOiJBQUFBIn0=",
        "eyJhbGciOiJIUzI1NiJ9",
        "keyJson.parse(x)",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.notapayload.x",
    ];
}
