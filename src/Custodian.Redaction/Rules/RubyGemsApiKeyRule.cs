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
        RuleExample.Token("rubygems_7a34cb1bab5cbdb1cd78158a98d7c9be9214d37c1f7f71ef"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "rubygems_2201196e1ef29671a1fa",
        "rubygems_326e937d57d1d5c125753d99b32cc80dadd54ef1bbea90edz",
    ];
}
