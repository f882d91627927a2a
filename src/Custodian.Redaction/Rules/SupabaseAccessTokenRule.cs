using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Supabase personal access token (sbp_).</summary>
internal sealed class SupabaseAccessTokenRule : TokenRule
{
    public override string Id => "supabase-access-token";

    public override string Description => "Supabase personal access token (sbp_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sbp_"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 40;

    protected override int MaxBody => 40;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sbp_2d93d2f747e4175f7358d7873a0f935f6923684b"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sbp_80512e4c9035b293474a",
    ];
}
