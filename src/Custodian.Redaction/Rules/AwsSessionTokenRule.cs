using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>AWS temporary session token next to its name (the third part of STS credentials).</summary>
internal sealed class AwsSessionTokenRule : KeywordValueRule
{
    private const string Sample =
        "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6k0n4S2xJfQ7mZ1RzV8YwGp3cT5bLq9NaH0dK4uE2WgIgT1" +
        "hM7pXc3sB9vQ2nY6fR8kZ0jL5wA4eD1gC7uI3oPqQqlAMIYxADGgw2MzgzNzQ1NDA0NjMiDO5pY0Kx8j2M3vN7RyrxAkr1nYwPz" +
        "Q8mL3bT6vK9dF2hJ5cX0aS4eW7gR1uN8oI3pY6tE9qZ2lB5jH0kM4wC7xV1sA3fD6gU8rO2nT5yL9eP0iQ4kB7mZ1jX3vH6cW8a==";

    public override string Id => "aws-session-token";

    public override string Description => "AWS session token in context (aws_session_token, SessionToken, aws_security_token)";

    protected override IReadOnlyList<string> Keywords { get; } = ["aws_session_token", "aws_security_token", "sessiontoken"];

    public override IReadOnlyList<string> Signatures { get; } = ["aws_se", "AWS_SE", "SessionToken", "sessionToken"];

    protected override AsciiSet Value => AsciiSet.Base64Padded;

    protected override int MinValue => 100;

    protected override int MaxValue => 4096;

    protected override bool KeywordMayFollowWord => true;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("aws_session_token = " + Sample, Sample),
        new("\"SessionToken\": \"" + Sample + "\"", Sample),
        new("export AWS_SESSION_TOKEN=" + Sample, Sample),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "session_token = get_session_token()",
        "aws_session_token = ${AWS_SESSION_TOKEN}",
        "csrf_session_token_name = \"x-token\"",
    ];
}
