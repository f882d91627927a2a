using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// AWS secret access key next to its name: 40 base64 characters have no format of their own, so only
/// the name (<c>aws_secret_access_key</c>, <c>SecretAccessKey</c>, <c>--aws-secret-access-key</c>) tells.
/// </summary>
internal sealed class AwsSecretAccessKeyRule : KeywordValueRule
{
    public override string Id => "aws-secret-access-key";

    public override string Description => "AWS secret access key in context (aws_secret_access_key, SecretAccessKey, AWS_SECRET_KEY)";

    protected override IReadOnlyList<string> Keywords { get; } =
        ["aws_secret_access_key", "secret_access_key", "secretaccesskey", "aws_secret_key", "aws-secret-access-key", "aws_secret"];

    public override IReadOnlyList<string> Signatures { get; } =
        ["aws_secret", "AWS_SECRET", "SecretAccessKey", "secretAccessKey", "secret_access_key", "aws-secret-access-key"];

    protected override AsciiSet Value => AsciiSet.Base64;

    protected override int MinValue => 40;

    protected override int MaxValue => 40;

    protected override bool KeywordMayFollowWord => true;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("aws_secret_access_key = IaMWJOstkIvz+zZJX0Omn9PoD1vZ5dGTN83ZJH7Y", "IaMWJOstkIvz+zZJX0Omn9PoD1vZ5dGTN83ZJH7Y"),
        new("<SecretAccessKey>xLA60W5Jxf9KqnCecvpspE+AvBe8Pqd05ovm/Cvz</SecretAccessKey>", "xLA60W5Jxf9KqnCecvpspE+AvBe8Pqd05ovm/Cvz"),
        new("aws --aws-secret-access-key=\"Cvz9KqnCecvpspE+AvBe8Pqd05ovm/xLA60W5Jxf\" s3 ls", "Cvz9KqnCecvpspE+AvBe8Pqd05ovm/xLA60W5Jxf"),
        new("AWS_SECRET_ACCESS_KEY=Zq8Vt1nL+0cG4yB2pR7sK9dW3eH6jM5aX1uQ0fTz", "Zq8Vt1nL+0cG4yB2pR7sK9dW3eH6jM5aX1uQ0fTz"),
        new("\"SecretAccessKey\": \"9dW3eH6jM5aX1uQ0fTzZq8Vt1nL+0cG4yB2pR7sK\"", "9dW3eH6jM5aX1uQ0fTzZq8Vt1nL+0cG4yB2pR7sK"),
        new("aws configure set aws_secret_access_key 0cG4yB2pR7sK9dW3eH6jM5aX1uQ0fTzZq8Vt1nL/", "0cG4yB2pR7sK9dW3eH6jM5aX1uQ0fTzZq8Vt1nL/"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=\"<your-secret-access-key-of-forty-chars>\"",
        "aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "SecretAccessKeyId: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYEXTRA",
        "aws_secret_access_key = short",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ];
}
