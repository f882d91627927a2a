using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>OpenAI service account key (sk-svcacct-).</summary>
internal sealed class OpenAiServiceAccountKeyRule : TokenRule
{
    public override string Id => "openai-service-account-key";

    public override string Description => "OpenAI service account key (sk-svcacct-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk-svcacct-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 40;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
        RuleExample.Token("sk-svcacct-Zt0Uo5v7NXLhbAYNriiehdmdSSqAEDGHwIycVP6DZRN9P29P"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-svcacct-3gG9Ao9QJi",
        "task-svcacct-QQ5HdpgBfJBYPzCSUP1MQPxgu5rB8UZdTQwoUwGRXgbJn0lu",
    ];
}
