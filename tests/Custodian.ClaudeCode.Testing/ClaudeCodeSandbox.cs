using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Custodian.ClaudeCode.Testing;

/// <summary>One finished run of <c>claude -p</c>.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Stdout">Everything it printed.</param>
/// <param name="Stderr">Everything it printed on stderr.</param>
public sealed record ClaudeRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The <c>--output-format json</c> object, or null when stdout was not one.</summary>
    public JsonNode? Json { get; } = Parse(Stdout);

    /// <summary>The session the run wrote.</summary>
    public string SessionId => Json?["session_id"]?.GetValue<string>() ?? throw new InvalidOperationException("no session_id in: " + Describe());

    /// <summary>The final reply's text.</summary>
    public string? Result => Json?["result"]?.GetValue<string>();

    /// <summary>True when the client reported an error, or printed no result object.</summary>
    public bool IsError => Json?["is_error"]?.GetValue<bool>() ?? true;

    /// <summary>A summary for assertion messages.</summary>
    public string Describe() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";

    private static JsonNode? Parse(string stdout)
    {
        var text = stdout.Trim();
        if (text.Length == 0 || text[0] != '{') return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// A throwaway HOME and project folder in which the real Claude Code runs offline against a
/// <see cref="MessagesStandIn"/>: the client's config dir is <c>&lt;Home&gt;/.claude</c>, auto-update and
/// non-essential traffic are off, and the machine's own environment is not passed on (only <c>PATH</c>, so the
/// client finds its shell tools), so nothing of the test machine's <c>~/.claude</c> is read or written. Its proxy is
/// an <see cref="EgressTrap"/>: whatever it would send beyond loopback is refused and recorded.
/// </summary>
public sealed class ClaudeCodeSandbox : IDisposable
{
    /// <summary>Creates a sandbox whose client talks to <paramref name="api"/>.</summary>
    public ClaudeCodeSandbox(MessagesStandIn api)
    {
        ArgumentNullException.ThrowIfNull(api);
        Api = api;
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "custodian-claude-" + Guid.NewGuid().ToString("N")[..12]);
        Home = System.IO.Path.Combine(Root, "home");
        ConfigDir = System.IO.Path.Combine(Home, ".claude");
        ProjectDir = System.IO.Path.Combine(Root, "work", "project");
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(ProjectDir);
        Environment["HOME"] = Home;
        Environment["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        Environment["LANG"] = "C.UTF-8";
        Environment["TERM"] = "xterm-256color";
        Environment["ANTHROPIC_BASE_URL"] = api.BaseAddress.ToString().TrimEnd('/');
        Environment["ANTHROPIC_API_KEY"] = "sk-ant-api03-standin-not-a-real-key";
        Environment["DISABLE_AUTOUPDATER"] = "1";
        Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        foreach (var name in new[] { "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy" }) Environment[name] = Egress.Address.ToString().TrimEnd('/');
        Environment["NO_PROXY"] = Environment["no_proxy"] = "127.0.0.1,localhost";
        // The machine-wide managed settings (/etc/claude-code) cannot be redirected; tests that need managed
        // settings write them through Custodian's own CUSTODIAN_MANAGED_SETTINGS_DIR instead.
    }

    /// <summary>The client's proxy: every destination beyond loopback it tried, refused.</summary>
    public EgressTrap Egress { get; } = new();

    /// <summary>The stand-in this sandbox's client talks to.</summary>
    public MessagesStandIn Api { get; }

    /// <summary>The sandbox's root folder, removed on dispose.</summary>
    public string Root { get; }

    /// <summary>The client's HOME.</summary>
    public string Home { get; }

    /// <summary>The client's config dir, <c>&lt;Home&gt;/.claude</c>.</summary>
    public string ConfigDir { get; }

    /// <summary>The working directory the client runs in.</summary>
    public string ProjectDir { get; }

    /// <summary>The client's environment; a test may add or remove variables before a run.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The folder of <see cref="ProjectDir"/>'s transcripts under <c>projects/</c> (LOC-1).</summary>
    public string ProjectTranscriptsDir =>
        System.IO.Path.Combine(ConfigDir, "projects", EncodeProject(ProjectDir));

    /// <summary>The transcript of a session started in <see cref="ProjectDir"/>.</summary>
    public string TranscriptPath(string sessionId) => System.IO.Path.Combine(ProjectTranscriptsDir, sessionId + ".jsonl");

    /// <summary>Points the client's OpenTelemetry exporters at <paramref name="receiver"/>.</summary>
    public void ExportTelemetryTo(OtlpJsonReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        foreach (var (name, value) in receiver.ClientEnvironment) Environment[name] = value;
    }

    /// <summary>
    /// Lets the client open its non-essential flows (the survey, metrics, feature flags), for tests of the switches
    /// that govern them. The <see cref="Egress"/> trap still refuses every one of them that would leave loopback.
    /// </summary>
    public void AllowNonessentialTraffic() => Environment.Remove("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC");

    /// <summary>Writes a file under the sandbox root (or at an absolute path) and returns its full path.</summary>
    public string Write(string path, string content)
    {
        var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Root, path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    /// <summary>Writes the client's user settings, <c>&lt;ConfigDir&gt;/settings.json</c>.</summary>
    public string WriteUserSettings(JsonObject settings) =>
        Write(System.IO.Path.Combine(ConfigDir, "settings.json"), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Runs <c>claude -p PROMPT --output-format json</c> with any further arguments.</summary>
    public Task<ClaudeRun> PrintAsync(string prompt, params string[] arguments) =>
        RunAsync(["-p", prompt, "--output-format", "json", .. arguments]);

    /// <summary>Runs <c>claude -p PROMPT --resume SESSION --output-format json</c>.</summary>
    public Task<ClaudeRun> ResumeAsync(string sessionId, string prompt, params string[] arguments) =>
        RunAsync(["-p", prompt, "--resume", sessionId, "--output-format", "json", .. arguments]);

    /// <summary>Runs the client with <paramref name="arguments"/> and waits for it (at most two minutes).</summary>
    public async Task<ClaudeRun> RunAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(ClaudeCodeInstall.Executable)
        {
            WorkingDirectory = ProjectDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in Environment) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start claude");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"claude {string.Join(' ', arguments)} did not finish within 2 minutes; stderr: {await stderr}");
        }

        return new ClaudeRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Claude Code's folder name for a working directory: every non-alphanumeric character becomes <c>-</c>.</summary>
    public static string EncodeProject(string workingDirectory)
    {
        var chars = workingDirectory.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i])) chars[i] = '-';
        }

        return new string(chars);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Egress.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
