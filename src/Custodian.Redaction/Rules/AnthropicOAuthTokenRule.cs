using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Anthropic OAuth access token, as Claude Code stores it (sk-ant-oat01-).</summary>
internal sealed class AnthropicOAuthTokenRule : AnthropicTokenRule
{
    public AnthropicOAuthTokenRule()
        : base("oat")
    {
    }

    public override string Id => "anthropic-oauth-token";

    public override string Description => "Anthropic OAuth access token, as Claude Code stores it (sk-ant-oat01-)";

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sk-ant-oat01-QKcIhP6Br1iQFeOUhGXZnnal5WisCgEBCY8f5N3_ynbdrZRzsGQBJg3UHKwkflF6XUi5AhuqpfEnbtXAqwK8jZfALhLSZAA"),
        RuleExample.Token("sk-ant-oat01-lCZBTToOFl9h2wJq5ty4mYwUufJSunpJC01t5gob-"),
        new("ANTHROPIC_KEY=\"sk-ant-oat01-QKcIhP6Br1iQFeOUhGXZnnal5WisCgEBCY8f5N3_ynbdrZRzsGQBJg3UHKwkflF6XUi5AhuqpfEnbtXAqwK8jZfALhLSZAA\"", "sk-ant-oat01-QKcIhP6Br1iQFeOUhGXZnnal5WisCgEBCY8f5N3_ynbdrZRzsGQBJg3UHKwkflF6XUi5AhuqpfEnbtXAqwK8jZfALhLSZAA"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-ant-oat01-short",
        "sk-ant-oat01-",
        "task-ant-oat01-uszgI6hwgk10zB0rlz5tr9spOFBCIoX9GY1cjDoBoirPfQAdzEv7g5iFqhEv",
        "sk-ant-oatx1-veQzE2QPuwNOvpdf2YEe6rSxCnopMEmJVQpvsTnkIAeDfRrGsNrfSthSdddx",
    ];
}
