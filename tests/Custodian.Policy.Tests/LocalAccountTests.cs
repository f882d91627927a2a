using Custodian.Policy.Account;
using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary>The signed-in account as the machine knows it: credentials, API key and Custodian's state file.</summary>
public sealed class LocalAccountTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ConfigDir => _dir.Path;

    private string CredentialsPath => Path.Combine(ConfigDir, ".credentials.json");

    private string StatePath => LocalAccount.StatePath(ConfigDir);

    private static Dictionary<string, string> Env(params (string Name, string Value)[] vars) =>
        vars.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    private LocalAccount Read(params (string Name, string Value)[] vars) => LocalAccount.Read(ConfigDir, Env(vars));

    [Fact]
    [Trait("spec", "TRN-1")]
    public void Nothing_on_the_machine_is_a_new_pro_user_without_credentials()
    {
        var a = Read();
        Assert.Equal(Plan.Pro, a.Plan);
        Assert.Equal("default (no signed-in account found)", a.PlanSource);
        Assert.False(a.ServerCredentials);
        Assert.False(a.Gateway);
        Assert.Equal(UserPreferences.Default, a.User);
        Assert.Equal(OrganizationPolicy.Default, a.Org);
        Assert.Null(a.PublishedSurveyRate);
        Assert.Empty(a.Warnings);
        Assert.Equal(Path.Combine(ConfigDir, "custodian", "state.json"), StatePath);
    }

    [Theory]
    [InlineData("free", Plan.Free)]
    [InlineData("pro", Plan.Pro)]
    [InlineData("max", Plan.Max)]
    [InlineData("team", Plan.Team)]
    [InlineData("enterprise", Plan.Enterprise)]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-2")]
    public void The_credentials_subscription_type_names_the_plan(string subscription, Plan plan)
    {
        _dir.Write(".credentials.json", "{\"claudeAiOauth\": {\"accessToken\": \"sk-ant-oat01-x\", \"refreshToken\": \"r\", \"subscriptionType\": \"" + subscription + "\"}}");
        var a = Read((EnvNames.AnthropicApiKey, "sk-ant-api03-ignored"));
        Assert.Equal(plan, a.Plan);
        Assert.Equal(CredentialsPath, a.PlanSource);
        Assert.True(a.ServerCredentials);
        Assert.Empty(a.Warnings);
    }

    [Theory]
    [InlineData("""{"claudeAiOauth": {"subscriptionType": "max"}}""")]
    [InlineData("""{"claudeAiOauth": {"accessToken": "", "subscriptionType": "max"}}""")]
    [InlineData("""{"claudeAiOauth": {"accessToken": 42, "subscriptionType": "max"}}""")]
    [Trait("spec", "FBK-3")]
    public void Without_an_access_token_there_are_no_server_credentials(string credentials)
    {
        _dir.Write(".credentials.json", credentials);
        var a = Read();
        Assert.Equal(Plan.Max, a.Plan);
        Assert.False(a.ServerCredentials);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void An_unknown_subscription_type_is_a_warning_and_the_plan_stays_pro()
    {
        _dir.Write(".credentials.json", """{"claudeAiOauth": {"accessToken": "t", "subscriptionType": "ultra"}}""");
        var a = Read();
        Assert.Equal(Plan.Pro, a.Plan);
        Assert.True(a.ServerCredentials);
        Assert.Equal($"{CredentialsPath}: unknown subscriptionType 'ultra'; assuming 'pro'", Assert.Single(a.Warnings));
    }

    [Fact]
    [Trait("spec", "TRN-2")]
    public void An_API_key_without_an_OAuth_sign_in_is_the_api_plan()
    {
        var a = Read((EnvNames.AnthropicApiKey, "sk-ant-api03-abc"));
        Assert.Equal(Plan.Api, a.Plan);
        Assert.Equal(EnvNames.AnthropicApiKey, a.PlanSource);
        Assert.True(a.ServerCredentials);

        Assert.Equal(Plan.Pro, Read((EnvNames.AnthropicApiKey, "")).Plan);
        _dir.Write(".credentials.json", """{"other": {}}""");
        Assert.Equal(Plan.Api, Read((EnvNames.AnthropicApiKey, "k")).Plan);
    }

    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "DPP-1")]
    [Trait("spec", "RET-3")]
    [Trait("spec", "SRV-2")]
    [Trait("spec", "SHR-2")]
    public void The_state_file_carries_the_users_choices_the_org_policy_and_the_published_rate()
    {
        _dir.Write("custodian/state.json", """
            {
              "allowModelImprovement": true,
              "surveyDontAskAgain": true,
              "org": { "developmentPartnerProgram": true, "zeroDataRetention": false, "productFeedbackDisabled": true },
              "publishedSurveyRate": 0.03,
              "gateway": true,
              "plan": "api"
            }
            """);
        var a = Read();
        Assert.Equal(new UserPreferences(AllowModelImprovement: true, SurveyDontAskAgain: true), a.User);
        Assert.Equal(new OrganizationPolicy(DevelopmentPartnerProgram: true, ZeroDataRetention: false, ProductFeedbackDisabled: true), a.Org);
        Assert.Equal(0.03, a.PublishedSurveyRate);
        Assert.True(a.Gateway);
        Assert.Equal(Plan.Api, a.Plan);
        Assert.Equal(StatePath, a.PlanSource);
        Assert.Empty(a.Warnings);
    }

    [Theory]
    [InlineData("""{"allowModelImprovement": "true"}""")]
    [InlineData("""{"allowModelImprovement": 1}""")]
    [InlineData("""{"org": {"zeroDataRetention": "yes"}}""")]
    [InlineData("""{"org": true}""")]
    [InlineData("""{"publishedSurveyRate": 3}""")]
    [InlineData("""{"publishedSurveyRate": "0.1"}""")]
    [InlineData("""{"plan": "premium"}""")]
    [InlineData("""{"plan": 3}""")]
    [Trait("spec", "SET-6")]
    public void Wrongly_typed_state_values_are_ignored_as_not_set(string state)
    {
        _dir.Write("custodian/state.json", state);
        var a = Read();
        Assert.Equal(UserPreferences.Default, a.User);
        Assert.Equal(OrganizationPolicy.Default, a.Org);
        Assert.Null(a.PublishedSurveyRate);
        Assert.Equal(Plan.Pro, a.Plan);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("0", false)]
    [InlineData("", false)]
    [Trait("spec", "SET-4")]
    [Trait("spec", "FLW-3")]
    public void CUSTODIAN_GATEWAY_marks_a_gateway_session_as_a_boolean(string value, bool gateway) =>
        Assert.Equal(gateway, Read((LocalAccount.GatewayVariable, value)).Gateway);

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"claudeAiOauth\": ")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("{\"claudeAiOauth\": {\"subscriptionType\": \"max\", \"subscriptionType\": \"pro\"}}")]
    [Trait("spec", "SET-6")]
    public void Malformed_credentials_are_a_warning_never_an_exception(string text)
    {
        _dir.Write(".credentials.json", text);
        var a = Read((EnvNames.AnthropicApiKey, "k"));
        var warning = Assert.Single(a.Warnings);
        Assert.StartsWith($"{CredentialsPath}: ignored: ", warning, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', warning);
        // The API key still counts when the credentials file cannot be used.
        Assert.Equal(Plan.Api, a.Plan);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{ \"allowModelImprovement\": tru }")]
    [InlineData("\"state\"")]
    [InlineData("{\"org\": {\"zeroDataRetention\": true, \"zeroDataRetention\": false}}")]
    [Trait("spec", "SET-6")]
    public void A_malformed_state_file_is_a_warning_never_an_exception(string text)
    {
        _dir.Write(".credentials.json", """{"claudeAiOauth": {"accessToken": "t", "subscriptionType": "max"}}""");
        _dir.Write("custodian/state.json", text);
        var a = Read();
        var warning = Assert.Single(a.Warnings);
        Assert.StartsWith($"{StatePath}: ignored: ", warning, StringComparison.Ordinal);
        Assert.Equal(Plan.Max, a.Plan);
        Assert.Equal(UserPreferences.Default, a.User);
        Assert.Equal(OrganizationPolicy.Default, a.Org);
    }

    [Fact]
    [Trait("spec", "SET-6")]
    public void Files_that_are_not_UTF8_or_are_directories_never_throw()
    {
        File.WriteAllBytes(_dir.Write("custodian/state.json", ""), [.. "{\"org\": {\""u8, 0xFF, .. "\": true}}"u8]);
        var a = Read();
        Assert.StartsWith($"{StatePath}: ignored: ", Assert.Single(a.Warnings), StringComparison.Ordinal);

        File.Delete(StatePath);
        Directory.CreateDirectory(StatePath);
        Directory.CreateDirectory(CredentialsPath);
        var b = Read();
        Assert.Equal(Plan.Pro, b.Plan);
        Assert.Empty(b.Warnings);
    }

    [Fact]
    [Trait("spec", "SET-1")]
    public void A_byte_order_mark_is_accepted()
    {
        File.WriteAllBytes(_dir.Write(".credentials.json", ""), [0xEF, 0xBB, 0xBF, .. """{"claudeAiOauth": {"accessToken": "t", "subscriptionType": "team"}}"""u8]);
        Assert.Equal(Plan.Team, Read().Plan);
    }

    [Fact]
    [Trait("spec", "RET-3")]
    public void An_impossible_state_reaches_the_engine_as_an_error_not_a_crash()
    {
        _dir.Write("custodian/state.json", """{"plan": "pro", "org": {"zeroDataRetention": true}}""");
        var a = Read();
        var outcome = PolicyEngine.Evaluate(new PolicyContext { Plan = a.Plan, Org = a.Org });
        Assert.False(outcome.Succeeded);
        Assert.Equal("org.zeroDataRetention", outcome.Error!.Key);
    }
}
