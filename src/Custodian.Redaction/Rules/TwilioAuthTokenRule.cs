using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Twilio auth token next to its name: 32 lowercase hex digits are too plain to find alone.</summary>
internal sealed class TwilioAuthTokenRule : KeywordValueRule
{
    public override string Id => "twilio-auth-token";

    public override string Description => "Twilio auth token in context (TWILIO_AUTH_TOKEN, twilioAuthToken)";

    protected override IReadOnlyList<string> Keywords { get; } = ["twilio_auth_token", "twilioauthtoken", "twilio-auth-token"];

    public override IReadOnlyList<string> Signatures { get; } = ["TWILIO_AUTH_TOKEN", "twilio_auth_token", "twilioAuthToken", "TwilioAuthToken"];

    protected override AsciiSet Value => AsciiSet.HexLower;

    protected override int MinValue => 32;

    protected override int MaxValue => 32;

    protected override bool KeywordMayFollowWord => true;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("TWILIO_AUTH_TOKEN=3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e", "3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e"),
        new("\"twilioAuthToken\": \"a1c3d4e3f9c2a7d1e0b4c6a8f5d2e9b7\"", "a1c3d4e3f9c2a7d1e0b4c6a8f5d2e9b7"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "TWILIO_AUTH_TOKEN=your_auth_token",
        "TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN}",
    ];
}
