using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// Differential: settings the schema refuses but the real client applies. Custodian resolves them as the client
/// does (CUS-32), without a problem that would pause the sweep (SET-2, SET-7).
/// </summary>
public sealed class RealSettingsTests
{
    [Fact]
    [Trait("spec", "SET-2")]
    [Trait("spec", "SET-7")]
    [Trait("spec", "CUS-32")]
    public async Task Env_names_the_schema_refuses_reach_the_clients_tools_and_custodian_applies_them()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.Write(Path.Combine(sandbox.ConfigDir, "settings.json"),
            """{"env": {"build_flavour": "nightly", "MY-DASHED": "dashed", "UPPER_OK": "ok"}, "cleanupPeriodDays": 14}""");
        api.Script("Print the build settings", ScriptedTurn.Bash("echo \"flavour=$build_flavour\"; env | grep '^MY-DASHED='; echo \"upper=$UPPER_OK\""), ScriptedTurn.Text("Printed."));

        var run = await sandbox.PrintAsync("Print the build settings", "--allowedTools", "Bash");
        Assert.False(run.IsError, run.Describe());
        var output = api.MessageRequests[^1].LastUserText;
        Assert.Contains("flavour=nightly", output, StringComparison.Ordinal);
        Assert.Contains("MY-DASHED=dashed", output, StringComparison.Ordinal);
        Assert.Contains("upper=ok", output, StringComparison.Ordinal);

        var settings = sandbox.Custodian("settings", "--json");
        Assert.True(settings.ExitCode == 0, settings.Stderr);
        Assert.Empty(settings.Json["problems"]!.AsArray());
        foreach (var name in new[] { "build_flavour", "MY-DASHED", "UPPER_OK" }) Assert.Contains("\"" + name + "\"", settings.Stdout, StringComparison.Ordinal);
        var policy = sandbox.Custodian("policy", "--json");
        Assert.Equal("run", policy.Json["localRetention"]!["sweep"]!.GetValue<string>());
        Assert.Equal(14, policy.Json["localRetention"]!["periodDays"]!.GetValue<int>());
    }
}
