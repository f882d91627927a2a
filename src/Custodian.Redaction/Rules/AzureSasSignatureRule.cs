using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The signature of an Azure shared access signature (SAS) URL or token: <c>sig=</c> + URL-encoded
/// base64 of an HMAC-SHA256. Whoever holds it has the access it grants.
/// </summary>
internal sealed class AzureSasSignatureRule : KeywordValueRule
{
    private static readonly AsciiSet SigValue = new(Chars.Letters + Chars.DigitChars + "%+/=");

    public override string Id => "azure-sas-signature";

    public override string Description => "Azure shared access signature (sig= in a SAS URL or token)";

    protected override IReadOnlyList<string> Keywords { get; } = ["sig="];

    public override IReadOnlyList<string> Signatures { get; } = ["sig="];

    protected override AsciiSet Value => SigValue;

    protected override int MinValue => 40;

    protected override int MaxValue => 200;

    protected override bool ValueFollowsDirectly => true;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig=p8Yk2%2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D",
            "p8Yk2%2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D"),
        new("SharedAccessSignature=sv=2022-11-02&sig=Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D&se=2030", "Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "https://example.com/?sig=abc",
        "config.sig=enabled",
        "signature: sig=" + "x",
    ];
}
