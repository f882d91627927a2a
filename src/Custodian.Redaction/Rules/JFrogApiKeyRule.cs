using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>JFrog Artifactory API key (AKCp).</summary>
internal sealed class JFrogApiKeyRule : TokenRule
{
    public override string Id => "jfrog-api-key";

    public override string Description => "JFrog Artifactory API key (AKCp)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["AKCp"];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 60;

    protected override int MaxBody => 80;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("AKCplAvMzzI5kJlGeKSUxaCHICvPYnfDjW6kMQFtRXR4PqlNCL5J6lpjdYvzmKq5KDh1AuPoL"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "AKCpn344VnVaKEAM2yK5Qpbw",
        "xAKCpORz0JUSxKULPGRLiiFa51jks1lqR4sZxRPgGHdBqdSSQRjw4LtBHbQ9qRIFPfqZH4ghla",
    ];
}
