using System.CommandLine;
using Custodian.Guard;
using Custodian.Policy.Settings;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian install [--scope user|project|local|managed] [--dry-run]</c> and <c>custodian uninstall [--scope …]</c>:
/// the guard's hooks in one settings scope (GRD-1).
/// </summary>
internal static class InstallCommand
{
    /// <summary>
    /// Overrides the executable the hooks run, for packagers who ship a wrapper and for tests; the default is the build
    /// running <c>install</c>.
    /// </summary>
    public const string HookExecutableVariable = "CUSTODIAN_HOOK_EXECUTABLE";

    public static Command CreateInstall(CustodianCli cli) => Create(cli, install: true);

    public static Command CreateUninstall(CustodianCli cli) => Create(cli, install: false);

    private static Command Create(CustodianCli cli, bool install)
    {
        var scope = new Option<string>("--scope")
        {
            Description = "The settings file: user (<config-dir>/settings.json), project (.claude/settings.json), local (.claude/settings.local.json) or managed (a file of its own in the managed settings folder)",
            DefaultValueFactory = _ => "user",
            HelpName = "SCOPE",
        };
        scope.AcceptOnlyFromAmong("user", "project", "local", "managed");
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would change and change nothing" };
        var project = new Option<string?>("--project") { Description = "The project directory for the project and local scopes (default: the working directory)", HelpName = "DIR" };
        var command = install
            ? new Command("install", "Register Custodian's guard as Claude Code hooks: secrets blocked in prompts, redacted in tool output, scrubbed from transcripts")
            : new Command("uninstall", "Remove exactly the hooks 'custodian install' added");
        command.Options.Add(scope);
        command.Options.Add(dryRun);
        command.Options.Add(project);
        command.SetAction(parse =>
        {
            var host = cli.Host;
            GuardTarget.TryParse(parse.GetValue(scope), out var chosen);
            var projectDir = parse.GetValue(project) is { } p ? Path.GetFullPath(p, host.CurrentDirectory) : host.CurrentDirectory;
            if (chosen is GuardScope.Project or GuardScope.Local && !Directory.Exists(projectDir)) throw new UsageException($"--project: no such directory: {projectDir}");
            var locations = SettingsLocations.FromEnvironment(host.Environment, host.HomeDirectory, parse.GetValue(cli.ConfigDirOption), projectDir);
            var target = GuardTarget.For(chosen, locations);
            var installer = new GuardInstaller(Path.Combine(locations.ConfigDir, "custodian"));
            var plan = install ? installer.PlanInstall(target, ThisBuild(host)) : installer.PlanUninstall(target);
            if (plan.Problem is not null) throw new UsageException(plan.Problem);

            host.Stdout.Write(plan.Diff);
            var dry = parse.GetValue(dryRun);
            if (!dry)
            {
                try
                {
                    installer.Apply(plan);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new OperationFailedException($"{plan.WritePath}: {e.Message}" + (chosen == GuardScope.Managed ? " (the managed settings folder usually needs root)" : ""));
                }
            }

            host.Stdout.WriteLine(dry && plan.Change != SettingsChange.None ? "dry run, nothing changed; would have " + plan.Summary : plan.Summary);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The command line of this very build: its native executable or apphost, or <c>dotnet custodian.dll</c>.</summary>
    private static HookCommandLine ThisBuild(CliHost host)
    {
        if (host.Environment.TryGetValue(HookExecutableVariable, out var chosen) && chosen.Length > 0) return HookCommandLine.For(chosen);
        var process = Environment.ProcessPath ?? throw new OperationFailedException("cannot tell which executable is running, so cannot write the hook command; set " + HookExecutableVariable);
        if (Path.GetFileNameWithoutExtension(process) != "dotnet")
        {
            var args = Environment.GetCommandLineArgs();
            host.Environment.TryGetValue("PATH", out var path);
            return HookCommandLine.For(LinkThatRan(process, args.Length > 0 ? args[0] : null, path, host.CurrentDirectory));
        }

        // Run by `dotnet custodian.dll`: the app's folder is the one custodian.dll is in (not Assembly.Location, which a
        // single-file or native build has none of).
        return HookCommandLine.For(process, Path.Combine(AppContext.BaseDirectory, typeof(InstallCommand).Assembly.GetName().Name + ".dll"));
    }

    /// <summary>
    /// The path to write for the executable <paramref name="process"/> (the kernel's resolved path): the symbolic link it
    /// was started through, found from <paramref name="argv0"/> as the shell does (a path, or a name on
    /// <paramref name="path"/>), when that link leads to it; else <paramref name="process"/>. The native tool package
    /// installs <c>~/.dotnet/tools/custodian</c> as a link into a folder of the installed version, which the next
    /// <c>dotnet tool update</c> deletes: hooks that named the version's folder would then run nothing.
    /// </summary>
    internal static string LinkThatRan(string process, string? argv0, string? path, string currentDirectory)
    {
        if (string.IsNullOrEmpty(argv0)) return process;
        var candidate = argv0.Contains('/', StringComparison.Ordinal) || argv0.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? Path.GetFullPath(argv0, currentDirectory)
            : OnPath(argv0, path, currentDirectory);
        if (candidate is null || candidate == process) return process;
        try
        {
            var target = new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true);
            return target is not null && Path.GetFullPath(target.FullName) == process ? candidate : process;
        }
        catch (IOException)
        {
            return process;
        }
    }

    private static string? OnPath(string name, string? path, string currentDirectory)
    {
        foreach (var directory in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(Path.GetFullPath(directory, currentDirectory), name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }
}
