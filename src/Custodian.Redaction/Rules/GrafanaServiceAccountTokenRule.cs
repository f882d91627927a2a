using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Grafana service account token (glsa_).</summary>
internal sealed class GrafanaServiceAccountTokenRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new(Chars.Letters + Chars.DigitChars + "_");

    protected override bool IsValidBody(ReadOnlySpan<char> body) => body[32] == '_';

    public override string Id => "grafana-service-account-token";

    public override string Description => "Grafana service account token (glsa_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["glsa_"];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 41;

    protected override int MaxBody => 41;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("glsa_aSHinliuBElcAqGPT93BrUgn0C8mJm7H_32ad22ad"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "glsa_QfZ6lVLHmE",
    ];
}
