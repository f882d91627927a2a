using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// Twilio auth token next to its name: 32 lowercase hex digits are too plain to find alone. Any secret name
/// starting with <c>twilio</c> (<c>TWILIO_AUTH_TOKEN</c>, <c>twilioAuthToken</c>, <c>twilio: {auth_token: ...}</c>).
/// </summary>
internal sealed class TwilioAuthTokenRule : KeywordValueRule
{
    public override string Id => "twilio-auth-token";

    public override string Description => "Twilio auth token in context (TWILIO_AUTH_TOKEN, twilio_auth_token)";

    protected override IReadOnlyList<string> Keywords { get; } = ["twilio"];

    public override IReadOnlyList<string> Signatures { get; } = ["TWILIO_", "twilio_"];

    public override bool IsContextual => true;

    protected override int NameTail => 32;

    protected override bool SpaceAssigns => false;

    protected override AsciiSet Value => AsciiSet.HexLower;

    protected override int MinValue => 32;

    protected override int MaxValue => 32;

    protected override bool IsValidValue(ReadOnlySpan<char> value) => Chars.CountDigits(value) is > 0 and < 32;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("TWILIO_AUTH_TOKEN=3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e", "3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e"),
        new("\"TWILIO_AUTH_TOKEN\": \"a1c3d4e3f9c2a7d1e0b4c6a8f5d2e9b7\"", "a1c3d4e3f9c2a7d1e0b4c6a8f5d2e9b7"),
        new("twilio_auth_token: '1e3c3cca3a297963afe18994a98f23ef'", "1e3c3cca3a297963afe18994a98f23ef"),
        new("client = Client(account_sid, twilio_auth_token=\"9a7d1e0b4c6a8f5d2e9b7a1c3d4e3f9c\")", "9a7d1e0b4c6a8f5d2e9b7a1c3d4e3f9c"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "TWILIO_AUTH_TOKEN=your_auth_token",
        "TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN}",
        "TWILIO_ACCOUNT_SID=AC3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e",
        "TWILIO_MESSAGE_HASH=3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e",
        "TWILIO_AUTH_TOKEN=00000000000000000000000000000000",
    ];
}
