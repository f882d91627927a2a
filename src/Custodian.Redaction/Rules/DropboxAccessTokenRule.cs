using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Dropbox short-lived access token (sl.).</summary>
internal sealed class DropboxAccessTokenRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string NeverEndsWith => ".";

    public override string Id => "dropbox-access-token";

    public override string Description => "Dropbox short-lived access token (sl.)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sl."];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 130;

    protected override int MaxBody => 1400;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sl.B9KlbKCUTbDN_S4Fji_dG6_eNgiiuXm7M1E53HqOBFI94-FiPDUmgVwrk9zO4pbLSVjWHGHIMrIBtgIp3fvONwujAyEvAf80jD2cPelx1jJN0elj-t6lMN7dyMlP1VXoTQsIzCdTFQ"),
        RuleExample.Token("sl.u.ySIYHyAC3iqzP1FFvCGhsgMuQiN5NPhkEDLhZ0OLnZWw-W9vbRT2AH41_ESYim7vv_Dly2clun9u1LDpYYukdf8iTvjuHTJtncN1p4Gc_ikaKjkc2Lx7sJdRDj6N2RModaeUVb3T7_q0Hnjq-9GzAbjSvyf_HvufrPrkls23Bepx1RXINO5k8Boc9KpH1tUuRh0oDcOmBn3eZqna4-nUXV7SvOJFZvterFmme9WF45oBZrJLCcdfg2tzLMwQ3Eh5xrvA8lGa2pwmpOoandjhcQQlxlc3ubCz0ItAzo_70BSLZ"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sl.no",
        "sl.6mbYJW2hl4q3GQ6wuk3kfa8aTho45hgRZhDXxsOP",
    ];
}
