using System.Collections;
using Custodian.Cli.Internal;
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
        bool interactive = false,
        Stream? stdoutBytes = null,
        Stream? stdinBytes = null)
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
        StdoutBytes = stdoutBytes ?? new TextWriterStream(stdout);
        StdinBytes = stdinBytes ?? new TextReaderStream(stdin);
    }

    /// <summary>Standard output: results only, so pipes and <c>--json</c> stay clean.</summary>
    public TextWriter Stdout { get; }

    /// <summary>Standard error: warnings and one-line errors.</summary>
    public TextWriter Stderr { get; }

    /// <summary>Standard input.</summary>
    public TextReader Stdin { get; }

    /// <summary>
    /// Standard output as bytes, for commands that copy data (<c>redact</c>): no decoding or encoding on the way. A command
    /// uses either this or <see cref="Stdout"/> for its results. Without a byte stream of its own, a host decodes the
    /// bytes as UTF-8 into <see cref="Stdout"/>.
    /// </summary>
    public Stream StdoutBytes { get; }

    /// <summary>Standard input as bytes; without a byte stream of its own, a host encodes <see cref="Stdin"/> as UTF-8.</summary>
    public Stream StdinBytes { get; }

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
        // The text writer flushes after every call, so it and the byte stream (the same descriptor) never reorder output.
        var stdoutBytes = Console.OpenStandardOutput();
        var stdout = Console.IsOutputRedirected
            ? TextWriter.Synchronized(new StreamWriter(stdoutBytes, new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = true })
            : Console.Out;
        return new CliHost(
            stdout,
            Console.Error,
            Console.In,
            env,
            home,
            Directory.GetCurrentDirectory(),
            TimeProvider.System,
            interactive: !Console.IsOutputRedirected,
            stdoutBytes,
            Console.OpenStandardInput());
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
