using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Google OAuth refresh token (1//0).</summary>
internal sealed class GoogleOAuthRefreshTokenRule : TokenRule
{
    public override string Id => "google-oauth-refresh-token";

    public override string Description => "Google OAuth refresh token (1//0)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["1//0"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 40;

    protected override int MaxBody => 512;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("1//0Fs1d0iwD7kDUlWG0tdcx2gVRkIK-RGxksMRH4Jx5bBg8bo4Teu7iG1KXRzLuAmLGO62Md9j8BjnR99ZLQy5XP4e2VxCiQ"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "1//0qYoWLrURmxmSM6w2qHfh",
        "http://1//0abc",
    ];
}
