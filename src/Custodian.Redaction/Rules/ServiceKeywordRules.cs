using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// Services whose credentials have no format of their own (RED-6): a service name in front of a value of the
/// right shape, one row each, with its own examples. Values are synthetic, made from each provider's published
/// shape. Every row understands every binding <see cref="Assignment"/> reads and a nested block
/// (<c>datadog:\n  api_key: v</c>); placeholders survive (<see cref="Placeholders"/>).
/// </summary>
internal static class ServiceKeywordRules
{
    internal static readonly AsciiSet HexDash = new("0123456789abcdefABCDEF-");
    private static readonly AsciiSet Base32Lower = new("abcdefghijklmnopqrstuvwxyz234567");
    private static readonly AsciiSet HexLowerDashUs = new("0123456789abcdef-us");
    private static readonly AsciiSet VaultChars = new(Chars.Letters + Chars.DigitChars + ".");

    internal static bool Uuid(ReadOnlySpan<char> v)
    {
        for (int i = 0; i < v.Length; i++)
        {
            bool dash = i is 8 or 13 or 18 or 23;
            if (dash != (v[i] == '-') || (!dash && !Chars.IsHex(v[i])))
            {
                return false;
            }
        }

        return v.Length == 36;
    }

    /// <summary>
    /// Whether a value is the base64 of <c>user:password</c> as npm and Docker keep it: printable ASCII, a user name before
    /// the first colon, a password of at least 4 characters after it that is neither the user name again nor a placeholder.
    /// </summary>
    private static bool Base64BasicCredential(ReadOnlySpan<char> value)
    {
        if (value.Length % 4 != 0 || value.Length > 512)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[384];
        if (!Convert.TryFromBase64Chars(value, decoded, out int written))
        {
            return false;
        }

        ReadOnlySpan<byte> text = decoded[..written];
        foreach (byte b in text)
        {
            if (b is < 0x21 or > 0x7e)
            {
                return false;
            }
        }

        int colon = text.IndexOf((byte)':');
        if (colon < 1 || text.Length - colon - 1 < 4)
        {
            return false;
        }

        Span<char> password = stackalloc char[text.Length - colon - 1];
        for (int i = 0; i < password.Length; i++)
        {
            password[i] = (char)text[colon + 1 + i];
        }

        return !text[..colon].SequenceEqual(text[(colon + 1)..]) && !Placeholders.IsPlaceholderValue(password);
    }

    internal static bool Mixed(ReadOnlySpan<char> v) =>
        v.ContainsAnyInRange('0', '9') && v.ContainsAnyInRange('a', 'z') && v.ContainsAnyInRange('A', 'Z');

    internal static bool HasDigitAndLetter(ReadOnlySpan<char> v) =>
        v.ContainsAnyInRange('0', '9') && (v.ContainsAnyInRange('a', 'z') || v.ContainsAnyInRange('A', 'Z'));

    public static IReadOnlyList<ServiceKeyword> Rows { get; } =
    [
        new("datadog-api-key", "Datadog API key (32 hex) after datadog / DD_API_KEY",
            ["datadog", "dd_api_key", "dd-api-key", "ddapikey"], AsciiSet.HexLower, 32, 32,
            [
                new("DD_API_KEY=378892e9ecc387ab8b4585023a0286cc", "378892e9ecc387ab8b4585023a0286cc"),
                new("datadog_api_key: \"378892e9ecc387ab8b4585023a0286cc\"", "378892e9ecc387ab8b4585023a0286cc"),
                new("{\"DD_API_KEY\": \"378892e9ecc387ab8b4585023a0286cc\"}", "378892e9ecc387ab8b4585023a0286cc"),
            ],
            ["DD_API_KEY=<DATADOG_API_KEY>", "datadog_trace_id=378892e9ecc387ab8b4585023a0286cc", "DD_API_KEY=00000000000000000000000000000000", "datadog_site: datadoghq.eu"],
            HasDigitAndLetter),
        new("datadog-app-key", "Datadog application key (40 hex) after datadog / DD_APP_KEY",
            ["datadog", "dd_app_key", "dd_application_key", "dd-app-key", "ddappkey"], AsciiSet.HexLower, 40, 40,
            [
                new("export DD_APP_KEY=e33b53f68e6f9833288305d32df5ce9fedd38fc7", "e33b53f68e6f9833288305d32df5ce9fedd38fc7"),
                new("datadog_application_key = \"e33b53f68e6f9833288305d32df5ce9fedd38fc7\"", "e33b53f68e6f9833288305d32df5ce9fedd38fc7"),
            ],
            ["DD_APP_KEY=${DD_APP_KEY}", "datadog_commit_sha: e33b53f68e6f9833288305d32df5ce9fedd38fc7"],
            HasDigitAndLetter),
        new("cloudflare-api-token", "Cloudflare API token (40 characters) after cloudflare / CF_API_TOKEN",
            ["cloudflare", "cf_api_token", "cf_token"], AsciiSet.Base64Url, 40, 40,
            [
                new("CLOUDFLARE_API_TOKEN=5_is_I4cZ2cSV8HTMyf8GmXmeyNdaKTGoeszaDGH", "5_is_I4cZ2cSV8HTMyf8GmXmeyNdaKTGoeszaDGH"),
                new("cloudflare_api_token = \"5_is_I4cZ2cSV8HTMyf8GmXmeyNdaKTGoeszaDGH\"", "5_is_I4cZ2cSV8HTMyf8GmXmeyNdaKTGoeszaDGH"),
            ],
            ["CLOUDFLARE_API_TOKEN=your-cloudflare-api-token-goes-here-1234", "cloudflare_zone_id: 5_is_I4cZ2cSV8HTMyf8GmXmeyNdaKTGoeszaDGH"],
            Mixed),
        new("cloudflare-global-api-key", "Cloudflare global API key (37 hex) after cloudflare / X-Auth-Key",
            ["cloudflare", "cf_api_key", "X-Auth-Key"], AsciiSet.HexLower, 37, 37,
            [
                new("CLOUDFLARE_API_KEY=576a9b156bfc7caf17dfa283461468fe4c138", "576a9b156bfc7caf17dfa283461468fe4c138"),
                new("curl -H \"X-Auth-Key: 576a9b156bfc7caf17dfa283461468fe4c138\" https://api.cloudflare.com/client/v4/zones", "576a9b156bfc7caf17dfa283461468fe4c138"),
            ],
            ["X-Auth-Key: $CLOUDFLARE_API_KEY", "CLOUDFLARE_API_KEY=1234567890abcdef1234567890abcdef12345"],
            HasDigitAndLetter),
        new("npmrc-auth-base64", "Basic credential (base64 of user:password) after .npmrc's _auth",
            ["_auth"], AsciiSet.Base64Padded, 8, 512,
            [
                new("registry=https://npm.acme.dev/\n_auth=Y2ktYm90OktwNHI4V3EyWnQ2eVFtN3Y=\nalways-auth=true", "Y2ktYm90OktwNHI4V3EyWnQ2eVFtN3Y="),
                new("_auth = \"Y2ktYm90OktwNHI4V3EyWnQ2eVFtN3Y=\"", "Y2ktYm90OktwNHI4V3EyWnQ2eVFtN3Y="),
            ],
            // Placeholders encoded (user:password, admin:admin), a value that is not user:password, and one that is no base64.
            ["_auth=dXNlcjpwYXNzd29yZA==", "_auth=dXNlcm5hbWU6cGFzc3dvcmQ=", "_auth=YWRtaW46YWRtaW4=", "_auth=bm90YmFzZTY0aGVyZQ==", "_auth=amFuZQ==", "_auth=${NPM_AUTH}"],
            Base64BasicCredential, KeywordNamesSecret: true),
        new("heroku-legacy-api-key", "Heroku legacy API key (UUID) after heroku",
            ["heroku"], HexDash, 36, 36,
            [
                new("HEROKU_API_KEY=6ccd33d2-8a91-4438-9e5c-9222b4324df4", "6ccd33d2-8a91-4438-9e5c-9222b4324df4"),
                new("heroku:\n  api_key: '6ccd33d2-8a91-4438-9e5c-9222b4324df4'", "6ccd33d2-8a91-4438-9e5c-9222b4324df4"),
                new("{\"heroku\": {\"apiKey\": \"6ccd33d2-8a91-4438-9e5c-9222b4324df4\"}}", "6ccd33d2-8a91-4438-9e5c-9222b4324df4"),
            ],
            ["HEROKU_APP_ID=6ccd33d2-8a91-4438-9e5c-9222b4324df4", "HEROKU_API_KEY=00000000-0000-0000-0000-000000000000", "HEROKU_API_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"],
            Uuid),
        new("okta-api-token", "Okta API token (00 + 40 characters) after okta",
            ["okta"], AsciiSet.Base64Url, 42, 42,
            [
                new("OKTA_API_TOKEN=00wscCTf07I8PjUhmi2ogviaNfrWta57-cLkIFKaEa", "00wscCTf07I8PjUhmi2ogviaNfrWta57-cLkIFKaEa"),
                new("okta.client.token = \"00wscCTf07I8PjUhmi2ogviaNfrWta57-cLkIFKaEa\"", "00wscCTf07I8PjUhmi2ogviaNfrWta57-cLkIFKaEa"),
            ],
            ["OKTA_API_TOKEN={{ okta_token }}", "OKTA_CLIENT_ID=0oa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0"],
            v => v.StartsWith("00", StringComparison.Ordinal) && Mixed(v)),
        new("snyk-token", "Snyk API token (UUID) after snyk",
            ["snyk"], HexDash, 36, 36,
            [
                new("SNYK_TOKEN=38e98ed3-71e2-47ec-a0fd-9ae06b3013b9", "38e98ed3-71e2-47ec-a0fd-9ae06b3013b9"),
                new("{\"snyk\": {\"token\": \"38e98ed3-71e2-47ec-a0fd-9ae06b3013b9\"}}", "38e98ed3-71e2-47ec-a0fd-9ae06b3013b9"),
            ],
            ["SNYK_ORG_ID=38e98ed3-71e2-47ec-a0fd-9ae06b3013b9", "SNYK_TOKEN: ${{ secrets.SNYK_TOKEN }}"],
            Uuid),
        new("sonar-legacy-token", "SonarQube / SonarCloud legacy token (40 hex) after sonar",
            ["sonar"], AsciiSet.HexLower, 40, 40,
            [
                new("SONAR_TOKEN=b33cce9ba084996e02eacd8d60cf7c37768272e1", "b33cce9ba084996e02eacd8d60cf7c37768272e1"),
                new("sonar_token: b33cce9ba084996e02eacd8d60cf7c37768272e1", "b33cce9ba084996e02eacd8d60cf7c37768272e1"),
            ],
            ["SONAR_TOKEN=$SONAR_TOKEN", "sonar.scm.revision=b33cce9ba084996e02eacd8d60cf7c37768272e1"],
            HasDigitAndLetter),
        new("netlify-token", "Netlify legacy access token (40-46 characters) after netlify",
            ["netlify"], AsciiSet.Base64Url, 40, 46,
            [
                new("NETLIFY_AUTH_TOKEN=dyK26CijxV6zXnU8BSQ-Ngw6rJ8NgthdN_ULVwqdAiq", "dyK26CijxV6zXnU8BSQ-Ngw6rJ8NgthdN_ULVwqdAiq"),
                new("netlify_token: dyK26CijxV6zXnU8BSQ-Ngw6rJ8NgthdN_ULVwqdAiq", "dyK26CijxV6zXnU8BSQ-Ngw6rJ8NgthdN_ULVwqdAiq"),
            ],
            ["NETLIFY_SITE_ID=dyK26CijxV6zXnU8BSQ-Ngw6rJ8NgthdN_ULVwqdAiq", "NETLIFY_AUTH_TOKEN=<netlify-personal-access-token>"],
            Mixed),
        new("mailchimp-api-key", "Mailchimp API key (32 hex + -us<n>) after mailchimp",
            ["mailchimp"], HexLowerDashUs, 35, 37,
            [
                new("MAILCHIMP_API_KEY=79cfb5b7bad30198596637c9e3c3e271-us14", "79cfb5b7bad30198596637c9e3c3e271-us14"),
                new("{\"MAILCHIMP_API_KEY\": \"79cfb5b7bad30198596637c9e3c3e271-us14\"}", "79cfb5b7bad30198596637c9e3c3e271-us14"),
            ],
            ["MAILCHIMP_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-us14", "MAILCHIMP_LIST_ID=79cfb5b7bad30198596637c9e3c3e271-us14"],
            v => v.Length >= 35 && v[32..35].SequenceEqual("-us") && AsciiSet.HexLower.All(v[..32]) && AsciiSet.Digits.All(v[35..]) && v.Length > 35),
        new("mailgun-private-api-key", "Mailgun private API key (32-8-8 hex) or signing key (32 hex) after mailgun",
            ["mailgun"], HexDash, 32, 50,
            [
                new("MAILGUN_API_KEY=6c624bf3227734ffac2b3a85ef3b1ea0-1c673b58-d152daf6", "6c624bf3227734ffac2b3a85ef3b1ea0-1c673b58-d152daf6"),
                new("mailgun_signing_key = \"6c624bf3227734ffac2b3a85ef3b1ea0\"", "6c624bf3227734ffac2b3a85ef3b1ea0"),
            ],
            ["MAILGUN_DOMAIN_ID=6c624bf3227734ffac2b3a85ef3b1ea0", "MAILGUN_API_KEY=${MAILGUN_API_KEY}"],
            v => HasDigitAndLetter(v) && (v.Length == 32 ? AsciiSet.HexLower.All(v) : v.Length == 50 && v[32] == '-' && v[41] == '-' && AsciiSet.HexLower.All(v[..32]))),
        new("newrelic-license-key", "New Relic license / ingest key (40 characters, ...NRAL) after newrelic",
            ["newrelic", "new_relic", "new-relic"], AsciiSet.Alnum, 40, 40,
            [
                new("NEW_RELIC_LICENSE_KEY=d4d979653871646c83770691877a471850d8NRAL", "d4d979653871646c83770691877a471850d8NRAL"),
                new("new_relic_license_key: d4d979653871646c83770691877a471850d8NRAL", "d4d979653871646c83770691877a471850d8NRAL"),
            ],
            ["NEW_RELIC_LICENSE_KEY=<your-license-key>", "NEW_RELIC_ACCOUNT_ID=d4d979653871646c83770691877a471850d8NRAL"],
            v => v.EndsWith("NRAL", StringComparison.Ordinal) ? AsciiSet.HexLower.All(v[..36]) : AsciiSet.HexLower.All(v) && HasDigitAndLetter(v)),
        new("azure-devops-pat", "Azure DevOps personal access token (52 base32, or 84 characters with AZDO) after azure_devops / ado_pat",
            // "AzureDevops" as written: .NET settings (appsettings.json, App.config, C# properties) spell it in PascalCase,
            // JavaScript and Go in camelCase.
            ["azure_devops", "azuredevops", "AzureDevops", "azureDevops", "azure-devops", "ado_", "devops", "system_accesstoken", "vsts"], AsciiSet.Alnum, 52, 84,
            [
                new("AZURE_DEVOPS_EXT_PAT=74pd7j5nqmth7zb6u3usueavepkm4q47yyazpesfn625vxy6qyrx", "74pd7j5nqmth7zb6u3usueavepkm4q47yyazpesfn625vxy6qyrx"),
                new("\"AzureDevopsExtPat\": \"wQ3r7TnVx2LkP9sDfG4hJ8mB6cZ1aYeU5oIqW0tRyE7uN3bM2vXkC9lH4jG6fD8sA1pO5iU3yT7rAZDOQx2w\"",
                    "wQ3r7TnVx2LkP9sDfG4hJ8mB6cZ1aYeU5oIqW0tRyE7uN3bM2vXkC9lH4jG6fD8sA1pO5iU3yT7rAZDOQx2w"),
                new("const string AzureDevopsPat = \"lbiUshF0U71P8FQdoE7bdiAP7W2lMm3Slycnsi71cuueG9n73bgUfJXaWoJAj4dvvKMZANA1NbOIAZDOEb52\";",
                    "lbiUshF0U71P8FQdoE7bdiAP7W2lMm3Slycnsi71cuueG9n73bgUfJXaWoJAj4dvvKMZANA1NbOIAZDOEb52"),
                new("ado_pat: lbiUshF0U71P8FQdoE7bdiAP7W2lMm3Slycnsi71cuueG9n73bgUfJXaWoJAj4dvvKMZANA1NbOIAZDOEb52", "lbiUshF0U71P8FQdoE7bdiAP7W2lMm3Slycnsi71cuueG9n73bgUfJXaWoJAj4dvvKMZANA1NbOIAZDOEb52"),
                new("const azureDevopsExtPat = '74pd7j5nqmth7zb6u3usueavepkm4q47yyazpesfn625vxy6qyrx';", "74pd7j5nqmth7zb6u3usueavepkm4q47yyazpesfn625vxy6qyrx"),
            ],
            ["AZURE_DEVOPS_ORG_URL=https://dev.azure.com/acme", "AZURE_DEVOPS_EXT_PAT=$(System.AccessToken)",
             "\"AzureDevopsCompat\": \"lbiUshF0U71P8FQdoE7bdiAP7W2lMm3Slycnsi71cuueG9n73bgUfJXaWoJAj4dvvKMZANA1NbOIAZDOEb52\""],
            v => (v.Length == 52 && Base32Lower.All(v) && HasDigitAndLetter(v)) || (v.Length == 84 && v[76..80].SequenceEqual("AZDO"))),
        new("cohere-api-key", "Cohere API key (40 characters) after cohere / CO_API_KEY",
            ["cohere", "co_api_key"], AsciiSet.Alnum, 40, 40,
            [
                new("COHERE_API_KEY=db9gTBmNMaZOigtubcIUm1DXQulps9r089EAm4FR", "db9gTBmNMaZOigtubcIUm1DXQulps9r089EAm4FR"),
                new("CO_API_KEY: 'db9gTBmNMaZOigtubcIUm1DXQulps9r089EAm4FR'", "db9gTBmNMaZOigtubcIUm1DXQulps9r089EAm4FR"),
            ],
            ["COHERE_API_KEY=your-cohere-api-key", "cohere_model_id=db9gTBmNMaZOigtubcIUm1DXQulps9r089EAm4FR"],
            Mixed),
        new("algolia-api-key", "Algolia admin or write API key (32 hex) after algolia",
            ["algolia"], AsciiSet.HexLower, 32, 32,
            [
                new("ALGOLIA_ADMIN_KEY=65f78f512caf55da9da01b17001a25af", "65f78f512caf55da9da01b17001a25af"),
                new("algolia_api_key = '65f78f512caf55da9da01b17001a25af'", "65f78f512caf55da9da01b17001a25af"),
            ],
            ["ALGOLIA_APP_ID=65f78f512caf55da9da01b17001a25af", "ALGOLIA_ADMIN_KEY=${ALGOLIA_ADMIN_KEY}"],
            HasDigitAndLetter),
        new("pusher-app-secret", "Pusher Channels app secret (20 hex) after pusher (the app key is public and stays)",
            ["pusher"], AsciiSet.HexLower, 20, 20,
            [
                new("PUSHER_APP_SECRET=cc4ac634cc693b2989e7", "cc4ac634cc693b2989e7"),
                new("pusher_secret: \"cc4ac634cc693b2989e7\"", "cc4ac634cc693b2989e7"),
            ],
            ["PUSHER_APP_CLUSTER=mt1", "PUSHER_APP_SECRET=xxxxxxxxxxxxxxxxxxxx"],
            HasDigitAndLetter, NameMustContain: "secret"),
        new("twilio-api-secret", "Twilio API key secret (32 characters) after twilio",
            ["twilio"], AsciiSet.Alnum, 32, 32,
            [
                new("TWILIO_API_SECRET=Vq1rO8jYp6NcW3aZs0XbE5kTm2LdG7uH", "Vq1rO8jYp6NcW3aZs0XbE5kTm2LdG7uH"),
            ],
            ["TWILIO_API_SECRET=your_api_secret_here_0000000000", "TWILIO_ACCOUNT_SID=ACVq1rO8jYp6NcW3aZs0XbE5kTm2LdG7uH"],
            Mixed, NameMustContain: "secret"),
        new("fastly-api-token", "Fastly API token (32 characters) after fastly",
            ["fastly"], AsciiSet.Base64Url, 32, 32,
            [new("FASTLY_API_TOKEN=O9RuqVH_HC3LEGTjey4YKicc7_9CzjV1", "O9RuqVH_HC3LEGTjey4YKicc7_9CzjV1")],
            ["FASTLY_SERVICE_ID=O9RuqVH_HC3LEGTjey4YKicc7_9CzjV1", "FASTLY_API_TOKEN=<token>"],
            Mixed),
        new("contentful-token", "Contentful delivery or management token (43 characters) after contentful",
            ["contentful"], AsciiSet.Base64Url, 43, 64,
            [new("CONTENTFUL_ACCESS_TOKEN=bqPZLL3fahXeh4FeshI7sHptJnPELju1Y6bL2mKidvR", "bqPZLL3fahXeh4FeshI7sHptJnPELju1Y6bL2mKidvR")],
            ["CONTENTFUL_SPACE_ID=bqPZLL3fahXeh4FeshI7sHptJnPELju1Y6bL2mKidvR", "CONTENTFUL_ACCESS_TOKEN=${CONTENTFUL_ACCESS_TOKEN}"],
            Mixed),
        new("trello-api-token", "Trello API key or token (32 or 64 hex) after trello",
            ["trello"], AsciiSet.HexLower, 32, 64,
            [new("TRELLO_TOKEN=1e3d244d2217b77427765a9f6511c3c8", "1e3d244d2217b77427765a9f6511c3c8")],
            ["TRELLO_BOARD_ID=1e3d244d2217b77427765a9f6511c3c8", "TRELLO_TOKEN=$TRELLO_TOKEN"],
            v => v.Length is 32 or 64 && HasDigitAndLetter(v)),
        new("zendesk-api-token", "Zendesk API token (40 characters) after zendesk",
            ["zendesk"], AsciiSet.Alnum, 40, 40,
            [new("ZENDESK_API_TOKEN=eU8vhagJaa2SbdEyLlET6M2aZzUky5XoqQkC1BwI", "eU8vhagJaa2SbdEyLlET6M2aZzUky5XoqQkC1BwI")],
            ["ZENDESK_SUBDOMAIN=eU8vhagJaa2SbdEyLlET6M2aZzUky5XoqQkC1BwI", "ZENDESK_API_TOKEN=<api-token>"],
            Mixed),
        new("travis-ci-token", "Travis CI API token (22 characters) after travis",
            ["travis"], AsciiSet.Alnum, 22, 22,
            [new("TRAVIS_TOKEN=9qZP6MhZE05gV0HuIdK2mB", "9qZP6MhZE05gV0HuIdK2mB")],
            ["TRAVIS_BUILD_ID=9qZP6MhZE05gV0HuIdK2mB", "TRAVIS_TOKEN=$TRAVIS_TOKEN"],
            Mixed),
        new("circleci-token", "CircleCI legacy personal API token (40 hex) after circleci / CIRCLE_TOKEN",
            ["circleci", "circle_token", "circle-token"], AsciiSet.HexLower, 40, 40,
            [new("CIRCLE_TOKEN=bac6ae0913bc32592f207a5ebf6e1c4459f4d725", "bac6ae0913bc32592f207a5ebf6e1c4459f4d725")],
            ["CIRCLECI_SHA1=bac6ae0913bc32592f207a5ebf6e1c4459f4d725", "CIRCLE_TOKEN=${CIRCLE_TOKEN}"],
            HasDigitAndLetter),
        new("sendbird-api-token", "Sendbird API token (40 hex) after sendbird",
            ["sendbird"], AsciiSet.HexLower, 40, 40,
            [new("SENDBIRD_API_TOKEN=e3cfea0b714ba0d6c08411673376a38e7a6e2ef3", "e3cfea0b714ba0d6c08411673376a38e7a6e2ef3")],
            ["SENDBIRD_APP_ID=e3cfea0b714ba0d6c08411673376a38e7a6e2ef3", "SENDBIRD_API_TOKEN=${TOKEN}"],
            HasDigitAndLetter),
        new("hashicorp-vault-legacy-token", "HashiCorp Vault legacy service token (s. + 24) after vault",
            ["vault"], VaultChars, 26, 26,
            [new("VAULT_TOKEN=s.9UUQF7RYSVEzqmFWIjyFowLy", "s.9UUQF7RYSVEzqmFWIjyFowLy")],
            ["VAULT_TOKEN=s.xxxxxxxxxxxxxxxxxxxxxxxx", "VAULT_ADDR=https://vault.internal:8200"],
            v => v.StartsWith("s.", StringComparison.Ordinal) && Mixed(v[2..])),
        new("atlassian-legacy-api-token", "Atlassian (Jira, Confluence) legacy API token (24 characters) after atlassian / jira / confluence",
            ["atlassian", "jira", "confluence"], AsciiSet.Alnum, 24, 24,
            [new("JIRA_API_TOKEN=POoLihW4nUZ0XUJyWLYDl1hk", "POoLihW4nUZ0XUJyWLYDl1hk")],
            ["JIRA_PROJECT_KEY=POoLihW4nUZ0XUJyWLYDl1hk", "JIRA_API_TOKEN=<your-api-token>"],
            Mixed),
        new("nuget-config-password", "Password in a nuget.config package source credential (ClearTextPassword)",
            ["ClearTextPassword"], Assignment.QuotedValue, 4, 256,
            [
                new("<add key=\"ClearTextPassword\" value=\"Nu9etF33dPw\" />", "Nu9etF33dPw"),
                new("<ClearTextPassword>Nu9etF33dPw</ClearTextPassword>", "Nu9etF33dPw"),
            ],
            ["<add key=\"ClearTextPassword\" value=\"%NUGET_PASSWORD%\" />", "<add key=\"ClearTextPassword\" value=\"\" />"]),
    ];
}
