using System.CommandLine;
using System.Globalization;
using Custodian.Sessions;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian trash list|restore</c>: what the sweep and deletes moved aside, recoverable for 7 days (LOC-7).</summary>
internal static class TrashCommand
{
    public static Command Create(CustodianCli cli)
    {
        var command = new Command("trash", "List or restore trashed sessions and files");

        var list = new Command("list", "List the trash, oldest first");
        list.SetAction(parse =>
        {
            var layout = new ClaudeLayout(cli.ConfigDir(parse));
            var trash = new SessionTrash(layout, cli.Host.TimeProvider);
            using (var sweepLock = SweepLock.TryAcquire(layout))
            {
                // Finish removals a killed process left half done, unless a sweep is running right now.
                if (sweepLock is not null) trash.Recover();
            }

            var entries = trash.List();
            if (cli.Json(parse))
            {
                cli.WriteJson(w =>
                {
                    w.WriteStartArray();
                    foreach (var e in entries)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", e.EntryId);
                        w.WriteString("kind", e.Kind == RemovalKind.Session ? "session" : "file");
                        w.WriteString("name", e.Name);
                        w.WriteString("trashedAt", e.TrashedAt.ToString("O", CultureInfo.InvariantCulture));
                        w.WriteString("purgeAfter", e.TrashedAt.AddDays(SessionTrash.RetentionDays).ToString("O", CultureInfo.InvariantCulture));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
                return ExitCodes.Success;
            }

            var console = cli.Host.CreateConsole();
            if (entries.Count == 0)
            {
                console.WriteLine("The trash is empty.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Entry");
            table.AddColumn("Kind");
            table.AddColumn("Name");
            table.AddColumn("Emptied after");
            foreach (var e in entries)
            {
                table.AddRow(Markup.Escape(e.EntryId), e.Kind == RemovalKind.Session ? "session" : "file", Markup.Escape(e.Name),
                    e.TrashedAt.AddDays(SessionTrash.RetentionDays).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            return ExitCodes.Success;
        });

        var restore = new Command("restore", "Put a trashed session or file back where it was");
        var id = new Argument<string>("ENTRY") { Description = "The trash entry, or the session id / name it holds" };
        restore.Arguments.Add(id);
        restore.SetAction(parse =>
        {
            var layout = new ClaudeLayout(cli.ConfigDir(parse));
            using var sweepLock = SweepLock.TryAcquire(layout)
                ?? throw new OperationFailedException("a sweep or delete is running on this config dir; try again when it ends");
            var trash = new SessionTrash(layout, cli.Host.TimeProvider);
            trash.Recover();
            var name = parse.GetValue(id)!;
            if (trash.Restore(name) is { } error)
            {
                if (error.Message == "no such trash entry") throw new UsageException($"no such trash entry: {name}");
                throw new OperationFailedException(error.ToString());
            }

            cli.Host.Stdout.WriteLine($"Restored {name}.");
            return ExitCodes.Success;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(restore);
        return command;
    }
}
