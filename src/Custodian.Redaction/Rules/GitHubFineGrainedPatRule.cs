using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitHub fine-grained personal access token (github_pat_).</summary>
internal sealed class GitHubFineGrainedPatRule : TokenRule
{
    private static readonly AsciiSet AlnumUnderscore = new(Chars.Letters + Chars.DigitChars + "_");

    protected override string NeverEndsWith => "_";

    public override string Id => "github-fine-grained-pat";

    public override string Description => "GitHub fine-grained personal access token (github_pat_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["github_pat_"];

    protected override AsciiSet Body => AlnumUnderscore;

    protected override int MinBody => 50;

    protected override int MaxBody => 244;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "github_pat_CzVYrQ0kxgpuZz7OqpUz",
        "github_pat_xxxxxxxxxx_docs",
    ];
}
