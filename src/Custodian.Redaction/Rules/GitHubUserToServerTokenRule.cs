using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>GitHub App user-to-server token (ghu_).</summary>
internal sealed class GitHubUserToServerTokenRule : TokenRule
{
    public override string Id => "github-user-to-server-token";

    public override string Description => "GitHub App user-to-server token (ghu_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ghu_"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 36;

    protected override int MaxBody => 251;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ghu_z7nJFGmuSc1NHVcidnB76XXp8mCQtXlzBQvc"),
        RuleExample.Token("ghu_BeYobNl6t0WDfn8MYlmkufhPxCAvGXJKMT4Y"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ghu_e0tZCjLSG0fx6LHQ4Nrr",
        "xghu_ZDU55LEFqaUvymiV7sf7HxS9tp4YufcCo4n3",
        "ghu_5LKtn2oqhcCkUXU4iSaePAjH1jLLHH-Et6T5WHU3i",
    ];
}
