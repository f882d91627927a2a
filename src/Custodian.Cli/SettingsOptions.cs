using System.CommandLine;
using Custodian.Policy.Settings;

namespace Custodian.Cli;

/// <summary>
/// The options that choose which settings files are read (SET-1), for commands that act on the real machine:
/// <c>--settings FILE</c>, <c>--setting-sources user,project,local</c> and <c>--project DIR</c>.
/// </summary>
public sealed class SettingsOptions
{
    /// <summary><c>--settings FILE</c>: an extra settings file, above project and user settings.</summary>
    public Option<string?> SettingsFile { get; } = new("--settings")
    {
        Description = "An additional settings file (precedence below managed settings, above project settings)",
        HelpName = "FILE",
    };

    /// <summary><c>--setting-sources LIST</c>: which of user, project, local are read.</summary>
    public Option<string?> SettingSources { get; } = new("--setting-sources")
    {
        Description = "Comma-separated settings sources to read: user, project, local (default: all)",
        HelpName = "LIST",
    };

    /// <summary><c>--project DIR</c>: the project whose <c>.claude/</c> settings apply (default: the working directory).</summary>
    public Option<string?> Project { get; } = new("--project")
    {
        Description = "The project directory whose .claude/settings*.json apply (default: the working directory)",
        HelpName = "DIR",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(SettingsFile);
        command.Options.Add(SettingSources);
        command.Options.Add(Project);
    }

    /// <summary>The settings locations for this invocation; a bad flag value is a <see cref="UsageException"/>.</summary>
    public SettingsLocations Locations(CustodianCli cli, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(parse);
        var host = cli.Host;
        var project = parse.GetValue(Project) is { } p ? Path.GetFullPath(p, host.CurrentDirectory) : host.CurrentDirectory;
        if (!Directory.Exists(project)) throw new UsageException($"--project: no such directory: {project}");

        var settingsFile = parse.GetValue(SettingsFile) is { } f ? Path.GetFullPath(f, host.CurrentDirectory) : null;
        if (settingsFile is not null && !File.Exists(settingsFile)) throw new UsageException($"--settings: no such file: {settingsFile}");

        var locations = SettingsLocations.FromEnvironment(
            host.Environment, host.HomeDirectory, parse.GetValue(cli.ConfigDirOption), project, settingsFile);
        if (parse.GetValue(SettingSources) is { } sources)
        {
            if (!SettingsLocations.TryParseSettingSources(sources, out var excluded, out var error))
                throw new UsageException("--setting-sources: " + error);
            locations = locations with { ExcludedScopes = excluded };
        }

        return locations;
    }

    /// <summary>Reads the settings for this invocation and reports each problem as a warning on stderr (SET-6).</summary>
    public ResolvedSettings Resolve(CustodianCli cli, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var resolved = SettingsResolver.Resolve(Locations(cli, parse), cli.Host.Environment);
        foreach (var problem in resolved.Problems)
        {
            cli.Warn(problem.ToString());
        }

        return resolved;
    }
}
