using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>RubyGems API key (rubygems_).</summary>
internal sealed class RubyGemsApiKeyRule : TokenRule
{
    public override string Id => "rubygems-api-key";

    public override string Description => "RubyGems API key (rubygems_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["rubygems_"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 48;

    protected override int MaxBody => 48;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("rubygems_8158a98d7c9be9214d37c1f7f71ef2201196e1ef29671a1f"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "rubygems_a326e937d57d1d5c1257",
        "rubygems_53d99b32cc80dadd54ef1bbea90edeeb276d5dc73d29ad09z",
    ];
}
