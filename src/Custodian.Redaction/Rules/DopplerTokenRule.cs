using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Doppler token (dp.pt., dp.st., dp.ct., dp.sa., dp.scim., dp.audit.).</summary>
internal sealed class DopplerTokenRule : TokenRule
{
    public override IReadOnlyList<string> Signatures { get; } = ["dp."];


    public override string Id => "doppler-token";

    public override string Description => "Doppler token (dp.pt., dp.st., dp.ct., dp.sa., dp.scim., dp.audit.)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."];

    protected override AsciiSet Body => AsciiSet.Alnum;

    protected override int MinBody => 40;

    protected override int MaxBody => 44;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("dp.pt.LEQvS6OwKdlM3i7JdpMqccokZJ7snjy4KwPrxRpWZpL"),
        RuleExample.Token("dp.st.JcKfeztcOsTgfNCs2mBr0gqaVxkS1eQZoECCbTwlual"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "dp.pt.IGWDlIXrOQ",
    ];
}
