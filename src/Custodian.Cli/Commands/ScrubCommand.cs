using System.CommandLine;
using System.Text.Json;
using Custodian.Sessions;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian scrub [--dry-run]</c>: redacts secrets in place in every local transcript
/// (<c>&lt;config-dir&gt;/projects/**/*.jsonl</c>, subagent transcripts included), atomically per file and keeping
/// each file's modification time and mode (CUS-31). The walk and the rewrite are <see cref="TranscriptScrubber"/>'s.
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
            var dry = parse.GetValue(dryRun);
            var result = new TranscriptScrubber(new ClaudeLayout(cli.ConfigDir(parse))).ScrubAll(dry);
            foreach (var error in result.Errors) cli.Warn(error.ToString());
            if (cli.Json(parse)) cli.WriteJson(w => WriteJson(w, result, dry));
            else Print(cli.Host.Stdout, result, dry);
            return result.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void WriteJson(Utf8JsonWriter w, ScrubReport result, bool dryRun)
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

    private static void Print(TextWriter stdout, ScrubReport result, bool dryRun)
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
