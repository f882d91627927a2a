using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Google API key (AIza + 35).</summary>
internal sealed class GoogleApiKeyRule : TokenRule
{
    public override string Id => "google-api-key";

    public override string Description => "Google API key (AIza + 35)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["AIza"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 35;

    protected override int MaxBody => 35;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("AIzaMTauoNL4FbJnPI3tZz3qa6ONn6u3QlAAFyF"),
        RuleExample.Token("AIzaSyr7F1369yOa5-2gtn4JecltuelZkB_Bfx0"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "AIzaHbQsSh2MHjPWArDRK5uV",
        "xAIzaA48Yqw7BhlcVm64YJ5G6qFwjmTZgau7nrTA",
        "AIzaMoEfevDYC0WVKy0na3jIExzvXARXdyUS8r3KZPin",
    ];
}
