using System.Diagnostics;

namespace Custodian.ClaudeCode.Testing;

/// <summary>
/// The pinned Claude Code client, installed by <c>eng/install-claude-code.sh</c> into <c>.tools/claude-code</c> of
/// the checkout. The test command installs it before the tests; a test run on its own installs it on first use.
/// </summary>
public static class ClaudeCodeInstall
{
    /// <summary>The client version every real-client test runs against.</summary>
    public const string Version = "2.1.328";

    private static readonly Lazy<string> Path = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The checkout's root: the folder above the test binaries that holds <c>Custodian.slnx</c>.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The client's executable, installing it first when missing.</summary>
    public static string Executable => Path.Value;

    private static string Install()
    {
        var script = System.IO.Path.Combine(RepositoryRoot, "eng", "install-claude-code.sh");
        var start = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["CUSTODIAN_CLAUDE_CODE_VERSION"] = Version;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException(script + " did not finish within 5 minutes");
        }

        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {stderr.Result.Trim()}");
        var path = stdout.Result.Trim().Split('\n')[^1];
        return File.Exists(path) ? path : throw new InvalidOperationException($"{script} printed '{path}', which does not exist");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Custodian.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("no Custodian.slnx above " + AppContext.BaseDirectory);
    }
}
