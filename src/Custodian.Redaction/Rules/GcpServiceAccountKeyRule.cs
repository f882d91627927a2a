using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The private key of a Google Cloud service-account JSON file: <c>"private_key": "-----BEGIN PRIVATE KEY-----\n..."</c>,
/// where the PEM sits in a JSON string with <c>\n</c> escapes (or deeper, when the file itself was quoted).
/// </summary>
internal sealed class GcpServiceAccountKeyRule : Rule
{
    private const string Keyword = "private_key";
    private const int MaxSeparator = 16;

    private static readonly string EscapedBody = PemPrivateKeyRule.Body.Replace("\n", "\\n", StringComparison.Ordinal);
    private static readonly string EscapedKey = "-----BEGIN PRIVATE KEY-----\\n" + EscapedBody + "-----END PRIVATE KEY-----";

    public override string Id => "gcp-service-account-key";

    public override string Description => "Google Cloud service-account private key (\"private_key\" in a key file)";

    public override IReadOnlyList<string> Signatures { get; } = [Keyword];

    public override int MaxReach => Keyword.Length + MaxSeparator + PemBlock.MaxLength + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int i = window.Hit + Keyword.Length;
        if (!Chars.StartsWith(text, window.Hit, Keyword) || !window.IsTokenStart(window.Hit) || i >= text.Length || text[i] is not ('"' or '\\'))
        {
            return false;
        }

        int limit = Math.Min(text.Length, i + MaxSeparator);
        bool colon = false;
        while (i < limit && text[i] is '"' or '\\' or ':' or ' ' or '\t')
        {
            colon |= text[i] == ':';
            i++;
        }

        // The value's opening quote may be escaped (\"): the PEM starts right after it.
        int pemEnd = colon ? PemBlock.Match(text, i) : -1;
        if (pemEnd < 0)
        {
            return false;
        }

        start = i;
        end = pemEnd;
        return true;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("{\"type\": \"service_account\", \"project_id\": \"acme\", \"private_key_id\": \"3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e5f6a7b8c\", \"private_key\": \"" +
            EscapedKey + "\\n\", \"client_email\": \"svc@acme.iam.gserviceaccount.com\"}", EscapedKey),
        new("private_key\": \"" + EscapedKey + "\\n\"", EscapedKey),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "{\"private_key_id\": \"3f9c2a7d1e0b4c6a8f5d2e9b7a1c3d4e5f6a7b8c\"}",
        "{\"private_key\": \"\"}",
        "def load(private_key): return private_key",
    ];
}
