using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>OpenAI user key without a project (sk-None-).</summary>
internal sealed class OpenAiUserKeyRule : TokenRule
{
    public override string Id => "openai-user-key";

    public override string Description => "OpenAI user key without a project (sk-None-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sk-None-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 40;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sk-None-6g-iNY74lmZe7fACCYlNfl8KTdTYCRDktu81GKJW-Sza5ABSmgyvZk0zil2C7qITnDEXp4QBh9T3BlbkFJMvcrvMQNpGVW5My-pEjy86mg_AebvAB_8X2b2LfdgGVvU9EAXUOMKbXxWfRObSRhz2gSAxoeSA"),
        RuleExample.Token("sk-None-HRVi0h7iT8MqwWwlG8upqw9y9EFZvckDGVZVy6bKGRsZn3j2"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-None-Xv2sOBdwFA",
        "task-None-wpjtptjE4YvjTEUFItXQgwLCMc24EUJzdRMe7PJnHz7O96LG",
    ];
}
