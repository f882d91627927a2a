using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

/// <summary>
/// Differential: which provider the real client uses when several provider variables are set (its
/// <c>anthropic.provider</c> telemetry attribute), against the provider <c>custodian policy</c> resolves (SET-5).
/// </summary>
public sealed class RealProviderTests
{
    /// <summary>Each provider's switch, what the client calls it in telemetry, and Custodian's wire name.</summary>
    private static readonly (string Variable, string ClientName, string CustodianName)[] Providers =
    [
        ("CLAUDE_CODE_USE_BEDROCK", "bedrock", "bedrock"),
        ("CLAUDE_CODE_USE_FOUNDRY", "foundry", "foundry"),
        ("CLAUDE_CODE_USE_ANTHROPIC_AWS", "anthropicAws", "anthropic-aws"),
        ("CLAUDE_CODE_USE_VERTEX", "vertex", "vertex"),
    ];

    public static TheoryData<string> Combinations()
    {
        var data = new TheoryData<string>();
        for (var mask = 1; mask < 1 << Providers.Length; mask++)
        {
            // Every single provider, every pair, and all four: the pairs decide the order, the rest confirm it.
            var count = int.PopCount(mask);
            if (count is 1 or 2 or 4) data.Add(string.Join(' ', Providers.Where((_, i) => (mask & 1 << i) != 0).Select(p => p.Variable)));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    [Trait("spec", "SET-5")]
    public async Task Custodian_picks_the_provider_the_real_client_uses(string variables)
    {
        await using var api = await MessagesStandIn.StartAsync();
        await using var otlp = await OtlpJsonReceiver.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        sandbox.ExportTelemetryTo(otlp);
        sandbox.Environment["CLAUDE_CODE_MAX_RETRIES"] = "0";
        var baseUrl = api.BaseAddress.ToString().TrimEnd('/');
        // Every platform's endpoint is the loopback stand-in and its sign-in is skipped: nothing leaves the machine.
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["CLAUDE_CODE_SKIP_BEDROCK_AUTH"] = "1", ["ANTHROPIC_BEDROCK_BASE_URL"] = baseUrl, ["AWS_REGION"] = "us-east-1",
            ["CLAUDE_CODE_SKIP_VERTEX_AUTH"] = "1", ["ANTHROPIC_VERTEX_BASE_URL"] = baseUrl, ["ANTHROPIC_VERTEX_PROJECT_ID"] = "standin", ["CLOUD_ML_REGION"] = "us-east5",
            ["CLAUDE_CODE_SKIP_FOUNDRY_AUTH"] = "1", ["ANTHROPIC_FOUNDRY_BASE_URL"] = baseUrl,
            ["CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH"] = "1", ["ANTHROPIC_AWS_BASE_URL"] = baseUrl, ["ANTHROPIC_AWS_WORKSPACE_ID"] = "standin",
        })
        {
            sandbox.Environment[name] = value;
        }

        foreach (var variable in variables.Split(' ')) sandbox.Environment[variable] = "1";

        await sandbox.PrintAsync("Which provider is this?");
        var record = await otlp.WaitForLogAsync(r => r["anthropic.provider"] is not null, TimeSpan.FromSeconds(10));
        Assert.True(record is not null, "the client exported no record with anthropic.provider; paths: " + string.Join(", ", otlp.Paths));
        var used = Providers.Single(p => p.ClientName == record["anthropic.provider"]);

        var policy = sandbox.Custodian("policy", "--json");
        Assert.True(policy.ExitCode == 0, policy.Stderr);
        Assert.Equal(used.CustodianName, policy.Json["provider"]!.GetValue<string>());
    }
}
