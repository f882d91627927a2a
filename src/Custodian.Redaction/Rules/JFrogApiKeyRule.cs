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
        RuleExample.Token("AKCpYvzmKq5KDh1AuPoLn344VnVaKEAM2yK5QpbwORz0JUSxKULPGRLiiFa51jks1lqR4sZxR"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "AKCpPgGHdBqdSSQRjw4LtBHb",
        "xAKCpQ9qRIFPfqZH4ghlaueFnSyN7jpFBrKzlJpu2NBGtfJpz4ncCRR3fODp30mydyir3nfPG1",
    ];
}
