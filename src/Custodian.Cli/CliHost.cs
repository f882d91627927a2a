using System.Collections;
using Spectre.Console;

namespace Custodian.Cli;

/// <summary>
/// What a command may touch of the outside world: its streams, environment, directories and clock.
/// The process passes the real ones; tests pass their own, so commands run in-process exactly as they would.
/// </summary>
public sealed class CliHost
{
    /// <summary>Creates a host.</summary>
    public CliHost(
        TextWriter stdout,
        TextWriter stderr,
        TextReader stdin,
        IReadOnlyDictionary<string, string> environment,
        string homeDirectory,
        string currentDirectory,
        TimeProvider? timeProvider = null,
        bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(environment);
        Stdout = stdout;
        Stderr = stderr;
        Stdin = stdin;
        Environment = environment;
        HomeDirectory = homeDirectory;
        CurrentDirectory = currentDirectory;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Interactive = interactive;
    }

    /// <summary>Standard output: results only, so pipes and <c>--json</c> stay clean.</summary>
    public TextWriter Stdout { get; }

    /// <summary>Standard error: warnings and one-line errors.</summary>
    public TextWriter Stderr { get; }

    /// <summary>Standard input.</summary>
    public TextReader Stdin { get; }

    /// <summary>The process environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The user's home directory.</summary>
    public string HomeDirectory { get; }

    /// <summary>The working directory.</summary>
    public string CurrentDirectory { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>True when stdout is a terminal a person is looking at (colours, progress bars).</summary>
    public bool Interactive { get; }

    /// <summary>The host of this process.</summary>
    public static CliHost FromProcess()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            env[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) home = env.GetValueOrDefault("HOME", "/");
        // Console.Out flushes every 256 characters: a 4 MB listing became 23,000 write calls. Redirected output
        // gets a 64 KB buffer, still flushed after every Write call so a line a script waits for is never held back.
        var stdout = Console.IsOutputRedirected
            ? TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = true })
            : Console.Out;
        return new CliHost(
            stdout,
            Console.Error,
            Console.In,
            env,
            home,
            Directory.GetCurrentDirectory(),
            TimeProvider.System,
            interactive: !Console.IsOutputRedirected);
    }

    /// <summary>A Spectre console over <see cref="Stdout"/>: colours only for an interactive terminal.</summary>
    public IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Stdout),
            Ansi = Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = Interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!Interactive) console.Profile.Width = 160;
        return console;
    }
}
