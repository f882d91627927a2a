using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// Every built-in rule, in matching order: rules that recognise a token by its own format come first,
/// rules that recognise a value by its context (a header, a key name, a URL) last, so that when both
/// apply the more specific id labels the match.
/// </summary>
internal static class BuiltInRules
{
    public static IReadOnlyList<Rule> All { get; } =
    [
        // Tokens recognised by their own format: one entry each in TokenFormats
        .. TokenFormats.Rules,

        // Formats recognised by structure
        new PemPrivateKeyRule(),
        new GcpServiceAccountKeyRule(),
        new JwtRule(),
        new AzureAdClientSecretRule(),
        new SlackWebhookUrlRule(),
        new DiscordWebhookUrlRule(),

        // Values recognised by the name in front of them
        new AwsSecretAccessKeyRule(),
        new AwsSessionTokenRule(),
        new TwilioAuthTokenRule(),
        new AzureStorageAccountKeyRule(),
        new AzureSharedAccessKeyRule(),
        new AzureSasSignatureRule(),
        new NpmrcAuthTokenRule(),
        .. ServiceKeywordRules.Rows.Select(row => new ServiceKeywordRule(row)),

        // Contextual catch-alls: a token of a known format inside them is labelled by its own rule
        new AuthorizationBearerRule(),
        new AuthorizationBasicRule(),
        new AuthorizationSchemeRule(),
        new UrlPasswordRule(),
        new CurlUserRule(),
        .. CommandFlagRules.Rules,
        new ProseSecretRule(),
        new SecretAssignmentRule(),
        new ConnectionStringPasswordRule(),
    ];
}
