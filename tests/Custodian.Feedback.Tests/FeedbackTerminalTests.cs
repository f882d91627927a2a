using System.Diagnostics;
using System.Text;

namespace Custodian.Feedback.Tests;

/// <summary>
/// <c>custodian feedback</c> on a real terminal (a detached tmux session on its own socket): it shows the files,
/// sizes and redaction counts, and sends only after an explicit yes (SHR-6).
/// </summary>
public sealed class FeedbackTerminalTests : IDisposable
{
    private const string ExitMarker = "[feedback exited ";
    private readonly BundleTree _tree = new();
    private readonly string _socket = "custodian-feedback-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        Tmux(check: false, "kill-server");
        _tree.Dispose();
    }

    [Fact]
    [Trait("spec", "SHR-6")]
    [Trait("spec", "FBK-1")]
    public void On_a_terminal_it_shows_the_payload_and_only_a_yes_writes_the_bundle()
    {
        _tree.AddSession("s1", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 1, log: true);

        Start("no");
        var screen = WaitFor("Send this bundle");
        Assert.Contains("transcripts/s1.jsonl", screen, StringComparison.Ordinal);
        Assert.Contains("subagents/s1/agent-a0b0.jsonl", screen, StringComparison.Ordinal);
        Assert.Contains("logs/s1.log", screen, StringComparison.Ordinal);
        Assert.Contains("anthropic-api-key 2", screen, StringComparison.Ordinal);
        Assert.Contains("local archive", screen, StringComparison.Ordinal);
        Assert.All(BundleTree.Secrets, s => Assert.DoesNotContain(s, screen, StringComparison.Ordinal));
        Type("n");
        screen = WaitFor(ExitMarker);
        Assert.Contains(ExitMarker + "1]", screen, StringComparison.Ordinal);
        Assert.Contains("nothing was sent or written", screen, StringComparison.Ordinal);
        Assert.Empty(_tree.ArchiveFiles());

        // The first session stays until Dispose kills the server: killing the last session makes tmux exit, and a
        // session started right after could reach the exiting server ("server exited unexpectedly", seen in CI).
        Start("yes");
        WaitFor("Send this bundle");
        Type("y");
        screen = WaitFor(ExitMarker);
        Assert.Contains(ExitMarker + "0]", screen, StringComparison.Ordinal);
        Assert.Single(_tree.FinalBundles());
    }

    private void Start(string name)
    {
        var dll = typeof(Custodian.Cli.CustodianCli).Assembly.Location;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["TERM"] = "xterm-256color",
            ["LANG"] = "C.UTF-8",
            ["HOME"] = _tree.Home,
            ["CUSTODIAN_MANAGED_SETTINGS_DIR"] = _tree.ManagedDir,
        };
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root) variables["DOTNET_ROOT"] = root;
        var command = new StringBuilder("env -i");
        foreach (var (key, value) in variables) command.Append(' ').Append(Quote(key + "=" + value));
        command.Append(" dotnet exec ").Append(Quote(dll)).Append(" feedback --session s1");
        command.Append("; echo \"").Append(ExitMarker).Append("$?]\"; sleep 600");
        Tmux(check: true, "new-session", "-d", "-x", "160", "-y", "50", "-s", name, "-c", _tree.ProjectDir, command.ToString());
        _current = name;
    }

    private string _current = "";

    private void Type(string text)
    {
        Tmux(check: true, "send-keys", "-t", _current, "-l", text);
        Tmux(check: true, "send-keys", "-t", _current, "Enter");
    }

    private string WaitFor(string text)
    {
        var watch = Stopwatch.StartNew();
        string screen;
        while (!(screen = Tmux(check: true, "capture-pane", "-p", "-J", "-t", _current, "-S", "-")).Contains(text, StringComparison.Ordinal))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(90)) Assert.Fail($"timed out waiting for '{text}'; the screen:\n{screen}");
            Thread.Sleep(100);
        }

        return screen;
    }

    private string Tmux(bool check, params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_socket);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0) Assert.Fail($"tmux {string.Join(' ', args)}: {error}");
        return output;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
