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
        RuleExample.Token("sk-None-QO0VofIvAKAXa--LycF__L_Ni7WQeRvXtgi1pnXFwYP8nJ06g-iNY74lmZe7fACCYlNfl8KTdTT3BlbkFJYCRDktu81GKJW-Sza5ABSmgyvZk0zil2C7qITnDEXp4QBh9MvcrvMQNpGVW5My-pEjy86mg_AA"),
        RuleExample.Token("sk-None-4PNrxiXyhAAfehg1Lu4gb9NbFPpOun3mmQ9DKy9z6XjKeChj"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sk-None-AnLKqHGkFz",
        "task-None-N9L9YwLv1PI5nvoHNJ3Im8QZvq9ppbQt9JAhYrU3PrJHRVi0",
    ];
}
