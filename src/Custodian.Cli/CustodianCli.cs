using System.CommandLine;
using System.Text.Json;
using Custodian.Cli.Commands;
using Custodian.Policy.Settings;

namespace Custodian.Cli;

/// <summary>
/// The <c>custodian</c> command line: a thin composition root. It parses, maps errors to the exit codes of
/// INTERFACES.md (2 for bad usage or input, with one line on stderr; 1 for a failed operation) and never
/// shows a stack trace.
/// </summary>
public sealed class CustodianCli
{
    /// <summary>Set to print stack traces of unexpected errors (for bug reports).</summary>
    public const string DebugVariable = "CUSTODIAN_DEBUG";

    private CustodianCli(CliHost host)
    {
        Host = host;
        ConfigDirOption = new Option<string?>("--config-dir")
        {
            Description = "The Claude config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)",
            HelpName = "DIR",
            Recursive = true,
        };
        JsonOption = new Option<bool>("--json")
        {
            Description = "Machine-readable JSON on stdout",
            Recursive = true,
        };
        Root = new RootCommand("custodian: see and control what your coding assistant keeps and sends.");
        Root.Options.Add(ConfigDirOption);
        Root.Options.Add(JsonOption);

        // One line per command; each command lives in Commands/ and builds itself from this CLI.
        Command[] commands =
        [
            PolicyCommand.Create(this),
            SettingsCommand.Create(this),
            SessionsCommand.Create(this),
            CleanupCommand.Create(this),
            TrashCommand.Create(this),
            ServeCommand.Create(this),
            KeysCommand.Create(this),
            AuditCommand.Create(this),
            RedactCommand.Create(this), ScrubCommand.Create(this),
            SurveyCommand.Create(this),
            DataflowCommand.Create(this),
            InstallCommand.CreateInstall(this),
            InstallCommand.CreateUninstall(this),
            HookCommand.Create(this),
            GuardCommand.Create(this),
            FeedbackCommand.Create(this),
            BundleCommand.Create(this),
        ];
        foreach (var command in commands)
        {
            Root.Subcommands.Add(command);
        }
    }

    /// <summary>The host: streams, environment, directories, clock.</summary>
    public CliHost Host { get; }

    /// <summary>The root command.</summary>
    public RootCommand Root { get; }

    /// <summary><c>--config-dir DIR</c>.</summary>
    public Option<string?> ConfigDirOption { get; }

    /// <summary><c>--json</c>.</summary>
    public Option<bool> JsonOption { get; }

    /// <summary>The config dir for this invocation: <c>--config-dir</c>, else <c>$CLAUDE_CONFIG_DIR</c>, else <c>~/.claude</c>.</summary>
    public string ConfigDir(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return SettingsLocations.ResolveConfigDir(Host.Environment, Host.HomeDirectory, parse.GetValue(ConfigDirOption));
    }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(JsonOption);
    }

    /// <summary>Writes a JSON document to stdout, followed by a newline.</summary>
    public void WriteJson(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        Host.Stdout.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        Host.Stdout.WriteLine();
    }

    /// <summary>Writes a warning line to stderr.</summary>
    public void Warn(string message) => Host.Stderr.WriteLine("custodian: warning: " + message);

    /// <summary>Runs <c>custodian</c> with <paramref name="args"/> on <paramref name="host"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        var cli = new CustodianCli(host);
        var parse = cli.Root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            host.Stderr.WriteLine("custodian: " + OneLine(parse.Errors[0].Message) + " (see 'custodian --help')");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = host.Stdout, Error = host.Stderr, EnableDefaultExceptionHandler = false },
                cancellationToken);
        }
        catch (UsageException e)
        {
            host.Stderr.WriteLine("custodian: " + OneLine(e.Message));
            return ExitCodes.Usage;
        }
        catch (OperationFailedException e)
        {
            host.Stderr.WriteLine("custodian: " + OneLine(e.Message));
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            host.Stderr.WriteLine("custodian: cancelled");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            host.Stderr.WriteLine("custodian: " + OneLine(e.Message));
            return ExitCodes.Failure;
        }
#pragma warning disable CA1031 // The last line of defence: a user sees one line, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            host.Stderr.WriteLine($"custodian: internal error: {OneLine(e.Message)} ({e.GetType().Name}; set {DebugVariable}=1 for details)");
            if (host.Environment.ContainsKey(DebugVariable)) host.Stderr.WriteLine(e.ToString());
            return ExitCodes.Failure;
        }
    }

    private static string OneLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
