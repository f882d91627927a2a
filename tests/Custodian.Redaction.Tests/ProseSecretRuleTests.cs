using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// Credentials given in a sentence (CUS-85): which words introduce one, how the value is delimited, and the test of
/// a generated value that keeps identifiers and hashes of prose as they are.
/// </summary>
[Trait("spec", "CUS-85")]
[Trait("spec", "RED-7")]
public sealed class ProseSecretRuleTests
{
    private const string Value = "Kp4r8Wq2Zt6yHn3B";
    private static readonly string Marker = Support.Marker("prose-secret");

    [Theory]
    [InlineData("my API key is {v} thanks")]
    [InlineData("My Stripe api Key is {v}")]
    [InlineData("the license key is {v}.")]
    [InlineData("the application key is `{v}`")]
    [InlineData("the token is '{v}', right?")]
    [InlineData("The Token is \"{v}\"")]
    [InlineData("our db password is {v}")]
    [InlineData("the client secret is {v}:")]
    [InlineData("the gpg passphrase is {v}")]
    public void A_credential_word_then_is_then_a_generated_value_is_replaced(string template)
    {
        string input = template.Replace("{v}", Value, StringComparison.Ordinal);
        Assert.Equal(template.Replace("{v}", Marker, StringComparison.Ordinal), Subject.Redact(input));
    }

    [Fact]
    public void Json_escaped_quotes_around_the_value_stay_valid_json()
    {
        string line = Subject.Redact(JsonLine("the token is \"" + Value + "\" now"));
        Assert.True(IsValidJson(line), line);
        Assert.Equal("the token is \"" + Marker + "\" now", TextOf(line));

        string nested = Subject.Redact(JsonInJsonLine("the token is \"" + Value + "\" now"));
        Assert.True(IsValidJson(nested), nested);
        Assert.Equal("the token is \"" + Marker + "\" now", TextOfJsonInJson(nested));
    }

    [Theory]
    // "key" needs a word that makes it a credential.
    [InlineData("the cache key is {v}")]
    [InlineData("the primary key is {v}")]
    [InlineData("the monkey is {v}")]
    [InlineData("that key is {v}")]
    // No "is", or a sentence that moves on.
    [InlineData("the token was {v}")]
    [InlineData("the token is not {v}")]
    public void Other_keys_and_other_sentences_are_left_alone(string template)
    {
        string input = template.Replace("{v}", Value, StringComparison.Ordinal);
        Assert.Equal(input, Subject.Redact(input));
    }

    [Theory]
    [InlineData("UserSessionIdentifierV2")] // words: the class changes at word boundaries only
    [InlineData("config_v2_migration_step3")]
    [InlineData("ABCDEFGHIJKLMNOP1234")] // upper case, then digits
    [InlineData("Kp4r8Wq2Zt6")] // generated, but under 16 characters
    [InlineData("your-password-here-123")]
    [InlineData("${RELEASE_TOKEN_2024_Q4}")]
    [InlineData("/run/secrets/api_token_v2")]
    [InlineData("https://vault.example.com/v1/kv/a1b2c3d4")]
    public void Values_that_do_not_look_generated_stay(string value)
    {
        string input = "the API token is " + value + " here";
        Assert.Equal(input, Subject.Redact(input));
    }

    [Theory]
    [InlineData("qwrtzxvb82MNPLK5", false)] // b→8, 2→M, K→5: three changes, under four
    [InlineData("qwrt82zxvbMNPLK5", true)] // t→8, 2→z, b→M, K→5: four changes in 15 pairs
    [InlineData("qwrtzxvbnm8lkjhgfdsa2MNPLKJHGFD5", false)] // five changes in 31 pairs: under a quarter
    public void The_class_change_threshold_decides(string value, bool replaced)
    {
        string input = "the token is " + value;
        Assert.Equal(replaced ? "the token is " + Marker : input, Subject.Redact(input));
    }
}
