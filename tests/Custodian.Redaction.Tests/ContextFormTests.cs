using Custodian.Redaction.Internal;
using Custodian.Redaction.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// RED-6: a value recognised by the name in front of it is found in every syntax a session holds it, raw and
/// JSON-escaped inside transcript lines; RED-7: placeholders in the same syntaxes are left alone.
/// </summary>
[Trait("spec", "RED-6")]
[Trait("spec", "CUS-50")]
public sealed class ContextFormTests
{
    private const string Secret = "Zq7Lm2Xv6Rt0Yn3Ks9Pw";

    /// <summary>Each form with <c>{v}</c> where the value goes, and the rule that must label it.</summary>
    public static TheoryData<string, string> Forms() => new()
    {
        // .env and shell
        { "ACME_API_KEY={v}", "secret-assignment" },
        { "export ACME_API_KEY={v}", "secret-assignment" },
        { "ACME_API_KEY=\"{v}\"", "secret-assignment" },
        { "export ACME_AUTH_TOKEN='{v}'", "secret-assignment" },
        { "acme --token {v} deploy", "secret-assignment" },
        { "acme --token={v}", "secret-assignment" },
        { "acme login --password \"{v}\"", "secret-assignment" },
        { "curl -H \"X-Api-Key: {v}\" https://api.example.net/v1", "secret-assignment" },
        { "curl -H 'Authorization: Bearer {v}' https://api.example.net/v1", "authorization-bearer" },
        { "set ACME_SECRET={v}", "secret-assignment" },
        // YAML, TOML, INI, properties
        { "api_key: {v}", "secret-assignment" },
        { "api_key: \"{v}\"", "secret-assignment" },
        { "acme:\n  client_secret: '{v}'\n  region: eu", "secret-assignment" },
        { "api_key = \"{v}\"", "secret-assignment" },
        { "[acme]\npassword = {v}", "secret-assignment" },
        { "acme.auth.token={v}", "secret-assignment" },
        // JSON
        { "{\"apiKey\": \"{v}\"}", "secret-assignment" },
        { "{\"env\": {\"ACME_TOKEN\": \"{v}\"}}", "secret-assignment" },
        // XML config
        { "<add key=\"ApiKey\" value=\"{v}\" />", "secret-assignment" },
        { "<password>{v}</password>", "secret-assignment" },
        { "<add key=\"ClearTextPassword\" value=\"{v}\" />", "nuget-config-password" },
        // Source code
        { "apiKey = \"{v}\"", "secret-assignment" },
        { "const token = '{v}';", "secret-assignment" },
        { "const config = { api_key: \"{v}\", retries: 3 };", "secret-assignment" },
        { "os.environ[\"ACME_TOKEN\"] = \"{v}\"", "secret-assignment" },
        { "setenv(\"ACME_TOKEN\", \"{v}\", 1);", "secret-assignment" },
        { "os.Setenv(\"ACME_TOKEN\", \"{v}\")", "secret-assignment" },
        { "token := \"{v}\"", "secret-assignment" },
        { "'api_key' => '{v}',", "secret-assignment" },
        { "client = Acme(api_key=\"{v}\")", "secret-assignment" },
        { "$password = \"{v}\";", "secret-assignment" },
        { "var cs = \"Server=db;User Id=sa;Password={v};\";", "connection-string-password" },
        // URLs, connection strings, cookies
        { "https://deploy:{v}@git.example.com/repo.git", "url-password" },
        { "GET /v1/items?access_token={v}&page=2", "secret-assignment" },
        { "https://api.example.net/v1?x=1&api_key={v}", "secret-assignment" },
        { "Host=db;Username=app;Password={v}", "connection-string-password" },
        { "Cookie: theme=dark; auth_token={v}; lang=en", "secret-assignment" },
    };

    private static string Fill(string form, string value) => form.Replace("{v}", value, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Forms))]
    public void Value_is_found_in_the_form_raw(string form, string rule)
    {
        Assert.Equal(Fill(form, Marker(rule)), Subject.Redact(Fill(form, Secret)));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Value_is_found_in_the_form_json_escaped_and_the_line_stays_valid(string form, string rule)
    {
        string line = JsonLine("$ cat config\n" + Fill(form, Secret) + "\n");
        string output = Subject.Redact(line);
        Assert.True(IsValidJson(output), output);
        Assert.Equal("$ cat config\n" + Fill(form, Marker(rule)) + "\n", TextOf(output));

        string nested = Subject.Redact(JsonInJsonLine(Fill(form, Secret)));
        Assert.True(IsValidJson(nested), nested);
        Assert.Equal(Fill(form, Marker(rule)), TextOfJsonInJson(nested));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    [Trait("spec", "RED-3")]
    public void Value_is_found_in_the_form_through_a_trickling_stream(string form, string rule)
    {
        string text = Fill(form, Secret);
        Assert.Equal(Fill(form, Marker(rule)), RedactViaStream(new RedactorBuilder().WithBufferSize(7).Build(), text, 3));
    }

    /// <summary>Forms whose value must be left alone because it is a placeholder (RED-7).</summary>
    public static TheoryData<string> Placeholders() =>
    [
        "<your-token>", "<TOKEN>", "${ACME_TOKEN}", "$ACME_TOKEN", "$(cat /run/secrets/token)", "{{ acme_token }}", "%ACME_TOKEN%",
        "process.env.ACME_TOKEN", "os.environ['ACME_TOKEN']", "env(\"ACME_TOKEN\")", "changeme", "password", "secret", "EXAMPLEKEY12345",
        "your-api-key-here", "xxxxxxxxxxxxxxxxxxxx", "********", "...", "null", "None", "true", "", "aaaaaaaaaaaa1", "12345678901",
        "abcdef123456", "0123456789abcdef", "/run/secrets/acme_token", "./secrets/token.txt", "config.acme.token", "secrets.ACME_TOKEN",
    ];

    [Theory]
    [MemberData(nameof(Placeholders))]
    [Trait("spec", "RED-7")]
    [Trait("spec", "CUS-51")]
    public void Placeholder_survives_in_every_form(string placeholder)
    {
        foreach (object[] row in Forms())
        {
            string text = Fill((string)row[0], placeholder);
            Assert.Equal(text, Subject.Redact(text));
            string line = JsonLine(text);
            Assert.Equal(line, Subject.Redact(line));
        }
    }

    [Theory]
    [Trait("spec", "RED-7")]
    [Trait("spec", "CUS-54")]
    [InlineData("https://username:password@example.com/")]
    [InlineData("postgres://user:pass@localhost/db")]
    [InlineData("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    [InlineData("The token is generated by get_token() and stored in the session.")]
    [InlineData("password_reset_url: https://example.com/reset")]
    [InlineData("Set the API key with --api-key or the ACME_API_KEY variable.")]
    [InlineData("\"input_tokens\": 1234567, \"output_tokens\": 890123")]
    public void Documentation_value_survives(string text)
    {
        Assert.Equal(text, Subject.Redact(text));
    }

    [Theory]
    [Trait("spec", "CUS-52")]
    [InlineData("API_KEY", true)]
    [InlineData("apiKey", true)]
    [InlineData("x-api-key", true)]
    [InlineData("client_secret", true)]
    [InlineData("db.password", true)]
    [InlineData("GITHUB_PAT", true)]
    [InlineData("SECRET_ACCESS_KEY", true)]
    [InlineData("next_page_token", false)]
    [InlineData("max_tokens", false)]
    [InlineData("monkey", false)]
    [InlineData("sort_key", false)]
    [InlineData("compat", false)]
    [InlineData("reset_password", false)]
    [InlineData("secret_name", false)]
    public void Secret_names_are_recognised_in_any_case_style(string name, bool secret)
    {
        Assert.Equal(secret, SecretNames.IsSecretName(name));
    }

    [Theory]
    [Trait("spec", "CUS-53")]
    [InlineData("DATADOG_API_KEY={v}", "datadog-api-key")]
    [InlineData("datadog_api_key: \"{v}\"", "datadog-api-key")]
    [InlineData("{\"DD_API_KEY\": \"{v}\"}", "datadog-api-key")]
    [InlineData("datadogApiKey = \"{v}\"", "secret-assignment")]
    [InlineData("datadog:\n  api_key: {v}", "secret-assignment")]
    [InlineData("DATADOG_TRACE_ID={v}", null)]
    public void Service_rows_label_their_spellings_and_the_catch_all_the_rest(string form, string? rule)
    {
        const string value = "378892e9ecc387ab8b4585023a0286cc";
        string text = Fill(form, value);
        Assert.Equal(rule is null ? text : Fill(form, Marker(rule)), Subject.Redact(text));
    }

    [Theory]
    [Trait("spec", "CUS-53")]
    [InlineData("heroku:\n  api_key: {v}")]
    [InlineData("{\"heroku\": {\"apiKey\": \"{v}\"}}")]
    [InlineData("HEROKU_API_KEY=\"{v}\"")]
    public void A_service_row_reads_one_nested_block(string form)
    {
        const string value = "6ccd33d2-8a91-4438-9e5c-9222b4324df4";
        Assert.Equal(Fill(form, Marker("heroku-legacy-api-key")), Subject.Redact(Fill(form, value)));
    }

    /// <summary>Every bare token of every rule, bound to a secret name in any syntax, is labelled by its own rule.</summary>
    [Fact]
    public void Known_tokens_assigned_in_any_form_keep_their_own_label()
    {
        foreach (Rule rule in BuiltInRules.All.Where(r => !r.IsContextual))
        {
            foreach (RuleExample example in rule.TruePositives.Where(e => e.Text == e.Secret && !e.Secret.Contains('\n', StringComparison.Ordinal)))
            {
                foreach (string form in (string[])["ACME_TOKEN={v}", "api_key: \"{v}\"", "{\"token\": \"{v}\"}", "acme --token {v} run"])
                {
                    string output = Subject.Redact(Fill(form, example.Secret));
                    Assert.Equal(Fill(form, Marker(rule.Id)), output);
                }
            }
        }
    }
}

/// <summary>Generated placeholders and every rule's false positives, in every form (FsCheck, RED-7).</summary>
public static class PlaceholderGenerators
{
    private static readonly Gen<string> Name =
        Gen.Choose(3, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZ_".ToCharArray()), n)).Select(c => "A" + new string(c));

    private static readonly Gen<string> Placeholder = Gen.OneOf(
        Name.Select(n => "${" + n + "}"),
        Name.Select(n => "$" + n),
        Name.Select(n => "$(cat " + n.ToLowerInvariant() + ")"),
        Name.Select(n => "{{ " + n.ToLowerInvariant() + " }}"),
        Name.Select(n => "{{" + n + "}}"),
        Name.Select(n => "%" + n + "%"),
        Name.Select(n => "<" + n.ToLowerInvariant().Replace('_', '-') + ">"),
        Name.Select(n => "<your-" + n.ToLowerInvariant().Replace('_', '-') + ">"),
        Name.Select(n => "process.env." + n),
        Name.Select(n => "os.environ[\"" + n + "\"]"),
        Name.Select(n => "secrets." + n),
        Gen.Elements("changeme", "password", "secret", "example", "EXAMPLE", "null", "None", "true", "false", "***", "...", "your_api_key_here", "REPLACE_ME_1"),
        Gen.Zip(Gen.Elements('x', 'X', '*', '0', 'a', '.'), Gen.Choose(4, 48)).Select(t => new string(t.Item1, t.Item2)),
        Gen.Choose(6, 16).Select(n => "0123456789abcdef"[..n]),
        Gen.Choose(6, 26).Select(n => "abcdefghijklmnopqrstuvwxyz"[..n] + "123"),
        Gen.Zip(Gen.Elements("ab", "12", "xy", "a1"), Gen.Choose(4, 16)).Select(t => string.Concat(Enumerable.Repeat(t.Item1, t.Item2))));

    private static readonly string[] Forms =
    [
        "{n}_API_KEY={v}", "export {n}_TOKEN=\"{v}\"", "api_key: {v}", "client_secret: '{v}'", "{\"apiKey\": \"{v}\"}", "password = \"{v}\"",
        "<add key=\"ApiKey\" value=\"{v}\" />", "<password>{v}</password>", "--token {v}", "const token = '{v}';", "os.environ[\"{n}_TOKEN\"] = \"{v}\"",
        "?access_token={v}&x=1", "Password={v};", "https://user:{v}@host.example/", "DD_API_KEY={v}", "HEROKU_API_KEY={v}", "TWILIO_AUTH_TOKEN={v}",
    ];

    public static Arbitrary<PlaceholderCase> Case() =>
        Gen.Zip(Gen.Zip(Gen.Elements(Forms), Placeholder), Gen.Zip(Name, Gen.Elements(0, 1, 2)))
            .Select(t => new PlaceholderCase(
                t.Item1.Item1.Replace("{v}", t.Item1.Item2, StringComparison.Ordinal).Replace("{n}", t.Item2.Item1, StringComparison.Ordinal), t.Item2.Item2))
            .ToArbitrary();

    public static Arbitrary<FalsePositiveCase> FalsePositive() =>
        Gen.Zip(Gen.Elements(BuiltInRules.All.SelectMany(r => r.FalsePositives).ToArray()), Gen.Elements(0, 1, 2))
            .Select(t => new FalsePositiveCase(t.Item1, t.Item2))
            .ToArbitrary();
}

/// <summary>A placeholder in a form, wrapped raw (0), in a JSON line (1) or in JSON inside JSON (2).</summary>
public sealed record PlaceholderCase(string Text, int Wrap)
{
    public string Wrapped => Wrap switch { 1 => JsonLine(Text), 2 => JsonInJsonLine(Text), _ => Text };

    public override string ToString() => Wrapped;
}

/// <summary>A rule's false-positive example, wrapped as in <see cref="PlaceholderCase"/>.</summary>
public sealed record FalsePositiveCase(string Text, int Wrap)
{
    public string Wrapped => Wrap switch { 1 => JsonLine("x\n" + Text + "\n"), 2 => JsonInJsonLine(Text), _ => "see " + Text + " here" };

    public override string ToString() => Wrapped;
}

[Properties(Arbitrary = [typeof(PlaceholderGenerators)], MaxTest = 500)]
[Trait("spec", "RED-7")]
[Trait("spec", "CUS-51")]
public sealed class PlaceholderPropertyTests
{
    [Property]
    public bool No_rule_changes_a_generated_placeholder_in_any_form(PlaceholderCase example) =>
        Subject.Redact(example.Wrapped) == example.Wrapped;

    /// <summary>Every rule's false positives in every wrap, all of them (a finite set: sampling it would make a flaky test).</summary>
    [Fact]
    public void No_rule_changes_any_rules_false_positive_example()
    {
        var changed = new List<string>();
        foreach (var text in BuiltInRules.All.SelectMany(r => r.FalsePositives).Distinct(StringComparer.Ordinal))
        {
            for (var wrap = 0; wrap < 3; wrap++)
            {
                var example = new FalsePositiveCase(text, wrap);
                var redacted = Subject.Redact(example.Wrapped);
                if (redacted != example.Wrapped) changed.Add(example.Wrapped + " -> " + redacted);
            }
        }

        Assert.True(changed.Count == 0, string.Join("\n", changed));
    }

    [Theory]
    [Trait("spec", "CUS-89")]
    [Trait("spec", "RED-1")]
    // A name glued to a secret's tail: the first pass reads "eyJmax_token" (max_token, no secret name), a second would
    // read "_token" after the marker. Neither pass reads a name glued to a marker, so both agree.
    [InlineData("SharedAccessKey=Qm3xN8vB2cZ7lK1jH4gF6dS9aP0oI5uY8tR3eW2q1A0=eyJmax_token=12345678r8_hnZxmb6")]
    [InlineData("dapib1136fe20dbd7b6c74ea0a0bac424adb-2api_key = \"tq9Hn2Wm5Vr8Xc3Lk7Pz\"")]
    // A URL's authority running on through secrets glued after its '@' (too long to read in the first pass): the second
    // pass must not read the password once the host is a marker.
    [InlineData("://vault.internal:8200WTNqZZN2SfMqohN6tzl3rU1pikgMpul-0000000000000000000000000000000000000000sntryu_615b11ae69ec4f38306b6e44252549c1f41d458d8f74ea815945053ab94509c4ZHbwbEt0@dapib1136fe20dbd7b6c74ea0a0bac424adb-2sk-ant-api03-UTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm_r5kJP1VrT-1FJors_6ILi8IHn5kxsC7tVO_HbkQfZAAwhsec_VczWbzxMuBWODtG3Elm7as1d9htCYgT4lKaM86BDsL0=sk-00a000a00a0aaaa0aaa0aa0aa00a0aaa")]
    public void A_name_or_host_glued_to_an_earlier_secret_reads_the_same_in_a_second_pass(string input)
    {
        string once = Subject.Redact(input);
        Assert.NotEqual(input, once);
        Assert.Equal(once, Subject.Redact(once, out RedactionReport again));
        Assert.True(again.IsEmpty, again.ToJson());
    }

    [Theory]
    [Trait("spec", "CUS-90")]
    [InlineData("https://hooks.slack.com/services/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", "slack-webhook-url")]
    public void A_webhook_url_is_found_through_json_escaped_slashes_at_any_depth(string url, string rule)
    {
        // PHP's json_encode writes every slash as \/; inside a transcript's JSON string that is \\/.
        string escaped = url.Replace("/", "\\/", StringComparison.Ordinal);
        foreach (string text in new[] { "{\"webhook\":\"" + escaped + "\"}", JsonLine("$ curl api\n{\"webhook\":\"" + escaped + "\"}") })
        {
            string once = Subject.Redact(text);
            Assert.Contains(Marker(rule), once, StringComparison.Ordinal);
            Assert.DoesNotContain("q8Vt1nL0cG4yB2pR7sK9dW3e", once, StringComparison.Ordinal);
            Assert.Equal(once, Subject.Redact(once));
            if (text.StartsWith("{\"type", StringComparison.Ordinal))
            {
                Assert.True(IsValidJson(once), once);
            }
        }
    }
}
