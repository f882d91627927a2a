using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Square access token (sq0atp-, EAAA-style are not covered).</summary>
internal sealed class SquareAccessTokenRule : TokenRule
{
    public override string Id => "square-access-token";

    public override string Description => "Square access token (sq0atp-, EAAA-style are not covered)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sq0atp-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 22;

    protected override int MaxBody => 60;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sq0atp-81TmbujzrG2T4pnkVdJ4DG"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sq0atp-HIDo8TbMr3",
    ];
}
