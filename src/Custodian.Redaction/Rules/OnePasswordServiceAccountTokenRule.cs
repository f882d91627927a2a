using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>1Password service account token (ops_eyJ).</summary>
internal sealed class OnePasswordServiceAccountTokenRule : TokenRule
{
    public override string Id => "1password-service-account-token";

    public override string Description => "1Password service account token (ops_eyJ)";

    protected override IReadOnlyList<string> Prefixes { get; } = ["ops_eyJ"];

    protected override AsciiSet Body => AsciiSet.Base64Padded;

    protected override int MinBody => 100;

    protected override int MaxBody => 4000;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        RuleExample.Token("ops_eyJl+w0j3+Wc3a7WaLfKQpSeq+EYc912StrNh1voMtqJAxUYDeZyKgaoR2PwR8cbHEo4FhPhuY0mXovmtmQHcu3pcvCrVrUtdIqCnG0BtAkOX6GnP5JHGmahWnKPZWwBxu+51RL31Vjv9VUU+3QMyx24G/RW5w0iiLSstyWXPa6xqIMBUKvw24gdXePmJV12t9Uq3L6BGLRn78Nv393Ga5fziMjqRDFh2tCcq8o2E5XPhx4blWK=="),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "ops_eyJseeY6dqw6aRBZsbcvvEf",
    ];
}
