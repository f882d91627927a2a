using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Anthropic OAuth refresh token, as Claude Code stores it (sk-ant-ort01-).</summary>
internal sealed class AnthropicRefreshTokenRule : AnthropicTokenRule
{
    public AnthropicRefreshTokenRule()
        : base("ort")
    {
    }

    public override string Id => "anthropic-refresh-token";

    public override string Description => "Anthropic OAuth refresh token, as Claude Code stores it (sk-ant-ort01-)";

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sk-ant-ort01-HZnK8Cl6J5ixaaJLShuQjOud_-yDUA-5zmS1swoPqApryPZBlgvIyxJu2jGjNGkTfi3oYv2DzaKG05Rk-GQV81rkmghzpAA"),
        RuleExample.Token("sk-ant-ort01-PTejqZHKpKENg5zfjOc6VwcbIjMPFLVjFUPXQzkM-"),
        new("ANTHROPIC_KEY=\"sk-ant-ort01-HZnK8Cl6J5ixaaJLShuQjOud_-yDUA-5zmS1swoPqApryPZBlgvIyxJu2jGjNGkTfi3oYv2DzaKG05Rk-GQV81rkmghzpAA\"", "sk-ant-ort01-HZnK8Cl6J5ixaaJLShuQjOud_-yDUA-5zmS1swoPqApryPZBlgvIyxJu2jGjNGkTfi3oYv2DzaKG05Rk-GQV81rkmghzpAA"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-ant-ort01-short",
        "sk-ant-ort01-",
        "task-ant-ort01-4Bv3aYavhNYRVwDfRk9XIrghoy32NFR5PYZpcb9T2039BICbtw5ze9lfAEZ7",
        "sk-ant-ortx1-770h2dcPyGOJJhrG80usp2w5dFjxCAyIOk6CptT9IoQhobswHGETh8lMYQOy",
    ];
}
