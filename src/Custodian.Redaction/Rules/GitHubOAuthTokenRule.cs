using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitHub OAuth access token (gho_).</summary>
internal sealed class GitHubOAuthTokenRule : TokenRule
{
    public override string Id => "github-oauth-token";

    public override string Description => "GitHub OAuth access token (gho_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["gho_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 251;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("gho_kUtE0ewOTNg3zOvSBzzxVaawZeQwbCa6Yt1k"),
        RuleExample.Token("gho_3zA9SrCK4BmTWk5YdukI0DQROz8BbEPiRW0T"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "gho_uvnA19kME7MuFqFz7CCp",
        "xgho_iYCLhPVVSyl0M2FGbTNjvfAHsrfxeisW59m7",
        "gho_M2GlQwYGfrOco43VAz1gaM3w0E2VFW-3tfBe5IW5o",
    ];
}
