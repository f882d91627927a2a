using Custodian.Policy.Settings;

namespace Custodian.Policy.Tests.Support;

/// <summary>Real settings directories under the temp directory: managed, config (user), project and a --settings file.</summary>
internal sealed class SettingsSandbox : IDisposable
{
    private readonly TempDirectory _root = new();

    public SettingsSandbox()
    {
        ManagedDir = _root.Mkdir("etc/claude-code");
        ConfigDir = _root.Mkdir("home/.claude");
        ProjectDir = _root.Mkdir("work/project");
    }

    public string Root => _root.Path;
    public string ManagedDir { get; }
    public string ConfigDir { get; }
    public string ProjectDir { get; }

    public string ManagedFile => Path.Combine(ManagedDir, "managed-settings.json");
    public string CommandLineFile => Path.Combine(Root, "cli-settings.json");
    public string LocalFile => Path.Combine(ProjectDir, ".claude", "settings.local.json");
    public string ProjectFile => Path.Combine(ProjectDir, ".claude", "settings.json");
    public string UserFile => Path.Combine(ConfigDir, "settings.json");

    public string DropIn(string name) => Path.Combine(ManagedDir, "managed-settings.d", name);

    public string Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public SettingsLocations Locations(bool commandLine = false, IReadOnlySet<SettingsScope>? excluded = null) => new()
    {
        ConfigDir = ConfigDir,
        ManagedDir = ManagedDir,
        ProjectDir = ProjectDir,
        CommandLineFile = commandLine ? CommandLineFile : null,
        ExcludedScopes = excluded ?? new HashSet<SettingsScope>(),
    };

    public ResolvedSettings Resolve(
        IReadOnlyDictionary<string, string>? processEnvironment = null, bool commandLine = false, IReadOnlySet<SettingsScope>? excluded = null) =>
        SettingsResolver.Resolve(Locations(commandLine, excluded), processEnvironment ?? new Dictionary<string, string>());

    public void Dispose() => _root.Dispose();
}
