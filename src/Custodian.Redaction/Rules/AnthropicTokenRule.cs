using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The Anthropic key family: <c>sk-ant-&lt;kind&gt;NN-</c> followed by base64url. Current keys are 93
/// characters and a fixed <c>AA</c> tail; older or future lengths are accepted too, because the
/// prefix alone is distinctive enough.
/// </summary>
internal abstract class AnthropicTokenRule : TokenRule
{
    private const int CurrentBodyLength = 95;

    protected AnthropicTokenRule(string kind)
    {
        var prefixes = new string[10];
        for (int version = 0; version < 10; version++)
        {
            prefixes[version] = $"sk-ant-{kind}0{version}-";
        }

        Prefixes = prefixes;
    }

    protected override IReadOnlyList<string> Prefixes { get; }

    public override IReadOnlyList<string> Signatures { get; } = ["sk-ant-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 32;

    protected override int MaxBody => 400;

    protected override bool NeedsBoundary => true;

    /// <summary>
    /// A current-format key followed by <c>-</c> or <c>_</c> and more text: the run continues through the
    /// separator, but the key ends at its known length, so the text after it survives.
    /// </summary>
    protected override int PreferredLength(ReadOnlySpan<char> run) =>
        run.Length > CurrentBodyLength && run[CurrentBodyLength - 2] == 'A' && run[CurrentBodyLength - 1] == 'A' &&
        run[CurrentBodyLength] is '-' or '_'
            ? CurrentBodyLength
            : run.Length;
}
