using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Sessions;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian sessions list|show|resume|delete</c>: local sessions (LOC-1, LOC-2, LOC-8).</summary>
internal static class SessionsCommand
{
    public static Command Create(CustodianCli cli)
    {
        var command = new Command("sessions", "List, show, resume and delete local sessions");
        command.Subcommands.Add(List(cli));
        command.Subcommands.Add(Show(cli));
        command.Subcommands.Add(Resume(cli));
        command.Subcommands.Add(Delete(cli));
        return command;
    }

    private static Command List(CustodianCli cli)
    {
        var project = new Option<string?>("--project") { Description = "The sessions of this working directory (default: the current one)", HelpName = "DIR" };
        var all = new Option<bool>("--all") { Description = "The sessions of every project" };
        var command = new Command("list", "List sessions: id, project, first prompt, last activity, size, subagents");
        command.Options.Add(project);
        command.Options.Add(all);
        command.SetAction(parse =>
        {
            var layout = new ClaudeLayout(cli.ConfigDir(parse));
            string? folder = null;
            if (!parse.GetValue(all))
            {
                var dir = parse.GetValue(project) is { } p ? Path.GetFullPath(p, cli.Host.CurrentDirectory) : cli.Host.CurrentDirectory;
                folder = Path.GetFileName(layout.ProjectDirFor(dir));
            }

            var listing = new SessionCatalog(layout).List(folder);
            foreach (var problem in listing.Problems) cli.Warn(problem.ToString());
            if (cli.Json(parse))
            {
                cli.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("sessions");
                    foreach (var s in listing.Sessions) WriteSession(w, s);
                    w.WriteEndArray();
                    w.WriteNumber("problems", listing.Problems.Count);
                    w.WriteNumber("skippedSymlinks", listing.SkippedSymlinks);
                    w.WriteEndObject();
                });
                return ExitCodes.Success;
            }

            var console = cli.Host.CreateConsole();
            if (listing.Sessions.Count == 0)
            {
                console.WriteLine(folder is null ? "No sessions." : $"No sessions for this project ({folder}); use --all for every project.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in new[] { "Session", "Project", "First prompt", "Last activity", "Size", "Subagents" }) table.AddColumn(column);
            table.Columns[4].RightAligned();
            table.Columns[5].RightAligned();
            foreach (var s in listing.Sessions)
            {
                table.AddRow(
                    Markup.Escape(s.SessionId),
                    Markup.Escape(s.ProjectDisplay),
                    Markup.Escape(s.FirstPrompt ?? "—"),
                    Markup.Escape(Activity(s)),
                    Format.Bytes(s.SizeBytes),
                    s.SubagentCount.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
            console.WriteLine($"{listing.Sessions.Count} session(s), {Format.Bytes(listing.Sessions.Sum(s => s.SizeBytes))}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CustodianCli cli)
    {
        var id = new Argument<string>("ID") { Description = "The session id" };
        var command = new Command("show", "Show one session, with every line that could not be read");
        command.Arguments.Add(id);
        command.SetAction(parse =>
        {
            var layout = new ClaudeLayout(cli.ConfigDir(parse));
            var session = Find(layout, parse.GetValue(id)!);
            var problems = Problems(session);
            if (cli.Json(parse))
            {
                cli.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WritePropertyName("session");
                    WriteSession(w, session, subagentPaths: true);
                    w.WriteStartArray("problems");
                    foreach (var p in problems)
                    {
                        w.WriteStartObject();
                        w.WriteString("file", p.File);
                        w.WriteNumber("line", p.Line);
                        w.WriteString("message", p.Message);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
                return ExitCodes.Success;
            }

            var console = cli.Host.CreateConsole();
            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("Session", Markup.Escape(session.SessionId));
            grid.AddRow("Project", Markup.Escape(session.ProjectDisplay));
            grid.AddRow("Transcript", Markup.Escape(session.HasTranscript ? session.TranscriptPath : "(missing: only subagent transcripts are left)"));
            grid.AddRow("First prompt", Markup.Escape(session.FirstPrompt ?? "—"));
            grid.AddRow("Last activity", Markup.Escape(Activity(session)));
            grid.AddRow("Size", Format.Bytes(session.SizeBytes));
            grid.AddRow("Lines", session.Lines.ToString(CultureInfo.InvariantCulture));
            grid.AddRow("Subagents", session.SubagentCount.ToString(CultureInfo.InvariantCulture));
            grid.AddRow("Unreadable lines", session.ProblemCount.ToString(CultureInfo.InvariantCulture));
            console.Write(grid);
            foreach (var agent in session.SubagentTranscripts) console.WriteLine("  " + agent);
            foreach (var p in problems) console.WriteLine("  " + p);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Resume(CustodianCli cli)
    {
        var id = new Argument<string?>("ID") { Description = "The session id (default: the most recent session in the current directory)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("resume", "Print the transcript path of a session to resume");
        command.Arguments.Add(id);
        command.SetAction(parse =>
        {
            var layout = new ClaudeLayout(cli.ConfigDir(parse));
            var session = parse.GetValue(id) is { } given
                ? Find(layout, given)
                : new SessionCatalog(layout).MostRecentIn(cli.Host.CurrentDirectory)
                    ?? throw new OperationFailedException($"no session to resume in {cli.Host.CurrentDirectory}");
            if (!session.HasTranscript)
                throw new OperationFailedException($"session {session.SessionId} cannot be resumed: its transcript is gone, only subagent transcripts are left (CUS-28)");
            if (cli.Json(parse)) cli.WriteJson(w => WriteSession(w, session));
            else cli.Host.Stdout.WriteLine(session.TranscriptPath);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CustodianCli cli)
    {
        var id = new Argument<string>("ID") { Description = "The session id" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var noTrash = new Option<bool>("--no-trash") { Description = "Delete for good instead of moving to the trash (kept 7 days)" };
        var command = new Command("delete", "Delete a session: transcript, subagent folder and per-session files together");
        command.Arguments.Add(id);
        command.Options.Add(yes);
        command.Options.Add(noTrash);
        command.SetAction(parse =>
        {
            var layout = new ClaudeLayout(cli.ConfigDir(parse));
            var session = Find(layout, parse.GetValue(id)!);
            var outright = parse.GetValue(noTrash);
            if (!parse.GetValue(yes))
            {
                if (!cli.Host.Interactive)
                    throw new UsageException($"refusing to delete session {session.SessionId} without --yes (not a terminal to ask on)");
                var question = outright
                    ? $"Delete session {session.SessionId} ({Format.Bytes(session.SizeBytes)}) for good? It cannot be undone."
                    : $"Move session {session.SessionId} ({Format.Bytes(session.SizeBytes)}) to the trash (recoverable for 7 days)?";
                if (!cli.Host.CreateConsole().Confirm(Markup.Escape(question), defaultValue: false)) return ExitCodes.Failure;
            }

            using var sweepLock = SweepLock.TryAcquire(layout)
                ?? throw new OperationFailedException("another sweep or delete is running on this config dir; try again when it ends");
            var trash = new SessionTrash(layout, cli.Host.TimeProvider);
            trash.Recover();
            var paths = ClaudeLayout.SessionProjectPaths(session);
            paths.AddRange(layout.PerSessionFiles(session.SessionId));
            var unit = new RemovalUnit(RemovalKind.Session, session.SessionId, paths, session.LastActivity, session.SizeBytes);
            if (trash.Remove(unit, outright) is { } error) throw new OperationFailedException(error.ToString());

            if (cli.Json(parse))
            {
                cli.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("deleted", session.SessionId);
                    w.WriteBoolean("trash", !outright);
                    w.WriteNumber("paths", paths.Count);
                    w.WriteEndObject();
                });
            }
            else
            {
                cli.Host.Stdout.WriteLine(outright
                    ? $"Deleted session {session.SessionId} ({paths.Count} path(s))."
                    : $"Moved session {session.SessionId} to the trash ({paths.Count} path(s)); 'custodian trash restore {session.SessionId}' brings it back.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The unusable lines of a session's transcript and subagent transcripts, read afresh (LOC-8).</summary>
    private static List<TranscriptProblem> Problems(SessionInfo session)
    {
        var problems = new List<TranscriptProblem>();
        var files = new List<string>(session.SubagentTranscripts.Count + 1);
        if (session.HasTranscript) files.Add(session.TranscriptPath);
        files.AddRange(session.SubagentTranscripts);
        foreach (var file in files)
        {
            try
            {
                problems.AddRange(TranscriptScanner.Scan(file).Problems);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new TranscriptProblem(file, 0, "cannot be read: " + e.Message));
            }
        }

        return problems;
    }

    internal static SessionInfo Find(ClaudeLayout layout, string id) =>
        new SessionCatalog(layout).Find(id) ?? throw new UsageException($"no such session: {id} (under {layout.ProjectsDir})");

    internal static void WriteSession(Utf8JsonWriter w, SessionInfo s, bool subagentPaths = false)
    {
        w.WriteStartObject();
        w.WriteString("id", s.SessionId);
        w.WriteString("project", s.ProjectDisplay);
        w.WriteString("projectFolder", s.ProjectFolder);
        w.WriteString("transcript", s.TranscriptPath);
        w.WriteBoolean("transcriptMissing", !s.HasTranscript);
        w.WriteString("firstPrompt", s.FirstPrompt);
        w.WriteString("lastActivity", s.LastActivity.ToString("O", CultureInfo.InvariantCulture));
        w.WriteString("lastActivitySource", s.ActivitySource == ActivitySource.Timestamp ? "timestamp" : "mtime");
        w.WriteNumber("size", s.SizeBytes);
        w.WriteNumber("subagents", s.SubagentCount);
        if (subagentPaths)
        {
            // Only for one session: a listing of thousands would spend its time writing paths nobody asked for.
            w.WriteStartArray("subagentTranscripts");
            foreach (var agent in s.SubagentTranscripts) w.WriteStringValue(agent);
            w.WriteEndArray();
        }

        w.WriteNumber("lines", s.Lines);
        w.WriteNumber("problems", s.ProblemCount);
        w.WriteEndObject();
    }

    private static string Activity(SessionInfo s) =>
        s.LastActivity.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + (s.ActivitySource == ActivitySource.ModificationTime ? " (mtime)" : string.Empty);
}

/// <summary>Formatting shared by commands.</summary>
internal static class Format
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0 'KiB'", CultureInfo.InvariantCulture),
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.0 'MiB'", CultureInfo.InvariantCulture),
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.00 'GiB'", CultureInfo.InvariantCulture),
    };
}
