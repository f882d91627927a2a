using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Google OAuth client secret (GOCSPX-).</summary>
internal sealed class GoogleOAuthClientSecretRule : TokenRule
{
    public override string Id => "google-oauth-client-secret";

    public override string Description => "Google OAuth client secret (GOCSPX-)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["GOCSPX-"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 28;

    protected override int MaxBody => 28;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("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"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "GOCSPX-ZzvMDqO0Ov",
        "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WB7Dbq5GcZTM",
    ];
}
