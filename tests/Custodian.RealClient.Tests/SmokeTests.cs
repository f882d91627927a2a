using Custodian.ClaudeCode.Testing;

namespace Custodian.RealClient.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Print_run_writes_a_transcript()
    {
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        api.Script("hello there", ScriptedTurn.Text("Hi from the stand-in."));
        var run = await sandbox.PrintAsync("hello there");
        foreach (var r in api.Requests) Console.WriteLine(r + " tools=" + r.OffersTools + " first=" + r.FirstUserText[..Math.Min(80, r.FirstUserText.Length)].Replace('\n', ' '));
        Console.WriteLine(run.Describe());
        Assert.Equal("Hi from the stand-in.", run.Result);
        Assert.True(File.Exists(sandbox.TranscriptPath(run.SessionId)));
    }
}
