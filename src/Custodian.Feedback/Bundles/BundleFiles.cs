using System.Diagnostics;
using System.Globalization;

namespace Custodian.Feedback.Bundles;

/// <summary>
/// Names in a bundle directory. Finished bundles end in <c>.tar.gz</c>; everything a run writes on the way there
/// starts with <see cref="TemporaryPrefix"/> and the writer's process id, so a file under a final name is always a
/// complete bundle, and the next run can tell the leftovers of a killed run from the files of a live one.
/// </summary>
public static class BundleFiles
{
    /// <summary>The prefix of every temporary file.</summary>
    public const string TemporaryPrefix = ".custodian-partial-";

    /// <summary>The extension of a finished bundle.</summary>
    public const string Extension = ".tar.gz";

    /// <summary>How old an orphan must be before it is removed even though its process id is in use again.</summary>
    internal static readonly TimeSpan OrphanAge = TimeSpan.FromDays(1);

    /// <summary><c>&lt;config-dir&gt;/feedback-bundles</c>: the local archive (FBK-3, SHR-4).</summary>
    public static string ArchiveDirectory(string configDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDir);
        return Path.Combine(configDir, "feedback-bundles");
    }

    /// <summary>A new temporary file name in <paramref name="directory"/>, owned by this process.</summary>
    internal static string TemporaryPath(string directory, string suffix) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture,
            $"{TemporaryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}{suffix}"));

    /// <summary>The final name of a bundle: kind, UTC time, first session and a random part, so names never collide.</summary>
    internal static string FinalName(BundleManifest manifest) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{manifest.Kind.ToWireName()}-{manifest.CreatedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{manifest.SessionIds[0]}-{Guid.NewGuid().ToString("N")[..8]}{Extension}");

    /// <summary>Whether a file name is a finished bundle's.</summary>
    public static bool IsFinalName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return fileName.EndsWith(Extension, StringComparison.Ordinal) && !fileName.StartsWith(TemporaryPrefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Removes the temporary files that killed runs left in <paramref name="directory"/>: those whose process is gone,
    /// and any older than a day. Files of a live run are left alone. Returns how many were removed.
    /// </summary>
    public static int CleanStaleTemporaryFiles(string directory, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var info = new DirectoryInfo(directory);
        if (!info.Exists || info.LinkTarget is not null) return 0;
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var removed = 0;
        foreach (var file in info.EnumerateFiles(TemporaryPrefix + "*"))
        {
            if (file.LinkTarget is not null) continue;
            var owner = OwnerOf(file.Name);
            var orphaned = owner is null || !IsAlive(owner.Value) || now - file.LastWriteTimeUtc > OrphanAge;
            if (!orphaned || owner == Environment.ProcessId) continue;
            try
            {
                file.Delete();
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run cleaning at the same time, or a file we may not delete: it is not ours to insist on.
            }
        }

        return removed;
    }

    /// <summary>The process id in a temporary file's name, if it has one.</summary>
    internal static int? OwnerOf(string fileName)
    {
        var rest = fileName.AsSpan(TemporaryPrefix.Length);
        var dash = rest.IndexOf('-');
        return dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
