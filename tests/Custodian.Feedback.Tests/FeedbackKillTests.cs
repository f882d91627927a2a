using System.Diagnostics;
using System.Globalization;
using System.Text;
using Custodian.Feedback.Bundles;

namespace Custodian.Feedback.Tests;

/// <summary>
/// <c>custodian feedback --yes</c> as a separate process on a large session, killed with SIGKILL while it writes the
/// archive: no file under a final bundle name is left behind, and the next run removes the leftovers.
/// </summary>
public sealed class FeedbackKillTests : IDisposable
{
    private const long TranscriptBytes = 128L * 1024 * 1024;

    private readonly BundleTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "RED-4")]
    public async Task A_run_killed_while_writing_leaves_no_partial_bundle_and_the_next_run_cleans_up()
    {
        WriteLargeSession("big");
        _tree.AddSession("small", "session_b.jsonl", TimeSpan.FromHours(2));

        using var process = Start("feedback", "--yes", "--session", "big", "--config-dir", _tree.ConfigDir);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Wait until the archive itself is being written (its temporary file exists and grows), then kill.
        var archivePrefix = BundleFiles.TemporaryPrefix + process.Id.ToString(CultureInfo.InvariantCulture) + "-";
        var deadline = Stopwatch.StartNew();
        string? partial = null;
        while (partial is null)
        {
            Assert.False(process.HasExited, "the run ended before it was killed: " + output);
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(5), "the archive was never started: " + output);
            partial = Directory.Exists(_tree.ArchiveDir)
                ? Directory.GetFiles(_tree.ArchiveDir, archivePrefix + "*.tar.gz.partial").FirstOrDefault(f => new FileInfo(f).Length > 0)
                : null;
            if (partial is null) await Task.Delay(5);
        }

        process.Kill(); // SIGKILL: no finally block, no cleanup runs
        await process.WaitForExitAsync();

        Assert.Empty(_tree.FinalBundles());
        Assert.All(_tree.ArchiveFiles(), f => Assert.StartsWith(archivePrefix, f, StringComparison.Ordinal));
        Assert.Contains(Path.GetFileName(partial), _tree.ArchiveFiles());

        var next = await _tree.RunAsync("feedback", "--yes", "--session", "small");

        Assert.True(next.ExitCode == 0, next.ToString());
        var final = Assert.Single(_tree.ArchiveFiles());
        Assert.True(BundleFiles.IsFinalName(final));
        Assert.True(BundleVerifier.Verify(Path.Combine(_tree.ArchiveDir, final)).Intact);
    }

    /// <summary>A transcript of <see cref="TranscriptBytes"/> of poorly compressible text, so writing the archive takes a while.</summary>
    private void WriteLargeSession(string id)
    {
        var project = _tree.Layout.ProjectDirFor(_tree.ProjectDir);
        Directory.CreateDirectory(project);
        var random = new Random(20260301);
        var payload = new byte[3 * 1024];
        var stamp = BundleTree.Now.AddMinutes(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        using var writer = new StreamWriter(Path.Combine(project, id + ".jsonl"), false, new UTF8Encoding(false), 1 << 20);
        long written = 0;
        for (var i = 0; written < TranscriptBytes; i++)
        {
            random.NextBytes(payload);
            var line = $$$"""{"type":"user","timestamp":"{{{stamp}}}","sessionId":"{{{id}}}","uuid":"u{{{i}}}","message":{"role":"user","content":"{{{Convert.ToBase64String(payload)}}}"}}""";
            writer.Write(line);
            writer.Write('\n');
            written += line.Length + 1;
        }
    }

    private Process Start(params string[] args)
    {
        var dll = typeof(Custodian.Cli.CustodianCli).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _tree.ProjectDir,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);

        // Only what the run needs: never the test machine's own keys or Claude settings.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name is not ("PATH" or "DOTNET_ROOT" or "DOTNET_CLI_HOME" or "TMPDIR" or "LANG")) start.Environment.Remove(name);
        }

        start.Environment["HOME"] = _tree.Home;
        start.Environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = _tree.ManagedDir;
        start.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }
}
