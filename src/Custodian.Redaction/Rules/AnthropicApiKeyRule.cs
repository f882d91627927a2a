using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Anthropic API key (sk-ant-api03-).</summary>
internal sealed class AnthropicApiKeyRule : AnthropicTokenRule
{
    public AnthropicApiKeyRule()
        : base("api")
    {
    }

    public override string Id => "anthropic-api-key";

    public override string Description => "Anthropic API key (sk-ant-api03-)";

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sk-ant-api03-UTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm_r5kJP1VrT-1FJors_6ILi8IHn5kxsC7tVO_HbkQfZAA"),
        RuleExample.Token("sk-ant-api03-Z63fFKcZjR4I0b3jRtaWr4Y9OJFLJOqOAf1lLQSA-"),
        new("ANTHROPIC_KEY=\"sk-ant-api03-UTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm_r5kJP1VrT-1FJors_6ILi8IHn5kxsC7tVO_HbkQfZAA\"", "sk-ant-api03-UTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm_r5kJP1VrT-1FJors_6ILi8IHn5kxsC7tVO_HbkQfZAA"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-ant-api03-short",
        "sk-ant-api03-",
        "task-ant-api03-JaiXnkU8Is2g8nprvDd53x83rzjZZZZGeoZDMENcKHVmDGAkJiG8XnBE3NnY",
        "sk-ant-apix1-JoQ9WmXeHH2fdeeTFJGvVvQe1sKhBN88hXJsi6BwhTp3Fs2QhX6KWxOiixgV",
    ];
}
