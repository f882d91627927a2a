using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The signature of an Azure shared access signature (SAS) URL or token: <c>sig=</c> + URL-encoded
/// base64 of an HMAC-SHA256. Whoever holds it has the access it grants. Logic Apps and Power Automate trigger URLs
/// (the workflows behind Teams' new webhooks) sign the same way in base64url, so <c>-</c> and <c>_</c> belong too;
/// a value must mix upper case, lower case and digits, as 32 random bytes in base64 do and names do not.
/// </summary>
internal sealed class AzureSasSignatureRule : KeywordValueRule
{
    private static readonly AsciiSet SigValue = new(Chars.Letters + Chars.DigitChars + "%+/=-_");

    public override string Id => "azure-sas-signature";

    public override string Description => "Azure shared access signature (sig= in a SAS URL or token)";

    protected override IReadOnlyList<string> Keywords { get; } = ["sig="];

    public override IReadOnlyList<string> Signatures { get; } = ["sig="];

    protected override AsciiSet Value => SigValue;

    protected override int MinValue => 40;

    protected override int MaxValue => 200;

    protected override bool ValueFollowsDirectly => true;

    protected override bool IsValidValue(ReadOnlySpan<char> value) =>
        value.IndexOfAnyInRange('A', 'Z') >= 0 && value.IndexOfAnyInRange('a', 'z') >= 0 && value.IndexOfAnyInRange('0', '9') >= 0;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig=p8Yk2%2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D",
            "p8Yk2%2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D"),
        new("SharedAccessSignature=sv=2022-11-02&sig=Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D&se=2030", "Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2fG8hK0lP1o%3D"),
        new("https://prod-11.northeurope.logic.azure.com:443/workflows/8b1d4f0e2a6c4e93b7d5f1a3c9e0b2d4/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Qe4_pT7-Wn2xLk9vR3mZ8yHc1Ud6Fj0sBa5Go_Ni4Kq",
            "Qe4_pT7-Wn2xLk9vR3mZ8yHc1Ud6Fj0sBa5Go_Ni4Kq"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "https://example.com/?sig=abc",
        "config.sig=enabled",
        "signature: sig=" + "x",
        "hook.sig=verify_incoming_request_signature_before_dispatch",
        "sig=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    ];
}
