using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Sentry user auth token (sntryu_).</summary>
internal sealed class SentryUserTokenRule : TokenRule
{
    public override string Id => "sentry-user-token";

    public override string Description => "Sentry user auth token (sntryu_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sntryu_"];

    protected override AsciiSet Body => AsciiSet.HexLower;

    protected override int MinBody => 64;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sntryu_bb31dec738ae4349c8d2",
    ];
}
