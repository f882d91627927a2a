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
        "SG.5KFZldnTAlh8keWACo69",
        "SG.kFiHaBkhn9WrHMVMNtCS1Y3ikztNzQYpOjCPiWbdiX299onyA3dSXUaPWahB30vv68",
        "xSG.aAo9TdWjiR9BKfvqtm15lD.MG2uaMVWWfOZKUEN1o49MDkvTrx7EQ4KQVPhkOIJShD",
    ];
}
