using System.Collections.Frozen;
using Custodian.Redaction.Rules;

namespace Custodian.Redaction.Internal;

/// <summary>
/// Values that providers and standards publish in their documentation as examples (RED-7): they are not anyone's
/// secret, appear in READMEs and tutorials that an assistant reads, and stay as they are whichever rule finds them
/// (a token format, or a secret name's context: <c>STRIPE_SECRET_KEY=sk_test_4eC39…</c> is Stripe's public test key).
/// The token formats' own <c>Published</c> keys are included.
/// </summary>
internal static class PublishedExamples
{
    private static readonly string[] Documentation =
    [
        // Azurite, the Azure Storage emulator: the well-known account key of devstoreaccount1.
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",

        // jwt.io's example token (HS256, "John Doe", signed with the key "your-256-bit-secret").
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",

        // HTTP Basic examples: base64 of "username:password", "user:password", "Aladdin:open sesame" (RFC 7617).
        "dXNlcm5hbWU6cGFzc3dvcmQ=", "dXNlcjpwYXNzd29yZA==", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",

        // Mailgun's documentation example API key (curl -s --user 'api:key-3ax6…'); not hex, so no format claims it.
        "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",

        // The Kubernetes documentation's example Secret: base64 of "admin" and "1f2d1e2e67df".
        "YWRtaW4=", "MWYyZDFlMmU2N2Rm",
    ];

    private static readonly FrozenSet<string> All =
        Documentation.Concat(TokenFormats.All.SelectMany(format => format.Published)).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup = All.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Every published example, for tests and docs.</summary>
    public static IReadOnlyCollection<string> Values => All;

    /// <summary>Whether <paramref name="value"/> is exactly a published example.</summary>
    public static bool Contains(ReadOnlySpan<char> value) => Lookup.Contains(value);
}
