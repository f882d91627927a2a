namespace Custodian.Redaction.Internal;

/// <summary>
/// The credential after an authorization scheme word (<c>Bearer</c>, <c>token</c>, <c>SSWS</c>, …): one to four spaces
/// or tabs, then a run of token characters without a sentence's final full stop, at least 16 long, holding a digit,
/// ending where a token may end, and no placeholder. Shared by the rules that read an <c>Authorization</c> value.
/// </summary>
internal static class SchemeCredential
{
    private const int MinLength = 16;
    private static readonly AsciiSet TokenChars = new(Chars.Letters + Chars.DigitChars + "-._~+/=");

    /// <summary>Locates the credential that follows a scheme word ending at <paramref name="afterScheme"/>.</summary>
    public static bool TryRead(in Window window, int afterScheme, int maxLength, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int i = afterScheme;
        int spaces = 0;
        while (i < text.Length && spaces < 4 && text[i] is ' ' or '\t')
        {
            i++;
            spaces++;
        }

        int run = TokenChars.Run(text, i, maxLength + 1);
        int length = run;
        while (length > 0 && text[i + length - 1] == '.')
        {
            length--; // the full stop of a sentence, not part of the token
        }

        if (spaces == 0 || length < MinLength || run > maxLength || Chars.CountDigits(text.Slice(i, length)) == 0 || !window.IsTokenEnd(i + run) ||
            Placeholders.IsPlaceholderValue(text.Slice(i, length)))
        {
            return false;
        }

        start = i;
        end = i + length;
        return true;
    }
}
