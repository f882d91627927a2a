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

    /// <summary>
    /// Lists sessions, all of them or those of one project folder, most recent first. A session is its transcript
    /// with its subagent transcripts in either layout (LOC-10): <c>&lt;session-id&gt;/subagents/agent-*.jsonl</c> (2.1)
    /// and the <c>agent-*.jsonl</c> beside it whose first lines name it (2.0). Subagent transcripts whose main
    /// transcript is gone are listed as a session of their own, without a transcript (CUS-28).
    /// </summary>
    /// <param name="projectFolder">A folder name under <c>projects/</c>, or null for all.</param>
    public SessionListing List(string? projectFolder = null)
    {
        var problems = new List<TranscriptProblem>();

        // Reading the index and reading the directories are independent: do both at once.
        var indexLoad = _useIndex ? Task.Run(() => LoadIndex(IndexPath)) : null;
        var symlinks = 0;
        var files = new List<Transcript>();
        var groups = new List<Group>();
        var besideAgents = new List<(int File, Dictionary<string, Group> Project)>();
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
                var byId = new Dictionary<string, Group>(StringComparer.Ordinal);

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
                    var path = Path.Combine(projectDir, entry.Name);
                    if (IsBesideAgent(entry.Name))
                    {
                        besideAgents.Add((files.Count, byId));
                        files.Add(new Transcript(path, project.Name, entry.Length, entry.ModifiedTicks, TranscriptRole.BesideAgent));
                        continue;
                    }

                    var id = entry.Name[..^".jsonl".Length];
                    var group = new Group(id, project.Name, path) { Main = files.Count, Folder = folders.Contains(id) ? Path.Combine(projectDir, id) : null };
                    files.Add(new Transcript(path, project.Name, entry.Length, entry.ModifiedTicks, TranscriptRole.Main));
                    byId[id] = group;
                    groups.Add(group);
                }

                // A session folder without its transcript may still hold subagent transcripts (CUS-28); memory/ is
                // the project's, never a session's (LOC-4). Folders without subagent transcripts are dropped below.
                foreach (var folder in folders)
                {
                    if (byId.ContainsKey(folder) || folder == "memory") continue;
                    var group = new Group(folder, project.Name, Path.Combine(projectDir, folder + ".jsonl")) { Folder = Path.Combine(projectDir, folder) };
                    byId[folder] = group;
                    groups.Add(group);
                }
            }
        }

        // Session folders are walked on every listing, in parallel as the walk is system-call bound: a subagent
        // transcript can grow without its directory changing, so no cached size of a folder could be trusted.
        Parallel.ForEach(groups, group =>
        {
            if (group.Folder is not null) (group.FolderBytes, group.FolderSubagents) = DirectoryEntries.Measure(group.Folder);
        });

        foreach (var group in groups)
        {
            foreach (var subagent in group.FolderSubagents)
            {
                group.Agents.Add(files.Count);
                files.Add(new Transcript(subagent.Path, group.ProjectFolder, subagent.Length, subagent.ModifiedTicks, TranscriptRole.FolderAgent));
            }
        }

        var (index, cached) = indexLoad?.GetAwaiter().GetResult() ?? (null, new Dictionary<string, SessionIndex.Row>(StringComparer.Ordinal));
        using var indexScope = index;
        var rows = new SessionIndex.Row?[files.Count];
        var scans = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            seen.Add(file.Path);
            if (cached.TryGetValue(file.Path, out var row) && row.Size == file.Size && row.ModifiedTicks == file.ModifiedTicks)
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
        var scanned = new TranscriptScan?[files.Count];
        var parents = new string?[files.Count];
        var unreadable = new TranscriptProblem?[files.Count];
        Parallel.ForEach(scans, i =>
        {
            var path = files[i].Path;
            try
            {
                // The parent of a 2.0 agent file is read from its first lines only (bounded), then cached with the scan.
                if (files[i].Role == TranscriptRole.BesideAgent) parents[i] = TranscriptScanner.ReadSessionId(path);
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
            var file = files[i];
            if (file.Role == TranscriptRole.BesideAgent && parents[i] is null)
            {
                problems.Add(new TranscriptProblem(file.Path, 0,
                    $"names no session in its first {TranscriptScanner.SessionIdProbeLines} lines: listed as a session of its own (CUS-28)"));
            }

            // Size and time as seen before the read: a transcript written meanwhile is read again next time.
            rows[i] = changed[file.Path] = new SessionIndex.Row(file.Size, file.ModifiedTicks, scan.FirstPrompt,
                scan.WorkingDirectory, scan.NewestTimestamp?.UtcTicks, scan.Lines, scan.ProblemCount, parents[i]);
        }

        // A 2.0 agent file joins the session its first lines name, in its own project folder; without that
        // transcript it makes (or joins) a session without one, and naming none it is a session of its own (CUS-28).
        foreach (var (i, byId) in besideAgents)
        {
            if (rows[i] is not { } row) continue;
            var file = files[i];
            var parent = row.Parent ?? Path.GetFileNameWithoutExtension(file.Path);
            if (!byId.TryGetValue(parent, out var group))
            {
                group = new Group(parent, file.ProjectFolder, Path.Combine(Path.GetDirectoryName(file.Path)!, parent + ".jsonl"));
                byId[parent] = group;
                groups.Add(group);
            }

            group.Agents.Add(i);
        }

        var sessions = new List<SessionInfo>(groups.Count);
        foreach (var group in groups)
        {
            if (ToInfo(group, files, rows) is { } info) sessions.Add(info);
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

    /// <summary>
    /// Finds a session by id, in any project: its transcript's file name, or for a session without one
    /// (CUS-28) the id its subagent transcripts carry.
    /// </summary>
    public SessionInfo? Find(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (!TranscriptScanner.IsSafeSessionId(sessionId)) return null;

        var projects = new DirectoryInfo(_layout.ProjectsDir);
        if (!projects.Exists || ClaudeLayout.IsSymlink(projects)) return null;

        // Only a project holding the transcript or the session folder is listed; a session known only from
        // 2.0 agent files beside other transcripts (CUS-28) takes a full listing to find.
        foreach (var dir in projects.EnumerateDirectories())
        {
            if (ClaudeLayout.IsSymlink(dir)) continue;
            if (!File.Exists(Path.Combine(dir.FullName, sessionId + ".jsonl")) && !Directory.Exists(Path.Combine(dir.FullName, sessionId))) continue;
            if (Pick(List(dir.Name), sessionId) is { } found) return found;
        }

        return Pick(List(), sessionId);
    }

    /// <summary>
    /// The most recently active session of a working directory that has a transcript (what <c>resume</c> without
    /// an id picks): subagent transcripts alone cannot be resumed (CUS-28).
    /// </summary>
    public SessionInfo? MostRecentIn(string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(workingDirectory);
        var folder = Path.GetFileName(_layout.ProjectDirFor(workingDirectory));
        return List(folder).Sessions.FirstOrDefault(s => s.HasTranscript);
    }

    /// <summary>True for a Claude Code 2.0 subagent transcript beside the session transcripts (LOC-10).</summary>
    internal static bool IsBesideAgent(string fileName) =>
        fileName.StartsWith("agent-", StringComparison.Ordinal) && fileName.EndsWith(".jsonl", StringComparison.Ordinal);

    private static SessionInfo? Pick(SessionListing listing, string sessionId)
    {
        foreach (var session in listing.Sessions)
        {
            if (string.Equals(session.SessionId, sessionId, StringComparison.Ordinal)) return session;
        }

        return null;
    }

    private static SessionInfo? ToInfo(Group group, List<Transcript> files, SessionIndex.Row?[] rows)
    {
        var main = group.Main is { } m ? rows[m] : null;
        long? newest = main?.NewestTicks;
        var modified = main?.ModifiedTicks ?? long.MinValue;
        var size = main?.Size ?? 0;
        var problemCount = main?.Problems ?? 0;
        var cwd = main?.Cwd;
        var agents = new List<string>(group.Agents.Count);
        foreach (var i in group.Agents)
        {
            var file = files[i];
            agents.Add(file.Path);

            // The folder's bytes already count its subagent transcripts; only the 2.0 files beside add theirs.
            if (file.Role == TranscriptRole.BesideAgent) size += file.Size;
            if (rows[i] is not { } row) continue;
            if (row.NewestTicks is { } t && (newest is null || t > newest)) newest = t;
            if (row.ModifiedTicks > modified) modified = row.ModifiedTicks;
            problemCount += row.Problems;
            cwd ??= row.Cwd;
        }

        // A session is its transcript or, without one, at least one subagent transcript (CUS-28); a folder
        // holding neither (tool results of a session long gone, say) is not a session.
        if (main is null && agents.Count == 0) return null;
        if (main is null && modified == long.MinValue) return null;
        agents.Sort(StringComparer.Ordinal);
        size += group.FolderBytes;
        var projectPath = cwd is not null && string.Equals(ClaudeLayout.EncodeProjectName(cwd.TrimEnd('/')), group.ProjectFolder, StringComparison.Ordinal)
            ? cwd
            : null;

        // The newest timestamp of any of the session's files; file times only when none has one (LOC-5): touching
        // one subagent transcript must not rescue the session.
        var fromTimestamp = newest is not null;
        var lastActivity = new DateTimeOffset(newest ?? modified, TimeSpan.Zero);
        return new SessionInfo(
            group.Id, group.ProjectFolder, projectPath, group.TranscriptPath, main?.FirstPrompt, lastActivity,
            fromTimestamp ? ActivitySource.Timestamp : ActivitySource.ModificationTime,
            size, agents.Count, main?.Lines ?? 0, problemCount)
        {
            HasTranscript = main is not null,
            SubagentTranscripts = agents,
        };
    }

    /// <summary>True when an indexed path (a transcript, or a subagent transcript inside a session folder) is under <paramref name="projectFolder"/>.</summary>
    private bool IsInFolder(string path, string projectFolder)
    {
        var prefix = _layout.ProjectsDir + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal)
            && path.AsSpan(prefix.Length).StartsWith(projectFolder, StringComparison.Ordinal)
            && path.Length > prefix.Length + projectFolder.Length && path[prefix.Length + projectFolder.Length] == Path.DirectorySeparatorChar;
    }

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

    private enum TranscriptRole
    {
        Main,
        BesideAgent,
        FolderAgent,
    }

    /// <summary>A file the listing reads through the index: a transcript or a subagent transcript.</summary>
    private readonly record struct Transcript(string Path, string ProjectFolder, long Size, long ModifiedTicks, TranscriptRole Role);

    /// <summary>One session as the listing assembles it: its transcript (if any), its folder and its subagent transcripts.</summary>
    private sealed class Group(string id, string projectFolder, string transcriptPath)
    {
        public string Id { get; } = id;
        public string ProjectFolder { get; } = projectFolder;
        public string TranscriptPath { get; } = transcriptPath;
        public int? Main { get; init; }
        public string? Folder { get; init; }
        public long FolderBytes { get; set; }
        public List<FileEntry> FolderSubagents { get; set; } = [];
        public List<int> Agents { get; } = [];
    }
}
