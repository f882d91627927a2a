using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// Microsoft Entra ID (Azure AD) application client secret: three characters, a version digit, <c>Q~</c>,
/// then 31 to 34 characters. The literal is in the middle, so the match starts three characters before the hit.
/// </summary>
internal sealed class AzureAdClientSecretRule : Rule
{
    private const int MinTail = 31;
    private const int MaxTail = 34;
    private static readonly AsciiSet Head = new(Chars.Letters + Chars.DigitChars + "_~.");
    private static readonly AsciiSet Tail = new(Chars.Letters + Chars.DigitChars + "_~.-");

    public override string Id => "azure-ad-client-secret";

    public override string Description => "Microsoft Entra ID (Azure AD) client secret (xxxNQ~...)";

    // Secrets issued so far carry version 7 or 8; one anchor per version keeps the scan lean.
    public override IReadOnlyList<string> Signatures { get; } = ["7Q~", "8Q~"];

    public override int MaxLookBehind => 3;

    public override int MaxReach => 3 + MaxTail + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        int head = hit - 3;
        if (head < 0 || !char.IsAsciiDigit(text[hit]) || !Chars.StartsWith(text, hit + 1, "Q~") || !Head.All(text[head..hit]) ||
            !window.IsTokenStart(head))
        {
            return false;
        }

        int tailStart = hit + 3;
        int run = Tail.Run(text, tailStart, MaxTail + 1);
        int length = run;
        if (run > MaxTail)
        {
            // Followed by '.', '-' and more text: cut at the separator, as for other fixed-length formats.
            length = -1;
            for (int l = MaxTail; l >= MinTail; l--)
            {
                if (text[tailStart + l] is '.' or '-' or '_')
                {
                    length = l;
                    break;
                }
            }
        }

        if (length < MinTail)
        {
            return false;
        }

        start = head;
        end = tailStart + length;
        return true;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("abc8Q~Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2"),
        new("AZURE_CLIENT_SECRET=\"Xy_7Q~p8Yk2.vQ3nL0xT7cR1b~9mW4eH6jA5sD2\"", "Xy_7Q~p8Yk2.vQ3nL0xT7cR1b~9mW4eH6jA5sD2"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "abc8Q~short",
        "Q~Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2f",
        "vabc8Q~Zx9Yk2BvQ3nL0xT7cR1bZ9mW4eH6jA5sD2f",
    ];
}
