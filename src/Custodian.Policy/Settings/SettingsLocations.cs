namespace Custodian.Policy.Settings;

/// <summary>The settings sources of SET-1, highest precedence first.</summary>
public enum SettingsScope
{
    /// <summary><c>/etc/claude-code/managed-settings.json</c> and <c>managed-settings.d/*.json</c>.</summary>
    Managed,
    /// <summary><c>--settings FILE</c>.</summary>
    CommandLine,
    /// <summary><c>&lt;project&gt;/.claude/settings.local.json</c>.</summary>
    ProjectLocal,
    /// <summary><c>&lt;project&gt;/.claude/settings.json</c>.</summary>
    Project,
    /// <summary><c>&lt;config-dir&gt;/settings.json</c>.</summary>
    User,
}

/// <summary>Where the settings files are. Build with <see cref="FromEnvironment"/> for the real machine.</summary>
public sealed record SettingsLocations
{
    /// <summary>The managed settings directory on Linux.</summary>
    public const string DefaultManagedDir = "/etc/claude-code";

    /// <summary>
    /// Overrides <see cref="DefaultManagedDir"/>: for machines that install managed settings elsewhere, and for tests,
    /// which must not depend on the machine's <c>/etc</c>.
    /// </summary>
    public const string ManagedDirVariable = "CUSTODIAN_MANAGED_SETTINGS_DIR";

    /// <summary>The config dir: <c>$CLAUDE_CONFIG_DIR</c>, else <c>~/.claude</c>.</summary>
    public required string ConfigDir { get; init; }

    /// <summary>The directory holding <c>managed-settings.json</c> and <c>managed-settings.d/</c>.</summary>
    public string ManagedDir { get; init; } = DefaultManagedDir;

    /// <summary>The <c>--settings FILE</c>, if given.</summary>
    public string? CommandLineFile { get; init; }

    /// <summary>The project directory (the working directory), whose <c>.claude/</c> holds project settings.</summary>
    public string? ProjectDir { get; init; }

    /// <summary>Sources left out, as with Claude Code's <c>--setting-sources</c> (only user, project and local can be).</summary>
    public IReadOnlySet<SettingsScope> ExcludedScopes { get; init; } = new HashSet<SettingsScope>();

    /// <summary>
    /// The locations for this machine: <paramref name="configDirOption"/> (from <c>--config-dir</c>), else
    /// <c>$CLAUDE_CONFIG_DIR</c>, else <c>&lt;home&gt;/.claude</c>.
    /// </summary>
    public static SettingsLocations FromEnvironment(
        IReadOnlyDictionary<string, string> processEnvironment,
        string homeDirectory,
        string? configDirOption = null,
        string? projectDir = null,
        string? commandLineFile = null)
    {
        ArgumentNullException.ThrowIfNull(processEnvironment);
        ArgumentException.ThrowIfNullOrEmpty(homeDirectory);
        return new SettingsLocations
        {
            ConfigDir = ResolveConfigDir(processEnvironment, homeDirectory, configDirOption),
            ManagedDir = processEnvironment.TryGetValue(ManagedDirVariable, out var managed) && managed.Length > 0
                ? managed
                : DefaultManagedDir,
            ProjectDir = projectDir,
            CommandLineFile = commandLineFile,
        };
    }

    /// <summary>The config dir by SET-1's rule.</summary>
    public static string ResolveConfigDir(IReadOnlyDictionary<string, string> processEnvironment, string homeDirectory, string? configDirOption)
    {
        ArgumentNullException.ThrowIfNull(processEnvironment);
        if (!string.IsNullOrEmpty(configDirOption)) return Path.GetFullPath(configDirOption);
        if (processEnvironment.TryGetValue(EnvNames.ConfigDir, out var fromEnv) && fromEnv.Length > 0) return Path.GetFullPath(fromEnv);
        return Path.Combine(homeDirectory, ".claude");
    }

    /// <summary>Parses a <c>--setting-sources</c> list (<c>user,project,local</c>) into the scopes it leaves out.</summary>
    public static bool TryParseSettingSources(string list, out IReadOnlySet<SettingsScope> excluded, out string? error)
    {
        ArgumentNullException.ThrowIfNull(list);
        var included = new HashSet<SettingsScope>();
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (raw)
            {
                case "user": included.Add(SettingsScope.User); break;
                case "project": included.Add(SettingsScope.Project); break;
                case "local": included.Add(SettingsScope.ProjectLocal); break;
                default:
                    excluded = new HashSet<SettingsScope>();
                    error = $"unknown setting source '{raw}' (expected user, project or local)";
                    return false;
            }
        }

        var set = new HashSet<SettingsScope>();
        foreach (var scope in new[] { SettingsScope.User, SettingsScope.Project, SettingsScope.ProjectLocal })
        {
            if (!included.Contains(scope)) set.Add(scope);
        }

        excluded = set;
        error = null;
        return true;
    }
}
