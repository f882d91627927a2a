using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// Differential, at the level the egress trap can see (a destination, not a path: the client's flows are TLS):
/// when <c>custodian policy</c> says every non-essential flow is off, the real client opens nothing beyond its model
/// endpoint; when it says they are on, the client reaches for Anthropic's hosts (FLW-1, FLW-2).
/// </summary>
public sealed class RealEgressTests
{
    private static readonly string[] NonessentialFlows = ["autoUpdate", "metrics", "errorReports", "featureFlags", "releaseNotes"];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    [Trait("spec", "FLW-1")]
    [Trait("spec", "FLW-2")]
    public async Task With_nonessential_traffic_off_the_client_opens_nothing_beyond_its_model_endpoint(bool nonessentialOff)
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        if (!nonessentialOff) sandbox.AllowNonessentialTraffic();
        api.Script("Egress check", ScriptedTurn.Text("Checked."));

        var policy = sandbox.Custodian("policy", "--json");
        Assert.True(policy.ExitCode == 0, policy.Stderr);
        var traffic = policy.Json["traffic"]!;
        // The sandbox keeps DISABLE_AUTOUPDATER=1 either way: auto-update is off in both runs.
        Assert.False(traffic["autoUpdate"]!.GetValue<bool>());
        foreach (var flow in NonessentialFlows.Skip(1)) Assert.Equal(!nonessentialOff, traffic[flow]!.GetValue<bool>());

        var run = await sandbox.PrintAsync("Egress check");
        Assert.False(run.IsError, run.Describe());
        Assert.Contains(api.MessageRequests, r => r.FirstUserText.Contains("Egress check", StringComparison.Ordinal));

        if (nonessentialOff)
        {
            Assert.Empty(sandbox.Egress.Attempts);
        }
        else
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (sandbox.Egress.Attempts.Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.NotEmpty(sandbox.Egress.Attempts);
            Assert.All(sandbox.Egress.Attempts, a => Assert.EndsWith(".anthropic.com:443", a, StringComparison.Ordinal));
        }
    }
}
