using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Supabase secret API key (sb_secret_).</summary>
internal sealed class SupabaseSecretKeyRule : TokenRule
{
    public override string Id => "supabase-secret-key";

    public override string Description => "Supabase secret API key (sb_secret_)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["sb_secret_"];

    protected override AsciiSet Body => AsciiSet.Base64Url;

    protected override int MinBody => 30;

    protected override int MaxBody => 64;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("sb_secret_m0ioQRCi6PLloJhwN0lvOhPRcTcLGZW"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "sb_secret_YjiZl7cIZz",
    ];
}
