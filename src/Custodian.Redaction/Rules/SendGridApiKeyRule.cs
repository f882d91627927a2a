using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>SendGrid API key (SG.).</summary>
internal sealed class SendGridApiKeyRule : TokenRule
{
    private static readonly AsciiSet Alphabet = new(Chars.Letters + Chars.DigitChars + "-_.");

    protected override string CutAfter => "-_.";

    protected override bool IsValidBody(ReadOnlySpan<char> body) => body[22] == '.' && body.Count('.') == 1;

    public override string Id => "sendgrid-api-key";

    public override string Description => "SendGrid API key (SG.)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["SG."];

    protected override AsciiSet Body => Alphabet;

    protected override int MinBody => 66;

    protected override int MaxBody => 66;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "SG.MNtCS1Y3ikztNzQYpOjC",
        "SG.PiWbdiX299onyA3dSXUaPWahB30vv68aAo9TdWjiR9BKfvqtm15lDMG2uaMVWWfOZK",
        "xSG.UEN1o49MDkvTrx7EQ4KQVP.hkOIJShDcU1sitVLSXnA1gVYQSZr93MF8KcZl9mZTMv",
    ];
}
