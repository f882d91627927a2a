using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>A PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP), with raw or escaped line breaks.</summary>
internal sealed class PemPrivateKeyRule : Rule
{
    internal const string Body =
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n" +
        "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n" +
        "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n";

    public override string Id => "pem-private-key";

    public override string Description => "PEM private key block (-----BEGIN ... PRIVATE KEY-----), raw, JSON-escaped or flattened";

    public override IReadOnlyList<string> Signatures { get; } = ["-----BEGIN "];

    public override int MaxReach => PemBlock.MaxLength + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = window.Hit;
        end = PemBlock.Match(window.Text, window.Hit);
        return end > start;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        Block("PRIVATE KEY", Body),
        Block("RSA PRIVATE KEY", "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n" + Body),
        Block("OPENSSH PRIVATE KEY", Body),
        Block("EC PRIVATE KEY", Body.Replace("\n", "\r\n", StringComparison.Ordinal)),
        Block("PGP PRIVATE KEY BLOCK", "Version: GnuPG v2\n\n" + Body),
        new("KEY=\"-----BEGIN PRIVATE KEY----- " + Body.Replace("\n", " ", StringComparison.Ordinal) + "-----END PRIVATE KEY-----\"",
            "-----BEGIN PRIVATE KEY----- " + Body.Replace("\n", " ", StringComparison.Ordinal) + "-----END PRIVATE KEY-----"),

        // A numbered copy: Claude Code's Read result ("     2→") and cat -n ("     2\t").
        new(Numbered("→"), Numbered("→").TrimEnd('\n')[Numbered("→").IndexOf('-', StringComparison.Ordinal)..]),
        new(Numbered("\t"), Numbered("\t").TrimEnd('\n')[Numbered("\t").IndexOf('-', StringComparison.Ordinal)..]),

        // Cut off before the END line: what is there is still key material.
        new("$ head -3 id_rsa\n-----BEGIN RSA PRIVATE KEY-----\n" + Body.TrimEnd('\n') + "\n[truncated]", "-----BEGIN RSA PRIVATE KEY-----\n" + Body.TrimEnd('\n')),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "-----BEGIN PUBLIC KEY-----\n" + Body + "-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\n" + Body + "-----END CERTIFICATE-----",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\n" + new string('X', 64) + "\n" + new string('X', 64) + "\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" + new string('x', 70) + "\n-----END OPENSSH PRIVATE KEY-----",
        "a file that starts with -----BEGIN RSA PRIVATE KEY----- and ends with the END line",
    ];

    /// <summary>An RSA key as a numbered listing, each line after <paramref name="separator"/>: <c>"     1→-----BEGIN…"</c>.</summary>
    private static string Numbered(string separator)
    {
        string[] lines = ["-----BEGIN RSA PRIVATE KEY-----", .. Body.TrimEnd('\n').Split('\n'), "-----END RSA PRIVATE KEY-----"];
        var listing = new System.Text.StringBuilder();
        for (int n = 0; n < lines.Length; n++)
        {
            listing.Append(System.Globalization.CultureInfo.InvariantCulture, $"{n + 1,6}").Append(separator).Append(lines[n]).Append('\n');
        }

        return listing.ToString();
    }

    private static RuleExample Block(string label, string body)
    {
        string block = "-----BEGIN " + label + "-----\n" + body + "-----END " + label + "-----";
        return new RuleExample(block + "\n", block);
    }
}
