using System.Text;
using Custodian.Redaction.Internal;
using Custodian.Redaction.Rules;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The token table as data (RED-6) and its precision (RED-7): every entry well formed, every example
/// matching its own entry and no other, placeholders and published example keys left as they are.
/// </summary>
[Trait("spec", "RED-6")]
public sealed class TokenFormatTests
{
    public static TheoryData<string> Entries() => [.. TokenFormats.All.Select(f => f.Id)];

    private static TokenFormat Entry(string id) => TokenFormats.All.Single(f => f.Id == id);

    [Theory]
    [MemberData(nameof(Entries))]
    public void Entry_is_well_formed(string id)
    {
        TokenFormat format = Entry(id);
        Assert.False(string.IsNullOrWhiteSpace(format.Description));
        Assert.NotEmpty(format.Prefixes);
        Assert.InRange(format.MinBody, 1, format.MaxBody);
        Assert.NotEmpty(format.True);
        Assert.NotEmpty(format.False);
        Assert.InRange(format.MaxLead, format.MinLead, Scanner.MaxRuleLookBehind);
        Assert.Equal(format.Lead is null, format.MaxLead == 0);

        // Every prefix starts with one of the scan anchors, and every anchor is long enough to scan for.
        string[] anchors = format.Anchors ?? format.Prefixes;
        Assert.All(anchors, a => Assert.True(a.Length >= 3 && Ascii.IsValid(a), $"anchor '{a}'"));
        Assert.All(format.Prefixes, p => Assert.Contains(anchors, a => p.StartsWith(a, StringComparison.Ordinal) || a.StartsWith(p, StringComparison.Ordinal)));

        // A short prefix made of letters could be the end of a word: it needs a boundary before it.
        Assert.All(format.Prefixes, p => Assert.True(format.Boundary || format.Lead is not null || p.Length >= 8, $"'{p}' without a boundary"));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Every_true_positive_has_the_entry_shape_and_is_labelled_by_the_entry(string id)
    {
        var rule = new TokenFormatRule(Entry(id));
        Assert.All(rule.TruePositives, example =>
        {
            Assert.True(MatchesWhole(rule, example.Secret), example.Secret);
            IReadOnlyList<Detection> found = Subject.Detect(example.Text);
            Assert.Equal(id, Assert.Single(found).RuleId);
        });
    }

    [Theory]
    [MemberData(nameof(Entries))]
    [Trait("spec", "RED-7")]
    public void Every_entry_has_placeholder_forms_of_its_own_shape_that_no_rule_touches(string id)
    {
        var shapeOnly = new TokenFormatRule(Entry(id), checkPlaceholders: false);
        var rule = new TokenFormatRule(Entry(id));

        // At least one false positive has the format's exact shape and survives only because it is a
        // placeholder or a published example; otherwise the precision checks of this entry go untested.
        string[] placeholders = [.. rule.FalsePositives.Where(fp => MatchesWhole(shapeOnly, fp))];
        Assert.NotEmpty(placeholders);
        Assert.All(placeholders, fp =>
        {
            Assert.False(MatchesAnywhere(rule, fp), fp);
            Assert.Equal(fp, Subject.Redact(fp));
        });
    }

    [Theory]
    [MemberData(nameof(Entries))]
    [Trait("spec", "RED-7")]
    public void Published_example_keys_are_left_as_they_are(string id)
    {
        Assert.All(Entry(id).Published, key =>
        {
            Assert.Equal(key, Subject.Redact(key));
            string line = JsonLine("export SERVICE_KEY=" + key + "\n");
            Assert.DoesNotContain(Marker(id), Subject.Redact(line), StringComparison.Ordinal);
        });
    }

    public static TheoryData<string> PublishedValues => [.. PublishedExamples.Values.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(PublishedValues))]
    [Trait("spec", "RED-7")]
    public void A_published_documentation_example_stays_whichever_rule_finds_it(string value)
    {
        // The forms in which a README or tutorial shows it: raw, a secret name's assignment, headers, config. (Basic
        // takes base64 only: a JWT after "Basic" is not the published value but its first segment.)
        string[] lines =
        [
            value,
            "export STRIPE_SECRET_KEY=" + value,
            "Authorization: Bearer " + value,
            .. value.AsSpan().ContainsAny("._-") ? (string[])[] : ["Authorization: Basic " + value],
            "  password: " + value,
            "curl -s --user 'api:" + value + "' https://api.example.com/v3/log",
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + value + ";",
        ];
        foreach (string line in lines)
        {
            Assert.Equal(line, Subject.Redact(line));
            Assert.Equal(JsonLine(line), Subject.Redact(JsonLine(line)));
        }
    }

    [Fact]
    [Trait("spec", "RED-7")]
    public void A_value_next_to_a_published_example_is_still_redacted()
    {
        // Only the exact published value stays: one character changed makes it a secret like any other.
        const string jwtIo = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        Assert.Contains(jwtIo, PublishedExamples.Values);
        Assert.Equal("Authorization: Bearer [REDACTED:jwt]", Subject.Redact("Authorization: Bearer " + jwtIo[..^1] + "d"));
        Assert.Equal("STRIPE_SECRET_KEY=[REDACTED:stripe-secret-key]", Subject.Redact("STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dd"));
    }

    [Fact]
    public void Ids_are_unique_and_distinct_from_every_other_rule()
    {
        string[] ids = [.. BuiltInRules.All.Select(r => r.Id)];
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.True(TokenFormats.All.Count >= 130, $"{TokenFormats.All.Count} entries");
    }

    /// <summary>The families the issue found missing, each with the ids that now cover them.</summary>
    [Theory]
    [InlineData("Atlassian and Bitbucket", "atlassian-api-token", "bitbucket-app-password")]
    [InlineData("Cloudflare", "cloudflare-origin-ca-key", "cloudflare-tunnel-token")]
    [InlineData("Fly.io", "flyio-access-token", "flyio-macaroon")]
    [InlineData("Grafana", "grafana-cloud-token", "grafana-service-account-token", "grafana-api-key")]
    [InlineData("HashiCorp", "hashicorp-vault-token", "terraform-cloud-token")]
    [InlineData("GitLab", "gitlab-pat", "gitlab-runner-token", "gitlab-ci-job-token", "gitlab-deploy-token", "gitlab-feed-token", "gitlab-oauth-app-secret", "gitlab-token", "gitlab-session-cookie", "gitlab-runner-registration-token")]
    [InlineData("New Relic", "newrelic-user-api-key", "newrelic-key")]
    [InlineData("PlanetScale, Netlify, Pulumi, Postman", "planetscale-token", "netlify-access-token", "pulumi-access-token", "postman-api-key")]
    [InlineData("Sentry, Sonar, Square, Supabase", "sentry-org-token", "sentry-user-token", "sonar-token", "square-access-token", "square-production-access-token", "supabase-access-token", "supabase-secret-key")]
    [InlineData("Telegram, Teams, Twilio", "telegram-bot-token", "microsoft-teams-webhook-url", "twilio-api-key")]
    [InlineData("Amazon Bedrock, 1Password", "aws-bedrock-api-key", "1password-service-account-token", "1password-secret-key")]
    [InlineData("Base64-wrapped JWT", "jwt-base64")]
    [InlineData("Other prefixes", "dynatrace-api-token", "figma-pat", "frameio-api-token", "intercom-access-token", "linear-api-key", "mapbox-secret-token", "notion-token", "octopus-deploy-api-key", "prefect-api-token", "readme-api-token", "replicate-api-token", "rubygems-api-key", "scalingo-api-token", "shippo-api-token", "typeform-api-token", "yandex-api-key", "age-secret-key", "doppler-token")]
    public void Every_family_of_the_issue_has_entries(string family, params string[] ids)
    {
        var known = BuiltInRules.All.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(ids, id => Assert.True(known.Contains(id), $"{family}: no rule '{id}'"));
    }

    [Fact]
    [Trait("spec", "CUS-44")]
    public void A_token_with_a_lead_after_a_json_escape_starts_after_the_escape()
    {
        string token = Entry("telegram-bot-token").True[0];
        string line = JsonLine("curl https://api.telegram.org/bot" + token + "/getMe\n" + token);
        string output = Subject.Redact(line);
        Assert.True(IsValidJson(output), output);
        string marker = Marker("telegram-bot-token");
        Assert.Equal("curl https://api.telegram.org/bot" + marker + "/getMe\n" + marker, TextOf(output));
    }

    [Theory]
    [Trait("spec", "CUS-45")]
    [InlineData("aws-access-key-id")]
    [InlineData("alibaba-access-key-id")]
    [InlineData("tencent-secret-id")]
    [InlineData("twilio-api-key")]
    public void Key_ids_of_a_credential_pair_are_redacted_under_their_own_id(string id)
    {
        string key = Entry(id).True[0];
        string text = "key id " + key + " and its secret elsewhere";
        Assert.Equal("key id " + Marker(id) + " and its secret elsewhere", Subject.Redact(text));
    }

    /// <summary>Shapes that no entry can anchor within the scanner's bounds are left to the context rules (CUS-46).</summary>
    [Theory]
    [Trait("spec", "CUS-46")]
    [InlineData("3f9c2a71d04b8e65a1c7f2093de4b68c-us21")]
    [InlineData("MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.Gq7Rz2.Xk4Lm9Tp1Vw6Ys3Bn8Cd5Ef0Gh7Jk2Lm4Np6")]
    [InlineData("9f3a61c0d2b84e7a5c1f09d3e6b24a87")]
    public void Shapes_without_an_anchor_are_not_token_formats(string bare)
    {
        Assert.DoesNotContain(Subject.Detect(bare), d => BuiltInRules.All.First(r => r.Id == d.RuleId) is TokenFormatRule);
    }

    /// <summary>Whether the rule matches exactly the whole of <paramref name="text"/>.</summary>
    internal static bool MatchesWhole(TokenFormatRule rule, string text)
    {
        foreach (int hit in Hits(rule, text))
        {
            if (rule.TryMatch(new Window(text, hit, startIsTextStart: true), out int start, out int end) && start == 0 && end == text.Length)
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchesAnywhere(TokenFormatRule rule, string text) =>
        Hits(rule, text).Any(hit => rule.TryMatch(new Window(text, hit, startIsTextStart: true), out _, out _));

    private static IEnumerable<int> Hits(Rule rule, string text)
    {
        foreach (string anchor in rule.Signatures)
        {
            for (int i = text.IndexOf(anchor, StringComparison.Ordinal); i >= 0; i = text.IndexOf(anchor, i + 1, StringComparison.Ordinal))
            {
                yield return i;
            }
        }
    }
}

/// <summary>The shared placeholder checks of token bodies (RED-7, CUS-43).</summary>
[Trait("spec", "RED-7")]
[Trait("spec", "CUS-43")]
public sealed class TokenPlaceholderTests
{
    [Theory]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "one character")]
    [InlineData("XXXXXXXXXXXXXXXX", "one character, upper case")]
    [InlineData("51HxxxxxxxxxxxxxxxxxxxxxxxxxxxxQ", "filler after a real-looking start")]
    [InlineData("0000000000000000000000000000000000000000", "zeros")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789", "the alphabet in order")]
    [InlineData("1234567890abcdef1234567890abcdef", "digits in order")]
    [InlineData("zyxwvutsrqponmlk", "descending")]
    [InlineData("abababababababababababab", "repeated pair")]
    [InlineData("a1b2c3a1b2c3a1b2c3a1b2c3", "repeated unit")]
    [InlineData("xXxX0x0Xx0xX0xXx0x0X", "four distinct characters")]
    [InlineData("IOSFODNN7EXAMPLE", "AWS documentation marker")]
    [InlineData("your_api_key_goes_here_1", "your")]
    [InlineData("Q3mRZ8sample7kLp2Wv9Tn4Yc", "sample")]
    [InlineData("thisIsAFakeTokenForTests9", "fake")]
    [InlineData("PLACEHOLDER0000token", "placeholder")]
    [InlineData("redactedK3s9QmWz2Lp8Rt5V", "redacted")]
    public void Placeholder_bodies_are_recognised(string body, string why)
    {
        Assert.True(Placeholders.IsPlaceholderToken(body), why);
    }

    [Fact]
    public void No_true_positive_of_any_rule_has_a_placeholder_body()
    {
        Assert.All(BuiltInRules.All.OfType<TokenFormatRule>(), rule => Assert.All(rule.Format.True, token =>
        {
            string prefix = rule.Format.Prefixes.First(p => token.Contains(p, StringComparison.Ordinal));
            string body = token[(token.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..];
            Assert.False(Placeholders.IsPlaceholderToken(body), $"{rule.Id}: {token}");
        }));
    }

    /// <summary>
    /// Random bodies of the common alphabets are essentially never placeholders: a fixed seed keeps this
    /// deterministic, and 20,000 bodies per alphabet and length would show a rate above about one in 5,000.
    /// </summary>
    [Theory]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 36)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 95)]
    [InlineData("0123456789abcdef", 32)]
    [InlineData("0123456789abcdef", 64)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16)]
    public void Random_bodies_are_not_placeholders(string alphabet, int length)
    {
        var random = new Random(14);
        int flagged = 0;
        var body = new StringBuilder(length);
        for (int n = 0; n < 20_000; n++)
        {
            body.Clear();
            for (int i = 0; i < length; i++)
            {
                body.Append(alphabet[random.Next(alphabet.Length)]);
            }

            flagged += Placeholders.IsPlaceholderToken(body.ToString()) ? 1 : 0;
        }

        Assert.True(flagged <= 4, $"{flagged} of 20,000 random bodies flagged");
    }
}
