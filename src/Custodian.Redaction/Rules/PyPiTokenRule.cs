using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>PyPI and TestPyPI API token (pypi-AgEIcHlwaS5vcmc...).</summary>
internal sealed class PyPiTokenRule : TokenRule
{
    public override IReadOnlyList<string> Signatures { get; } = ["pypi-AgE"];


    public override string Id => "pypi-token";

    public override string Description => "PyPI and TestPyPI API token (pypi-AgEIcHlwaS5vcmc...)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 50;

    protected override int MaxBody => 1000;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("pypi-AgEIcHlwaS5vcmcz-urxl9dJ7DNitSE--CNuPDepD0morzJLsecvfosSDknGUYrTpVTeMGp1YUtNiBUMJIWprbj2nF3n5_soyNkaLljNTtjWlgrzA0OR32rTASV7FurScC4YhsIXGnEQt7aEXlqTbMNuBRWQ"),
        RuleExample.Token("pypi-AgENdGVzdC5weXBpLm9yZw-ZQU300dpohEHANfmioFKRbb49N1Q3ZnZ3ubXZW2HPnVvd0EBem26apyKqTeYoezeiHf6TQWJaIu__kxbOCbIYoYzsySkzrOAVgtXaUIxOfsTDTe0Fv7bW--A"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "pypi-AgEIcHlwaS5vcmczevnBQa46z",
        "pypi-package-name",
    ];
}
