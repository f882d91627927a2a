using System.Text;
using System.Text.Json;
using Custodian.Guard.Internal;

namespace Custodian.Guard;

/// <summary>What installing or uninstalling does to a settings file.</summary>
public enum SettingsChange
{
    /// <summary>Nothing: already as asked.</summary>
    None,

    /// <summary>The file is created.</summary>
    Create,

    /// <summary>The file is rewritten.</summary>
    Update,

    /// <summary>The file is deleted (it was the guard's own).</summary>
    Delete,
}

/// <summary>
/// An install or uninstall worked out but not yet done: the file's bytes before and after, a unified diff, and what
/// to tell the person. <see cref="Problem"/> is set instead when the file cannot be edited safely.
/// </summary>
public sealed record InstallPlan
{
    /// <summary>The scope and its settings file.</summary>
    public required GuardTarget Target { get; init; }

    /// <summary>The file written: the settings file, or the file a symbolic link at its place points to.</summary>
    public required string WritePath { get; init; }

    /// <summary>What happens to the file.</summary>
    public SettingsChange Change { get; init; }

    /// <summary>The file's bytes now; null when it does not exist.</summary>
    public byte[]? Before { get; init; }

    /// <summary>The file's bytes afterwards; null when it will not exist.</summary>
    public byte[]? After { get; init; }

    /// <summary>A unified diff of the change, empty when there is none.</summary>
    public string Diff { get; init; } = "";

    /// <summary>One line for the person: what was (or would be) done.</summary>
    public required string Summary { get; init; }

    /// <summary>Why nothing can be done (the file is not settings JSON, or too large), naming the file and field.</summary>
    public string? Problem { get; init; }

    internal InstallRecord? Record { get; init; }

    internal bool ForgetRecord { get; init; }
}

/// <summary>
/// Installs and uninstalls the guard's hooks in a Claude Code settings scope (GRD-1): idempotent, atomic, every other
/// key and hook kept; install followed by uninstall gives the file back byte for byte.
/// </summary>
public sealed class GuardInstaller
{
    /// <summary>Settings files larger than this are refused rather than read.</summary>
    public const int MaxSettingsBytes = 1024 * 1024;

    private readonly InstallRecords _records;

    /// <summary>An installer keeping its install records in <paramref name="custodianDir"/> (<c>&lt;config-dir&gt;/custodian</c>).</summary>
    public GuardInstaller(string custodianDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(custodianDir);
        _records = new InstallRecords(Path.Combine(custodianDir, "guard-installs.json"));
    }

    /// <summary>Works out installing the guard, running <paramref name="command"/>, in <paramref name="target"/>.</summary>
    public InstallPlan PlanInstall(GuardTarget target, HookCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(command);
        var (writePath, current, problem) = Read(target);
        if (problem is not null) return Failed(target, writePath, problem);
        try
        {
            // Install onto the file as it is without the guard, so a reinstall from another build replaces the old
            // command, and installing twice changes nothing the second time.
            var (baseline, baselineKnown) = WithoutGuard(target, current);
            var (after, inserted) = SettingsEditor.Install(baseline, command.Command);
            Validate(after);
            if (current is not null && after.AsSpan().SequenceEqual(current))
                return new InstallPlan { Target = target, WritePath = writePath, Before = current, After = current, Summary = $"the guard is already installed in {Describe(target)}; nothing changed" };
            var record = new InstallRecord(target.SettingsPath, baseline is null ? null : InstallRecords.Sha256(baseline), InstallRecords.Sha256(after),
                [.. inserted.Select(s => new[] { s.Offset, s.Length })]);
            return new InstallPlan
            {
                Target = target,
                WritePath = writePath,
                Change = current is null ? SettingsChange.Create : SettingsChange.Update,
                Before = current,
                After = after,
                Diff = UnifiedDiff.Of(target.SettingsPath, Text(current), Text(after)),
                Summary = $"{(current is null ? "created" : "updated")} {target.SettingsPath}: the guard's {GuardHooks.All.Count} hooks ({string.Join(", ", GuardHooks.All.Select(h => h.Event))}) in {Describe(target)}"
                    + (baselineKnown ? "" : "; an earlier install's entries were replaced"),
                Record = record,
            };
        }
        catch (Exception e) when (e is SettingsShapeException or JsonException)
        {
            return Failed(target, writePath, ShapeProblem(target, e));
        }
    }

    /// <summary>Works out removing the guard's entries from <paramref name="target"/>.</summary>
    public InstallPlan PlanUninstall(GuardTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (writePath, current, problem) = Read(target);
        if (problem is not null) return Failed(target, writePath, problem);
        if (current is null)
            return new InstallPlan { Target = target, WritePath = writePath, Summary = $"the guard is not installed in {Describe(target)} ({target.SettingsPath} does not exist); nothing changed", ForgetRecord = true };
        try
        {
            var (after, exact) = WithoutGuard(target, current);
            if (after is not null && after.AsSpan().SequenceEqual(current))
                return new InstallPlan { Target = target, WritePath = writePath, Before = current, After = current, Summary = $"the guard is not installed in {Describe(target)}; nothing changed", ForgetRecord = true };
            if (after is null && writePath != target.SettingsPath)
                return Failed(target, writePath, $"{target.SettingsPath}: is a symbolic link to {writePath}; the guard created that file and would delete it, but does not delete through a link; remove it yourself");
            return new InstallPlan
            {
                Target = target,
                WritePath = writePath,
                Change = after is null ? SettingsChange.Delete : SettingsChange.Update,
                Before = current,
                After = after,
                Diff = UnifiedDiff.Of(target.SettingsPath, Text(current), Text(after)),
                Summary = (after is null ? $"deleted {target.SettingsPath} (the guard had created it)" : $"removed the guard's hooks from {target.SettingsPath}")
                    + $" in {Describe(target)}" + (exact ? "; the file is as it was before the install" : "; the file had changed since the install, so only the guard's entries were taken out"),
                ForgetRecord = true,
            };
        }
        catch (Exception e) when (e is SettingsShapeException or JsonException)
        {
            return Failed(target, writePath, ShapeProblem(target, e));
        }
    }

    /// <summary>Carries out a plan: the file is written atomically (keeping its mode) or deleted; the install record updated.</summary>
    public void Apply(InstallPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Problem is not null) throw new InvalidOperationException("a plan with a problem cannot be applied: " + plan.Problem);
        switch (plan.Change)
        {
            case SettingsChange.Create or SettingsChange.Update:
                UnixFileMode? mode = plan.Before is not null && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(plan.WritePath) : null;
                AtomicFile.Write(plan.WritePath, plan.After!, mode);
                break;
            case SettingsChange.Delete:
                File.Delete(plan.WritePath);
                break;
        }

        if (plan.Record is not null) _records.Put(plan.Record);
        else if (plan.ForgetRecord) _records.Remove(plan.Target.SettingsPath);
    }

    /// <summary>The scopes whose settings file holds the guard's hooks, highest precedence first (managed, local, project, user).</summary>
    public static IReadOnlyList<GuardTarget> InstalledScopes(Policy.Settings.SettingsLocations locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var found = new List<GuardTarget>();
        foreach (var scope in (GuardScope[])[GuardScope.Managed, GuardScope.Local, GuardScope.Project, GuardScope.User])
        {
            if (scope is GuardScope.Local or GuardScope.Project && locations.ProjectDir is null) continue;
            var target = GuardTarget.For(scope, locations);
            if (IsInstalled(target)) found.Add(target);
        }

        return found;
    }

    /// <summary>Whether the guard's hooks are in <paramref name="target"/>'s settings file (any build's).</summary>
    public static bool IsInstalled(GuardTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        try
        {
            var info = new FileInfo(target.SettingsPath);
            if (!info.Exists || info.Length > MaxSettingsBytes) return false;
            var text = File.ReadAllBytes(target.SettingsPath);
            return SettingsEditor.HasGuard(text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SettingsShapeException or JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// The file without the guard: exactly as before the install when the install record says the file is unchanged
    /// since; otherwise with the guard's entries taken out by shape. Null when the file would not exist.
    /// </summary>
    private (byte[]? Text, bool Exact) WithoutGuard(GuardTarget target, byte[]? current)
    {
        if (current is null) return (null, true);
        var record = _records.Find(target.SettingsPath);
        if (record is not null && record.InstalledSha256 == InstallRecords.Sha256(current)
            && record.Inserted.All(s => s is [>= 0, >= 0]))
        {
            if (record.OriginalSha256 is null) return (null, true);
            var restored = SettingsEditor.RemoveSpans(current, [.. record.Inserted.Select(s => new InsertedSpan(s[0], s[1]))]);
            if (InstallRecords.Sha256(restored) == record.OriginalSha256) return (restored, true);
        }

        var removed = SettingsEditor.RemoveGuard(current, out var onlyGuard);
        if (removed is null) return (current, true);
        // The managed file is the guard's own: when nothing but the guard was in it, it goes.
        return (target.Scope == GuardScope.Managed && onlyGuard ? null : removed, false);
    }

    private static (string WritePath, byte[]? Current, string? Problem) Read(GuardTarget target)
    {
        var path = target.SettingsPath;
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                // Dotfile managers link settings.json into a repository: edit the file the link points to.
                var final = info.ResolveLinkTarget(returnFinalTarget: true);
                if (final is null) return (path, null, $"{path}: cannot resolve the symbolic link");
                path = final.FullName;
                info = new FileInfo(path);
            }

            if (!info.Exists) return (path, null, Directory.Exists(path) ? $"{path}: is a directory, not a settings file" : null);
            if (info.Length > MaxSettingsBytes) return (path, null, $"{target.SettingsPath}: {info.Length} bytes is more than the {MaxSettingsBytes} a settings file may hold here");
            var bytes = File.ReadAllBytes(path);
            Validate(bytes);
            return (path, bytes, null);
        }
        catch (JsonException e)
        {
            return (path, null, $"{target.SettingsPath}: line {e.LineNumber + 1}: not valid JSON ({FirstSentence(e.Message)}); fix it first, nothing was changed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (path, null, $"{target.SettingsPath}: {e.Message}");
        }
    }

    private static void Validate(byte[] bytes)
    {
        var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        using var _ = JsonDocument.Parse(bytes.AsMemory(start), new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow });
    }

    private static InstallPlan Failed(GuardTarget target, string writePath, string problem) =>
        new() { Target = target, WritePath = writePath, Summary = problem, Problem = problem };

    private static string ShapeProblem(GuardTarget target, Exception e) =>
        $"{target.SettingsPath}: {(e is JsonException j ? FirstSentence(j.Message) : e.Message)}; nothing was changed";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd('.');
    }

    private static string Describe(GuardTarget target) => GuardTarget.NameOf(target.Scope) + " scope";

    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);
}
