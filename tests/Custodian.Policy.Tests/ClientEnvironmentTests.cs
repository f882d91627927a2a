using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary>How environment variables are read: presence switches, boolean switches and providers (SET-3..5).</summary>
public sealed class ClientEnvironmentTests
{
    public static TheoryData<string, string, bool> PresenceCases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var name in new[] { EnvNames.DisableNonessentialTraffic, EnvNames.DisableTelemetry, EnvNames.DisableErrorReporting })
        {
            foreach (var value in new[] { "1", "0", "true", "false", "yes", "no", "off", "ON", " ", "anything" })
            {
                data.Add(name, value, true);
            }

            data.Add(name, "", false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PresenceCases))]
    [Trait("spec", "SET-3")]
    public void Presence_switches_are_on_for_any_non_empty_value_zero_and_false_included(string name, string value, bool on)
    {
        var env = TestPolicy.Env((name, value));
        var sw = name switch
        {
            EnvNames.DisableNonessentialTraffic => env.DisableNonessentialTraffic,
            EnvNames.DisableTelemetry => env.DisableTelemetry,
            _ => env.DisableErrorReporting,
        };
        Assert.Equal(on, sw.On);
        if (on) Assert.Equal($"{name}={value}", sw.Evidence);
        else Assert.Null(sw.Evidence);
    }

    [Fact]
    [Trait("spec", "SET-3")]
    public void An_unset_presence_switch_is_off()
    {
        var env = ClientEnvironment.Empty;
        Assert.False(env.DisableNonessentialTraffic.On);
        Assert.False(env.DisableTelemetry.On);
        Assert.False(env.DisableErrorReporting.On);
        Assert.Equal(ClientEnvironment.PresenceSwitches.Order(StringComparer.Ordinal),
            new[] { EnvNames.DisableNonessentialTraffic, EnvNames.DisableErrorReporting, EnvNames.DisableTelemetry }.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("True", true)]
    [InlineData("yes", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("ON", true)]
    [InlineData("oN", true)]
    [InlineData(" 1 ", true)] // Claude Code trims before comparing; so does Custodian.
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData("", false)]
    [InlineData("2", false)]
    [InlineData("y", false)]
    [InlineData("enabled", false)]
    [InlineData("01", false)]
    [Trait("spec", "SET-4")]
    public void Boolean_switches_are_true_only_for_1_true_yes_on(string value, bool expected)
    {
        Assert.Equal(expected, ClientEnvironment.IsTrue(value));
        foreach (var name in new[]
        {
            EnvNames.DoNotTrack, EnvNames.DisableFeedbackSurvey, EnvNames.EnableFeedbackSurveyForOtel,
            EnvNames.DisableFeedbackCommand, EnvNames.DisableBugCommand, EnvNames.DisableAutoUpdater,
        })
        {
            var env = TestPolicy.Env((name, value));
            var sw = name switch
            {
                EnvNames.DoNotTrack => env.DoNotTrack,
                EnvNames.DisableFeedbackSurvey => env.DisableFeedbackSurvey,
                EnvNames.EnableFeedbackSurveyForOtel => env.EnableFeedbackSurveyForOtel,
                EnvNames.DisableAutoUpdater => env.DisableAutoUpdater,
                _ => env.DisableFeedbackCommand,
            };
            Assert.True(expected == sw.On, $"{name}={value}");
        }
    }

    [Fact]
    [Trait("spec", "SET-4")]
    public void IsTrue_of_null_is_false() => Assert.False(ClientEnvironment.IsTrue(null));

    [Fact]
    [Trait("spec", "SET-4")]
    [Trait("spec", "FBK-2")]
    public void The_old_DISABLE_BUG_COMMAND_name_still_works_and_a_false_new_name_does_not_mask_it()
    {
        Assert.True(TestPolicy.Env((EnvNames.DisableBugCommand, "1")).DisableFeedbackCommand.On);
        var both = TestPolicy.Env((EnvNames.DisableFeedbackCommand, "0"), (EnvNames.DisableBugCommand, "true"));
        Assert.True(both.DisableFeedbackCommand.On);
        Assert.Equal("DISABLE_BUG_COMMAND=true", both.DisableFeedbackCommand.Evidence);
    }

    public static TheoryData<string, Provider> ProviderCases()
    {
        var data = new TheoryData<string, Provider>();
        foreach (var (variable, provider) in ClientEnvironment.ProviderVariables)
        {
            data.Add(variable, provider);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProviderCases))]
    [Trait("spec", "SET-5")]
    public void Each_provider_variable_selects_its_platform_when_true(string variable, Provider provider)
    {
        foreach (var value in new[] { "1", "true", "YES", "on" })
        {
            var env = TestPolicy.Env((variable, value));
            Assert.Equal(provider, env.Provider);
            Assert.Equal($"{variable}={value}", env.ProviderEvidence);
            Assert.Empty(env.IgnoredProviders);
        }

        foreach (var value in new[] { "0", "false", "", "off", "no" })
        {
            var env = TestPolicy.Env((variable, value));
            Assert.Equal(Provider.Anthropic, env.Provider);
            Assert.Null(env.ProviderEvidence);
            Assert.Empty(env.IgnoredProviders);
        }
    }

    /// <summary>Claude Code's own order (SET-5): the first true variable of this list wins.</summary>
    private static readonly Provider[] ClaudeCodeOrder = [Provider.Bedrock, Provider.Foundry, Provider.AnthropicAws, Provider.Vertex];

    [Fact]
    [Trait("spec", "SET-5")]
    public void The_provider_variables_are_tried_in_Claude_Codes_order()
    {
        Assert.Equal(ClaudeCodeOrder, ClientEnvironment.ProviderVariables.Select(p => p.Provider));
        Assert.Equal(
            [EnvNames.UseBedrock, EnvNames.UseFoundry, EnvNames.UseAnthropicAws, EnvNames.UseVertex],
            ClientEnvironment.ProviderVariables.Select(p => p.Variable));
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void Of_every_set_of_true_provider_variables_the_first_in_Claude_Codes_order_wins_and_the_others_are_reported()
    {
        var variables = ClientEnvironment.ProviderVariables.ToArray();
        // Every subset with at least two members: 11 of them.
        for (var mask = 1; mask < 1 << variables.Length; mask++)
        {
            var set = variables.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            if (set.Length < 2) continue;
            var env = ClientEnvironment.FromVariables(set.ToDictionary(p => p.Variable, _ => "true"));
            var winner = ClaudeCodeOrder.First(p => set.Any(s => s.Provider == p));
            Assert.Equal(winner, env.Provider);
            Assert.Equal($"{set[0].Variable}=true", env.ProviderEvidence);
            Assert.Equal(set.Skip(1).Select(p => p.Provider), env.IgnoredProviders.Select(i => i.Provider));
            Assert.All(env.IgnoredProviders, i =>
            {
                Assert.Equal(winner, i.SelectedInstead);
                Assert.Equal("true", i.Value);
                Assert.Equal("environment", i.Source);
            });

            var outcome = PolicyEngine.Evaluate(PolicyContext.Default with { Environment = env });
            Assert.True(outcome.Succeeded, outcome.Error?.ToString());
            Assert.Equal(winner, outcome.Decisions!.Provider.Value);
            Assert.Equal("SET-5", outcome.Decisions.Provider.Rule);
            Assert.Same(env.IgnoredProviders, outcome.Decisions.IgnoredProviders);
            foreach (var loser in set.Skip(1))
            {
                Assert.Contains($"{loser.Variable}=true (from environment)", outcome.Decisions.Provider.Because, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void Bedrock_beats_vertex_whatever_order_the_variables_come_in()
    {
        var env = TestPolicy.Env((EnvNames.UseVertex, "1"), (EnvNames.UseBedrock, "yes"));
        Assert.Equal(Provider.Bedrock, env.Provider);
        Assert.Equal("CLAUDE_CODE_USE_BEDROCK=yes", env.ProviderEvidence);
        var ignored = Assert.Single(env.IgnoredProviders);
        Assert.Equal(new IgnoredProvider(Provider.Vertex, EnvNames.UseVertex, "1", "environment", Provider.Bedrock), ignored);
        Assert.Equal("CLAUDE_CODE_USE_VERTEX=1 (from environment)", ignored.ToString());
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void An_ignored_provider_names_the_settings_file_that_set_it()
    {
        var env = ClientEnvironment.FromVariables(
            new Dictionary<string, string> { [EnvNames.UseFoundry] = "1", [EnvNames.UseAnthropicAws] = "on" },
            name => name == EnvNames.UseAnthropicAws ? "/p/.claude/settings.json" : null);
        Assert.Equal(Provider.Foundry, env.Provider);
        var ignored = Assert.Single(env.IgnoredProviders);
        Assert.Equal((Provider.AnthropicAws, "/p/.claude/settings.json"), (ignored.Provider, ignored.Source));
    }

    [Fact]
    [Trait("spec", "SET-5")]
    public void A_false_second_provider_variable_is_not_reported()
    {
        var env = TestPolicy.Env((EnvNames.UseBedrock, "1"), (EnvNames.UseVertex, "0"), (EnvNames.UseFoundry, "false"));
        Assert.Empty(env.IgnoredProviders);
        Assert.Equal(Provider.Bedrock, env.Provider);
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void Evidence_names_the_source_when_one_is_given()
    {
        var env = ClientEnvironment.FromVariables(
            new Dictionary<string, string> { [EnvNames.DoNotTrack] = "1", [EnvNames.DisableTelemetry] = "0" },
            name => name == EnvNames.DoNotTrack ? "/p/.claude/settings.json" : null);
        Assert.Equal("DO_NOT_TRACK=1 (from /p/.claude/settings.json)", env.DoNotTrack.Evidence);
        Assert.Equal("DISABLE_TELEMETRY=0", env.DisableTelemetry.Evidence);
    }

    [Fact]
    [Trait("spec", "SET-4")]
    public void Variables_are_case_sensitive_names()
    {
        var env = TestPolicy.Env(("do_not_track", "1"), ("disable_telemetry", "1"));
        Assert.False(env.DoNotTrack.On);
        Assert.False(env.DisableTelemetry.On);
    }
}
