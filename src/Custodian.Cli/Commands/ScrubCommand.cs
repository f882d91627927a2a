using System.CommandLine;
using System.Text.Json;
using Custodian.Redaction;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian scrub [--dry-run]</c>: redacts secrets in place in every local transcript
/// (<c>&lt;config-dir&gt;/projects/**/*.jsonl</c>, subagent transcripts included), atomically per file:
/// the redacted copy is written beside the file and renamed over it, so a crash leaves each file old or new.
/// </summary>
internal static class ScrubCommand
{
    public static Command Create(CustodianCli cli)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be replaced; change nothing" };
        var command = new Command("scrub", "Redact secrets in place in every local transcript, atomically per file");
        command.Options.Add(dryRun);
        command.SetAction(parse =>
        {
            var configDir = cli.ConfigDir(parse);
            var dry = parse.GetValue(dryRun);
            var result = Scrub(Path.Combine(configDir, "projects"), dry);
            foreach (var error in result.Errors) cli.Warn(error);
            if (cli.Json(parse)) cli.WriteJson(w => WriteJson(w, result, dry));
            else Print(cli.Host.Stdout, result, dry);
            return result.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private sealed record FileResult(string RelativePath, RedactionReport Report);

    private sealed record ScrubResult(List<FileResult> Files, RedactionReport Total, int Scanned, int SkippedSymlinks, List<string> Errors);

    private static ScrubResult Scrub(string projects, bool dryRun)
    {
        var result = new ScrubResult([], RedactionReport.Empty, 0, 0, []);
        if (!Directory.Exists(projects) || new DirectoryInfo(projects).LinkTarget is not null)
        {
            return result;
        }

        var total = RedactionReport.Empty;
        int scanned = 0, symlinks = 0;
        var pending = new Stack<string>();
        pending.Push(projects);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                // Never follow a link: it could lead out of the config dir.
                if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    symlinks++;
                    continue;
                }

                if (entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                    continue;
                }

                if (!entry.Name.EndsWith(".jsonl", StringComparison.Ordinal) || entry.Name.StartsWith('.'))
                {
                    continue;
                }

                scanned++;
                var relative = Path.GetRelativePath(projects, entry.FullName);
                try
                {
                    var report = dryRun ? Count(entry.FullName) : Rewrite((FileInfo)entry);
                    if (!report.IsEmpty)
                    {
                        result.Files.Add(new FileResult(relative, report));
                        total = total.Add(report);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or RedactionException)
                {
                    result.Errors.Add($"{relative}: not scrubbed, left as it was: {e.Message}");
                }
            }
        }

        return result with { Total = total, Scanned = scanned, SkippedSymlinks = symlinks };
    }

    private static RedactionReport Count(string path)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        return Redactor.Default.Redact(input, Stream.Null);
    }

    /// <summary>Redacts into a temporary file in the same directory, then renames it over the original.</summary>
    private static RedactionReport Rewrite(FileInfo file)
    {
        var temp = Path.Combine(file.DirectoryName!, "." + file.Name + "." + Guid.NewGuid().ToString("N")[..8] + ".scrub-tmp");
        try
        {
            RedactionReport report;
            long length = file.Length;
            DateTime written = file.LastWriteTimeUtc;
            using (var input = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                report = Redactor.Default.Redact(input, output);
                output.Flush(flushToDisk: true);
            }

            file.Refresh();
            if (report.IsEmpty)
            {
                return report;
            }

            if (file.Length != length || file.LastWriteTimeUtc != written)
            {
                throw new IOException("it changed while being scrubbed (a session is writing to it); run scrub again later");
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(file.FullName));
            }

            File.Move(temp, file.FullName, overwrite: true);
            return report;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static void WriteJson(Utf8JsonWriter w, ScrubResult result, bool dryRun)
    {
        w.WriteStartObject();
        w.WriteBoolean("dryRun", dryRun);
        w.WriteNumber("scanned", result.Scanned);
        w.WriteNumber("changed", result.Files.Count);
        w.WriteNumber("skippedSymlinks", result.SkippedSymlinks);
        w.WriteNumber("errors", result.Errors.Count);
        w.WritePropertyName("total");
        result.Total.WriteJson(w);
        w.WriteStartArray("files");
        foreach (var file in result.Files)
        {
            w.WriteStartObject();
            w.WriteString("path", file.RelativePath);
            w.WritePropertyName("redactions");
            file.Report.WriteJson(w);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Print(TextWriter stdout, ScrubResult result, bool dryRun)
    {
        foreach (var file in result.Files)
        {
            var rules = string.Join(", ", file.Report.Counts.Select(p => $"{p.Key} {p.Value}"));
            stdout.WriteLine($"{file.RelativePath}: {file.Report.Total} ({rules})");
        }

        var verb = dryRun ? "Would replace" : "Replaced";
        stdout.WriteLine($"{verb} {result.Total.Total} secret(s) in {result.Files.Count} of {result.Scanned} transcript(s).");
        if (result.SkippedSymlinks > 0) stdout.WriteLine($"Skipped {result.SkippedSymlinks} symbolic link(s).");
    }
}
