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

        // Reading the index and reading the directories are independent: do both at once.
        var indexLoad = _useIndex ? Task.Run(() => LoadIndex(IndexPath)) : null;
        var symlinks = 0;
        var transcripts = new List<Transcript>();
        var projects = new DirectoryInfo(_layout.ProjectsDir);
        if (projects.Exists && !ClaudeLayout.IsSymlink(projects))
        {
            foreach (var project in SafeRead(projects.FullName, problems))
            {
                if (projectFolder is not null && !string.Equals(project.Name, projectFolder, StringComparison.Ordinal)) continue;
                if (project.Kind == EntryKind.Symlink)
                {
                    symlinks++;
                    continue;
                }

                if (project.Kind != EntryKind.Directory) continue;
                var projectDir = Path.Combine(projects.FullName, project.Name);
                var entries = SafeRead(projectDir, problems);

                // Session folders are looked up among the entries already read, not probed once per transcript.
                var folders = new HashSet<string>(StringComparer.Ordinal);
                foreach (var entry in entries)
                {
                    if (entry.Kind == EntryKind.Directory) folders.Add(entry.Name);
                }

                foreach (var entry in entries)
                {
                    if (!entry.Name.EndsWith(".jsonl", StringComparison.Ordinal)) continue;
                    if (entry.Kind == EntryKind.Symlink)
                    {
                        symlinks++;
                        continue;
                    }

                    if (entry.Kind != EntryKind.File) continue;
                    var id = entry.Name[..^".jsonl".Length];
                    transcripts.Add(new Transcript(Path.Combine(projectDir, entry.Name), id, project.Name, entry.Length, entry.ModifiedTicks, folders.Contains(id)));
                }
            }
        }

        var (index, cached) = indexLoad?.GetAwaiter().GetResult() ?? (null, new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal));
        using var indexScope = index;
        var rows = new SessionIndex.Row?[transcripts.Count];
        var scans = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < transcripts.Count; i++)
        {
            var transcript = transcripts[i];
            seen.Add(transcript.Path);
            if (cached.TryGetValue(transcript.Path, out var row) && row.Size == transcript.Size && row.ModifiedTicks == transcript.ModifiedTicks)
            {
                rows[i] = row;
            }
            else
            {
                scans.Add(i);
            }
        }

        // Transcripts new or changed since the index saw them are read in parallel (a cold index reads gigabytes);
        // their problems are reported in listing order whatever order the reads finish in.
        var scanned = new TranscriptScan?[transcripts.Count];
        var unreadable = new TranscriptProblem?[transcripts.Count];
        Parallel.ForEach(scans, i =>
        {
            var path = transcripts[i].Path;
            try
            {
                scanned[i] = TranscriptScanner.Scan(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Deleted while listing: not listed.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable[i] = new TranscriptProblem(path, 0, "cannot be read: " + e.Message);
            }
        });

        var changed = new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal);
        foreach (var i in scans)
        {
            if (unreadable[i] is { } problem) problems.Add(problem);
            if (scanned[i] is not { } scan) continue;
            problems.AddRange(scan.Problems);

            // Size and time as seen before the read: a transcript written meanwhile is read again next time.
            var transcript = transcripts[i];
            rows[i] = changed[transcript.Path] = new SessionIndex.Row(transcript.Size, transcript.ModifiedTicks, scan.FirstPrompt,
                scan.WorkingDirectory, scan.NewestTimestamp?.UtcTicks, scan.Lines, scan.ProblemCount);
        }

        // Session folders are walked on every listing, in parallel as the walk is system-call bound: a subagent
        // transcript can grow without its directory changing, so no cached size of a folder could be trusted.
        var infos = new SessionInfo?[transcripts.Count];
        Parallel.For(0, transcripts.Count, i =>
        {
            if (rows[i] is not { } row) return;
            var transcript = transcripts[i];
            var (folderBytes, subagents) = transcript.HasFolder
                ? DirectoryEntries.Measure(ClaudeLayout.SessionFolderOf(transcript.Path))
                : (0L, 0);
            infos[i] = ToInfo(transcript.Id, transcript.ProjectFolder, transcript.Path, row, folderBytes, subagents);
        });

        var sessions = new List<SessionInfo>(transcripts.Count);
        foreach (var info in infos)
        {
            if (info is not null) sessions.Add(info);
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
            var (folderBytes, subagents) = MeasureSessionFolder(ClaudeLayout.SessionFolderOf(file.FullName));
            return ToInfo(sessionId, dir.Name, file.FullName, row, folderBytes, subagents);
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

    private static SessionInfo ToInfo(string id, string folder, string transcriptPath, SessionIndex.Row row, long folderBytes, int subagents)
    {
        var projectPath = row.Cwd is { } cwd && string.Equals(ClaudeLayout.EncodeProjectName(cwd.TrimEnd('/')), folder, StringComparison.Ordinal)
            ? cwd
            : null;
        var fromTimestamp = row.NewestTicks is not null;
        var lastActivity = fromTimestamp
            ? new DateTimeOffset(row.NewestTicks!.Value, TimeSpan.Zero)
            : new DateTimeOffset(row.ModifiedTicks, TimeSpan.Zero);
        return new SessionInfo(
            id, folder, projectPath, transcriptPath, row.FirstPrompt, lastActivity,
            fromTimestamp ? ActivitySource.Timestamp : ActivitySource.ModificationTime,
            row.Size + folderBytes, subagents, row.Lines, row.Problems);
    }

    /// <summary>Bytes under a session folder and its subagent transcript count; links are not followed.</summary>
    internal static (long Bytes, int Subagents) MeasureSessionFolder(string sessionFolder)
    {
        var dir = new DirectoryInfo(sessionFolder);
        return !dir.Exists || ClaudeLayout.IsSymlink(dir) ? (0, 0) : DirectoryEntries.Measure(sessionFolder);
    }

    private static bool IsInFolder(string transcriptPath, string projectFolder) =>
        string.Equals(Path.GetFileName(Path.GetDirectoryName(transcriptPath)), projectFolder, StringComparison.Ordinal);

    private static (SessionIndex? Index, Dictionary<string, SessionIndex.Row> Rows) LoadIndex(string path)
    {
        var index = SessionIndex.TryOpen(path);
        try
        {
            return (index, index?.LoadAll() ?? new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal));
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // A damaged index is dropped: the files are the truth.
            index?.Dispose();
            return (null, new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal));
        }
    }

    private static List<DirectoryEntry> SafeRead(string directory, List<TranscriptProblem> problems)
    {
        try
        {
            return DirectoryEntries.Read(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new TranscriptProblem(directory, 0, "cannot be listed: " + e.Message));
            return [];
        }
    }

    private readonly record struct Transcript(string Path, string Id, string ProjectFolder, long Size, long ModifiedTicks, bool HasFolder);
}
