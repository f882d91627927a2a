using System.Buffers;
using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The credential of an <c>Authorization: Basic</c> header: base64 of <c>user:password</c>. The value is
/// decoded and must hold a colon and printable text, so "basic usage" and other prose survive.
/// </summary>
internal sealed class AuthorizationBasicRule : Rule
{
    private const int MaxValue = 4096;

    public override string Id => "authorization-basic";

    public override string Description => "Basic authentication credentials (Authorization: Basic base64(user:password))";

    public override IReadOnlyList<string> Signatures { get; } = ["Basic", "basic", "BASIC"];

    public override int MaxReach => 5 + 4 + MaxValue + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        if (!Chars.StartsWithIgnoreCase(text, hit, "basic") || !window.IsTokenStart(hit))
        {
            return false;
        }

        int i = hit + 5;
        int spaces = 0;
        while (i < text.Length && spaces < 4 && text[i] is ' ' or '\t')
        {
            i++;
            spaces++;
        }

        int run = AsciiSet.Base64Padded.Run(text, i, MaxValue + 1);
        if (spaces == 0 || run < 8 || run > MaxValue || !window.IsTokenEnd(i + run) || !IsUserColonPassword(text.Slice(i, run)))
        {
            return false;
        }

        start = i;
        end = i + run;
        return true;
    }

    private static bool IsUserColonPassword(ReadOnlySpan<char> value)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(value.Length);
        try
        {
            if (!Convert.TryFromBase64Chars(value, rented, out int written))
            {
                return false;
            }

            ReadOnlySpan<byte> decoded = rented.AsSpan(0, written);
            int colon = decoded.IndexOf((byte)':');
            if (colon < 0 || colon == decoded.Length - 1)
            {
                return false;
            }

            foreach (byte b in decoded)
            {
                if (b < 0x20 || b == 0x7F)
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "YWxhZGRpbjpvcGVuc2VzYW1l"),
        new("-H \"Authorization: Basic ZGVwbG95OnMzY3IzdC1wYXNzd29yZCE=\"", "ZGVwbG95OnMzY3IzdC1wYXNzd29yZCE="),
        new("Proxy-Authorization: basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "This is basic usage of the API.",
        "Authorization: Basic dXNlcm5hbWU=",
        "Authorization: Basic ${CREDENTIALS}",
        "BASIC programming language",
    ];
}
