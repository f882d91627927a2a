using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Grafana Cloud access policy token (glc_).</summary>
internal sealed class GrafanaCloudTokenRule : TokenRule
{
    public override string Id => "grafana-cloud-token";

    public override string Description => "Grafana Cloud access policy token (glc_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glc_"];

    protected override AsciiSet Body => AsciiSet.Base64Padded;

    protected override int MinBody => 32;

    protected override int MaxBody => 400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glc_eyJCeMnubZawaAvoDAzrtz8Gwi7yryyAI8fPXE0aR0cp4TeF5uokXzlzUNsAiBoRjNvq28LRUhq3WimqHISyXGRBQTsadloAqtlYIZJYOq1XWm5oI7PsjscObqf=="),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glc_UBMnyj5gc7",
    ];
}
