using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Policy.Account;
using Custodian.Sessions;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian cleanup [--dry-run] [--days N] [--no-trash]</c>: the retention sweep (LOC-3..7).</summary>
internal static class CleanupCommand
{
    public static Command Create(CustodianCli cli)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be removed; change nothing" };
        var days = new Option<long?>("--days") { Description = "Keep what was active within N days (instead of cleanupPeriodDays)", HelpName = "N" };
        var noTrash = new Option<bool>("--no-trash") { Description = "Delete for good instead of moving to the trash (kept 7 days)" };
        var settings = new SettingsOptions();
        var command = new Command("cleanup", "Sweep local session data older than the retention period");
        command.Options.Add(dryRun);
        command.Options.Add(days);
        command.Options.Add(noTrash);
        settings.AddTo(command);
        command.SetAction(parse =>
        {
            var configDir = cli.ConfigDir(parse);
            var resolved = settings.Resolve(cli, parse);
            var account = LocalAccount.Read(configDir, resolved.EnvironmentVariables());
            var outcome = PolicyEngine.Evaluate(MachineContext.Build(resolved, account));
            if (outcome.Error is { } impossible) throw new UsageException(impossible.ToString());
            var local = outcome.Decisions!.LocalRetention;
            var json = cli.Json(parse);

            long period;
            if (parse.GetValue(days) is { } requested)
            {
                if (requested < 1) throw new UsageException($"--days: must be at least 1, not {requested}");
                var pinned = resolved.Values.TryGetValue("cleanupPeriodDays", out var pin) && pin.Scope == Policy.Settings.SettingsScope.Managed;
                if (pinned && local.PeriodDays.Value != requested)
                    throw new UsageException($"--days: cleanupPeriodDays is pinned to {local.PeriodDays.Value} by managed settings ({pin!.Source})");
                period = requested;
            }
            else if (!local.SweepRuns.Value || local.PeriodDays.Value is not { } fromPolicy)
            {
                var reason = local.PauseReason.Value.ToWireName();
                if (json)
                {
                    cli.WriteJson(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("result", "paused");
                        w.WriteString("pauseReason", reason);
                        w.WriteString("because", local.SweepRuns.Because);
                        w.WriteNull("periodDays");
                        w.WriteStartObject("deleted");
                        w.WriteNumber("sessions", 0);
                        w.WriteNumber("files", 0);
                        w.WriteNumber("bytes", 0);
                        w.WriteEndObject();
                        w.WriteNumber("retained", 0);
                        w.WriteNumber("errors", 0);
                        w.WriteEndObject();
                    });
                }

                cli.Host.Stderr.WriteLine($"custodian: cleanup paused ({reason}): {local.SweepRuns.Because}; nothing was deleted. Fix the settings, or pass --days N to sweep anyway.");
                return ExitCodes.Failure;
            }
            else
            {
                period = fromPolicy;
            }

            var layout = new ClaudeLayout(configDir);
            // Claude Code's own sweep uses the resolved period whatever --days says, and pauses where ours would (CUS-33).
            var clientPeriod = local.SweepRuns.Value ? local.PeriodDays.Value : null;
            var options = new SweepOptions(period, parse.GetValue(dryRun), parse.GetValue(noTrash), clientPeriod);
            using var sweepLock = options.DryRun ? null : SweepLock.TryAcquire(layout)
                ?? throw new OperationFailedException("another sweep or delete is running on this config dir; try again when it ends");
            var sweep = new RetentionSweep(layout, cli.Host.TimeProvider);
            SweepReport report;
            if (cli.Host.Interactive && !json && !options.DryRun)
            {
                report = null!;
                cli.Host.CreateConsole().Progress().Start(ctx =>
                {
                    var task = ctx.AddTask("Sweeping");
                    report = sweep.Run(options, new Progress(task));
                    task.Value = task.MaxValue;
                });
            }
            else
            {
                report = sweep.Run(options);
            }

            foreach (var problem in report.Problems) cli.Warn(problem.ToString());
            foreach (var error in report.Errors) cli.Warn("not removed: " + error);
            if (json) cli.WriteJson(w => WriteReport(w, report, period, options));
            else Render(cli.Host.CreateConsole(), report, period, options);
            return report.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void WriteReport(Utf8JsonWriter w, SweepReport report, long period, SweepOptions options)
    {
        w.WriteStartObject();
        w.WriteString("result", "ran");
        w.WriteNull("pauseReason");
        w.WriteNumber("periodDays", period);
        w.WriteBoolean("dryRun", options.DryRun);
        w.WriteBoolean("trash", !options.DeleteOutright);
        w.WriteString("cutoff", report.Cutoff.ToString("O", CultureInfo.InvariantCulture));
        w.WriteStartObject("deleted");
        w.WriteNumber("sessions", report.Sessions);
        w.WriteNumber("files", report.Files);
        w.WriteNumber("bytes", report.Bytes);
        w.WriteEndObject();
        w.WriteNumber("retained", report.RetainedSessions);
        w.WriteNumber("errors", report.Errors.Count);
        w.WriteNumber("trashEmptied", report.TrashEmptied);
        w.WriteNumber("recovered", report.Recovered);
        w.WriteNumber("skippedSymlinks", report.SkippedSymlinks);
        w.WriteNumber("problems", report.Problems.Count);
        w.WriteStartArray("items");
        foreach (var unit in report.Units)
        {
            w.WriteStartObject();
            w.WriteString("kind", unit.Kind == RemovalKind.Session ? "session" : "file");
            w.WriteString("name", unit.Name);
            w.WriteString("lastActivity", unit.LastActivity.ToString("O", CultureInfo.InvariantCulture));
            w.WriteNumber("bytes", unit.Bytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (report.ClientCutoff is { } clientCutoff)
        {
            w.WriteStartObject("claudeCodeSweep");
            w.WriteString("ages", "modification time");
            w.WriteString("cutoff", clientCutoff.ToString("O", CultureInfo.InvariantCulture));
            w.WriteStartArray("wouldDelete");
            foreach (var candidate in report.ClientWouldDelete)
            {
                w.WriteStartObject();
                w.WriteString("session", candidate.SessionId);
                w.WriteString("path", candidate.Path);
                w.WriteString("modified", candidate.Modified.ToString("O", CultureInfo.InvariantCulture));
                w.WriteString("lastActivity", candidate.LastActivity.ToString("O", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("claudeCodeSweep");
        }

        w.WriteStartArray("errorDetails");
        foreach (var error in report.Errors)
        {
            w.WriteStartObject();
            w.WriteString("name", error.Name);
            w.WriteString("path", error.Path);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Render(IAnsiConsole console, SweepReport report, long period, SweepOptions options)
    {
        if (options.DryRun && report.Units.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("Would be removed (dry run)");
            table.AddColumn("Kind");
            table.AddColumn("Name");
            table.AddColumn("Last activity");
            table.AddColumn(new TableColumn("Size").RightAligned());
            foreach (var unit in report.Units)
            {
                table.AddRow(unit.Kind == RemovalKind.Session ? "session" : "file", Markup.Escape(unit.Name),
                    unit.LastActivity.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Format.Bytes(unit.Bytes));
            }

            console.Write(table);
        }

        var verb = options.DryRun ? "Would remove" : options.DeleteOutright ? "Deleted" : "Moved to the trash";
        console.WriteLine(
            $"{verb}: {report.Sessions} session(s) and {report.Files} other item(s), {Format.Bytes(report.Bytes)}, " +
            $"last active before {report.Cutoff:yyyy-MM-dd} ({period} days). Kept {report.RetainedSessions} session(s).");
        if (!options.DryRun && !options.DeleteOutright && report.Units.Count > 0)
            console.WriteLine("Trashed items stay recoverable for 7 days: 'custodian trash list', 'custodian trash restore NAME'.");
        if (report.TrashEmptied > 0) console.WriteLine($"Emptied {report.TrashEmptied} trash entr(ies) older than 7 days.");
        if (report.Errors.Count > 0) console.WriteLine($"{report.Errors.Count} item(s) could not be removed and were left whole.");
        if (report.ClientWouldDelete.Count > 0)
        {
            // Custodian ages a session by its last activity (LOC-5); Claude Code's own sweep by each file's
            // modification time. Say where the two part, before the client acts on it (CUS-33).
            console.WriteLine(
                $"Claude Code's own sweep ages transcripts by modification time, not by last activity: at its next sweep it would delete " +
                $"{report.ClientWouldDelete.Count} file(s) that Custodian keeps (modified before {report.ClientCutoff:yyyy-MM-dd}):");
            foreach (var candidate in report.ClientWouldDelete)
            {
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {candidate.Path} (session {candidate.SessionId}, modified {candidate.Modified:yyyy-MM-dd}, last active {candidate.LastActivity:yyyy-MM-dd})"));
            }

            console.WriteLine("Touching a file (touch FILE) keeps it from Claude Code's sweep; Custodian's sweep is not moved by it.");
        }
    }

    private sealed class Progress(ProgressTask task) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            // Units move in parallel, so reports can arrive out of order: the bar never goes back.
            task.Value = Math.Max(task.Value, value.Done);
        }
    }
}
