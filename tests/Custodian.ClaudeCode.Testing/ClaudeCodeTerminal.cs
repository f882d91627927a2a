using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Custodian.ClaudeCode.Testing;

/// <summary>
/// The real client run interactively, as a person meets it: in a detached tmux session on a socket of its own, keys
/// sent in and the screen read back. The tmux server (and the client with it) is killed on dispose.
/// </summary>
public sealed class ClaudeCodeTerminal : IDisposable
{
    private readonly string _socket = "custodian-claude-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The input line's prompt character: the client is ready for a prompt once it is drawn.</summary>
    public const string InputPrompt = "\u276F";

    private ClaudeCodeTerminal()
    {
    }

    /// <summary>
    /// Starts <c>claude ARGS</c> in the sandbox's project folder with the sandbox's environment. The first-run
    /// screens are settled beforehand in <c>&lt;Home&gt;/.claude.json</c> (onboarding done, a theme, the folder
    /// trusted); the one question left, whether to use the API key from the environment, is answered yes.
    /// </summary>
    public static async Task<ClaudeCodeTerminal> StartAsync(ClaudeCodeSandbox sandbox, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var state = new JsonObject
        {
            ["hasCompletedOnboarding"] = true,
            ["theme"] = "dark",
            ["projects"] = new JsonObject { [sandbox.ProjectDir] = new JsonObject { ["hasTrustDialogAccepted"] = true } },
        };
        var statePath = Path.Combine(sandbox.Home, ".claude.json");
        if (!File.Exists(statePath)) File.WriteAllText(statePath, state.ToJsonString());

        var terminal = new ClaudeCodeTerminal();
        var command = new List<string> { "env", "-i" };
        foreach (var (name, value) in sandbox.Environment) command.Add(name + "=" + value);
        command.Add(ClaudeCodeInstall.Executable);
        command.AddRange(arguments);
        terminal.Tmux(["new-session", "-d", "-x", "160", "-y", "50", "-c", sandbox.ProjectDir, string.Join(' ', command.Select(Quote))]);
        // The API-key question comes first on a fresh HOME; "No (recommended)" is preselected, so Up, then Enter.
        var screen = await terminal.WaitForAnyAsync(["Do you want to use this API key", InputPrompt], TimeSpan.FromSeconds(30));
        if (screen.Contains("Do you want to use this API key", StringComparison.Ordinal))
        {
            terminal.SendKeys("Up");
            terminal.SendKeys("Enter");
            await terminal.WaitForAsync(InputPrompt, TimeSpan.FromSeconds(30));
        }

        return terminal;
    }

    /// <summary>The screen as text, now.</summary>
    public string Screen() => Tmux(["capture-pane", "-p", "-J"]);

    /// <summary>Sends tmux key names (<c>Enter</c>, <c>Up</c>, <c>C-c</c>).</summary>
    public void SendKeys(params string[] keys) => Tmux(["send-keys", .. keys]);

    /// <summary>Types text literally (no key names).</summary>
    public void Type(string text) => Tmux(["send-keys", "-l", text]);

    /// <summary>Waits until the screen shows <paramref name="text"/>; fails with the screen when it does not.</summary>
    public Task<string> WaitForAsync(string text, TimeSpan timeout) => WaitForAnyAsync([text], timeout);

    /// <summary>Waits until the screen shows any of <paramref name="texts"/>.</summary>
    public async Task<string> WaitForAnyAsync(IReadOnlyList<string> texts, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var screen = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            screen = Screen();
            if (texts.Any(t => screen.Contains(t, StringComparison.Ordinal))) return screen;
            await Task.Delay(200);
        }

        throw new TimeoutException($"the screen never showed '{string.Join("' or '", texts)}' within {timeout.TotalSeconds} s:\n{screen}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Tmux(["kill-server"]);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private string Tmux(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_socket);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start tmux");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("tmux " + string.Join(' ', args) + " did not finish");
        }

        if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {stderr.Result.Trim()}");
        return stdout.Result;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
