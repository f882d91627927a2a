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
        RuleExample.Token("sk-svcacct-YztyPDCb7Djxpzy0yh5KYfwIp6nlru9blEwC2gWtiHAq0QzE"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-svcacct-2iZvhzZl8v",
        "task-svcacct-YDhWqHbUwzhlNZt0Uo5v7NXLhbAYNriiehdmdSSqAEDGHwIy",
    ];
}
