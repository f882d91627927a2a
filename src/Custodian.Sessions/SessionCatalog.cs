using Custodian.Sessions.Internal;

namespace Custodian.Sessions;

/// <summary>
/// The sessions under a config dir (LOC-1, LOC-2): listing with a rebuildable index, lookup by id, and the most
/// recent session of a working directory. Never follows a symbolic link; never stops on a bad line (LOC-8).
/// </summary>
public sealed class SessionCatalog
{
    private readonly ClaudeLayout _layout;
    private readonly bool _useIndex;

    /// <summary>Creates a catalog; with <paramref name="useIndex"/> false every listing scans every transcript.</summary>
    public SessionCatalog(ClaudeLayout layout, bool useIndex = true)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        _useIndex = useIndex;
    }

    /// <summary>The index file.</summary>
    public string IndexPath => Path.Combine(_layout.CustodianDir, "sessions-index.db");

    /// <summary>Lists sessions, all of them or those of one project folder, most recent first.</summary>
    /// <param name="projectFolder">A folder name under <c>projects/</c>, or null for all.</param>
    public SessionListing List(string? projectFolder = null)
    {
        var problems = new List<TranscriptProblem>();
        var symlinks = 0;
        var transcripts = new List<(FileInfo File, string ProjectFolder)>();
        var projects = new DirectoryInfo(_layout.ProjectsDir);
        if (projects.Exists && !ClaudeLayout.IsSymlink(projects))
        {
            foreach (var project in SafeEnumerate(projects, problems))
            {
                if (project is not DirectoryInfo dir) continue;
                if (projectFolder is not null && !string.Equals(dir.Name, projectFolder, StringComparison.Ordinal)) continue;
                if (ClaudeLayout.IsSymlink(dir))
                {
                    symlinks++;
                    continue;
                }

                foreach (var entry in SafeEnumerate(dir, problems))
                {
                    if (entry is not FileInfo file || !file.Name.EndsWith(".jsonl", StringComparison.Ordinal)) continue;
                    if (ClaudeLayout.IsSymlink(file))
                    {
                        symlinks++;
                        continue;
                    }

                    transcripts.Add((file, dir.Name));
                }
            }
        }

        using var index = _useIndex ? SessionIndex.TryOpen(IndexPath) : null;
        var cached = index?.LoadAll() ?? new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal);
        var changed = new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sessions = new List<SessionInfo>(transcripts.Count);
        foreach (var (file, folder) in transcripts)
        {
            seen.Add(file.FullName);
            long size, modified;
            try
            {
                file.Refresh();
                size = file.Length;
                modified = file.LastWriteTimeUtc.Ticks;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // deleted while listing
            }

            if (!cached.TryGetValue(file.FullName, out var row) || row.Size != size || row.ModifiedTicks != modified)
            {
                TranscriptScan scan;
                try
                {
                    scan = TranscriptScanner.Scan(file.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problems.Add(new TranscriptProblem(file.FullName, 0, "cannot be read: " + e.Message));
                    continue;
                }

                problems.AddRange(scan.Problems);
                row = new SessionIndex.Row(size, modified, scan.FirstPrompt, scan.WorkingDirectory, scan.NewestTimestamp?.UtcTicks, scan.Lines, scan.ProblemCount);
                changed[file.FullName] = row;
            }

            sessions.Add(ToInfo(file, folder, row));
        }

        if (index is not null)
        {
            try
            {
                index.Update(changed, cached.Keys.Where(k => !seen.Contains(k) && (projectFolder is null || IsInFolder(k, projectFolder))));
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                // The index is only a cache; the listing above came from the files.
            }
        }

        sessions.Sort(static (a, b) => b.LastActivity.CompareTo(a.LastActivity));
        return new SessionListing(sessions, problems, symlinks);
    }

    /// <summary>Finds a session by id (the transcript's file name), in any project.</summary>
    public SessionInfo? Find(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (sessionId.Contains('/', StringComparison.Ordinal) || sessionId.Contains('\\', StringComparison.Ordinal) || sessionId is "." or "..")
        {
            return null;
        }

        var projects = new DirectoryInfo(_layout.ProjectsDir);
        if (!projects.Exists || ClaudeLayout.IsSymlink(projects)) return null;
        foreach (var dir in projects.EnumerateDirectories())
        {
            if (ClaudeLayout.IsSymlink(dir)) continue;
            var file = new FileInfo(Path.Combine(dir.FullName, sessionId + ".jsonl"));
            if (!file.Exists || ClaudeLayout.IsSymlink(file)) continue;
            var scan = TranscriptScanner.Scan(file.FullName);
            var row = new SessionIndex.Row(file.Length, file.LastWriteTimeUtc.Ticks, scan.FirstPrompt, scan.WorkingDirectory,
                scan.NewestTimestamp?.UtcTicks, scan.Lines, scan.ProblemCount);
            return ToInfo(file, dir.Name, row);
        }

        return null;
    }

    /// <summary>The most recently active session of a working directory (what <c>resume</c> without an id picks).</summary>
    public SessionInfo? MostRecentIn(string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(workingDirectory);
        var folder = Path.GetFileName(_layout.ProjectDirFor(workingDirectory));
        return List(folder).Sessions.FirstOrDefault();
    }

    private SessionInfo ToInfo(FileInfo file, string folder, SessionIndex.Row row)
    {
        var sessionFolder = ClaudeLayout.SessionFolderOf(file.FullName);
        var (folderBytes, subagents) = MeasureSessionFolder(sessionFolder);
        var projectPath = row.Cwd is { } cwd && string.Equals(ClaudeLayout.EncodeProjectName(cwd.TrimEnd('/')), folder, StringComparison.Ordinal)
            ? cwd
            : null;
        var fromTimestamp = row.NewestTicks is not null;
        var lastActivity = fromTimestamp
            ? new DateTimeOffset(row.NewestTicks!.Value, TimeSpan.Zero)
            : new DateTimeOffset(row.ModifiedTicks, TimeSpan.Zero);
        return new SessionInfo(
            Path.GetFileNameWithoutExtension(file.Name), folder, projectPath, file.FullName, row.FirstPrompt, lastActivity,
            fromTimestamp ? ActivitySource.Timestamp : ActivitySource.ModificationTime,
            row.Size + folderBytes, subagents, row.Lines, row.Problems);
    }

    /// <summary>Bytes under a session folder and its subagent transcript count; links are not followed.</summary>
    internal static (long Bytes, int Subagents) MeasureSessionFolder(string sessionFolder)
    {
        var dir = new DirectoryInfo(sessionFolder);
        if (!dir.Exists || ClaudeLayout.IsSymlink(dir)) return (0, 0);
        long bytes = 0;
        var subagents = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in dir.EnumerateFiles("*", options))
        {
            bytes += file.Length;
            if (file.Name.StartsWith("agent-", StringComparison.Ordinal) && file.Name.EndsWith(".jsonl", StringComparison.Ordinal)
                && string.Equals(file.Directory?.Name, "subagents", StringComparison.Ordinal))
            {
                subagents++;
            }
        }

        return (bytes, subagents);
    }

    private static bool IsInFolder(string transcriptPath, string projectFolder) =>
        string.Equals(Path.GetFileName(Path.GetDirectoryName(transcriptPath)), projectFolder, StringComparison.Ordinal);

    private static IEnumerable<FileSystemInfo> SafeEnumerate(DirectoryInfo dir, List<TranscriptProblem> problems)
    {
        FileSystemInfo[] entries;
        try
        {
            entries = dir.GetFileSystemInfos();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new TranscriptProblem(dir.FullName, 0, "cannot be listed: " + e.Message));
            return [];
        }

        Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }
}
