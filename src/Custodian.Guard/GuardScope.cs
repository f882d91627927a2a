using Custodian.Policy.Settings;

namespace Custodian.Guard;

/// <summary>The settings scope the guard's hooks are installed in (GRD-1).</summary>
public enum GuardScope
{
    /// <summary><c>&lt;config-dir&gt;/settings.json</c>: every project of this person.</summary>
    User,

    /// <summary><c>&lt;project&gt;/.claude/settings.json</c>: everyone who works on the project (committed).</summary>
    Project,

    /// <summary><c>&lt;project&gt;/.claude/settings.local.json</c>: this person, this project.</summary>
    Local,

    /// <summary>A file of its own in the managed settings folder: every user of the machine, not removable by them.</summary>
    Managed,
}

/// <summary>Where a scope's settings file is.</summary>
/// <param name="Scope">The scope.</param>
/// <param name="SettingsPath">The settings file the hooks go into.</param>
public sealed record GuardTarget(GuardScope Scope, string SettingsPath)
{
    /// <summary>The file name of the guard's own managed settings file, in <c>managed-settings.d/</c>.</summary>
    public const string ManagedFileName = "50-custodian-guard.json";

    /// <summary>The target of <paramref name="scope"/> on this machine.</summary>
    public static GuardTarget For(GuardScope scope, SettingsLocations locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        string Project() => locations.ProjectDir ?? throw new ArgumentException("the project and local scopes need a project directory", nameof(locations));
        return scope switch
        {
            GuardScope.User => new(scope, Path.Combine(locations.ConfigDir, "settings.json")),
            GuardScope.Project => new(scope, Path.Combine(Project(), ".claude", "settings.json")),
            GuardScope.Local => new(scope, Path.Combine(Project(), ".claude", "settings.local.json")),
            GuardScope.Managed => new(scope, Path.Combine(locations.ManagedDir, "managed-settings.d", ManagedFileName)),
            _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
        };
    }

    /// <summary>The scope's name on the command line.</summary>
    public static string NameOf(GuardScope scope) => scope switch
    {
        GuardScope.User => "user",
        GuardScope.Project => "project",
        GuardScope.Local => "local",
        _ => "managed",
    };

    /// <summary>Parses a scope name (<c>user</c>, <c>project</c>, <c>local</c>, <c>managed</c>).</summary>
    public static bool TryParse(string? name, out GuardScope scope)
    {
        switch (name)
        {
            case "user": scope = GuardScope.User; return true;
            case "project": scope = GuardScope.Project; return true;
            case "local": scope = GuardScope.Local; return true;
            case "managed": scope = GuardScope.Managed; return true;
            default: scope = default; return false;
        }
    }
}
