namespace Custodian.Sessions;

/// <summary>
/// Claude Code's layout under a config dir (LOC-1): <c>projects/&lt;project&gt;/&lt;session-id&gt;.jsonl</c>, with
/// subagent transcripts at <c>projects/&lt;project&gt;/&lt;session-id&gt;/subagents/agent-&lt;id&gt;.jsonl</c>.
/// </summary>
public sealed class ClaudeLayout
{
    /// <summary>Top-level folders that the sweep ages and removes (LOC-3), besides session transcripts.</summary>
    public static readonly IReadOnlyList<string> SweptFolders =
        ["tool-results", "file-history", "todos", "debug", "paste-cache", "shell-snapshots", "feedback-bundles"];

    /// <summary>Creates the layout of <paramref name="configDir"/>.</summary>
    public ClaudeLayout(string configDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDir);
        ConfigDir = Path.GetFullPath(configDir);
    }

    /// <summary>The config dir.</summary>
    public string ConfigDir { get; }

    /// <summary><c>&lt;config-dir&gt;/projects</c>.</summary>
    public string ProjectsDir => Path.Combine(ConfigDir, "projects");

    /// <summary><c>&lt;config-dir&gt;/trash</c>: where deleted sessions wait 7 days (LOC-7).</summary>
    public string TrashDir => Path.Combine(ConfigDir, "trash");

    /// <summary><c>&lt;config-dir&gt;/custodian</c>: Custodian's own state (index, lock).</summary>
    public string CustodianDir => Path.Combine(ConfigDir, "custodian");

    /// <summary>The folder name Claude Code uses for a working directory: every non-alphanumeric character becomes <c>-</c>.</summary>
    public static string EncodeProjectName(string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(workingDirectory);
        return string.Create(workingDirectory.Length, workingDirectory, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsAsciiLetterOrDigit(source[i]) ? source[i] : '-';
            }
        });
    }

    /// <summary>The project folder of a working directory.</summary>
    public string ProjectDirFor(string workingDirectory) =>
        Path.Combine(ProjectsDir, EncodeProjectName(Path.GetFullPath(workingDirectory).TrimEnd('/')));

    /// <summary>The per-session folder beside a transcript: <c>projects/&lt;project&gt;/&lt;session-id&gt;/</c>.</summary>
    public static string SessionFolderOf(string transcriptPath) =>
        Path.Combine(Path.GetDirectoryName(transcriptPath)!, Path.GetFileNameWithoutExtension(transcriptPath));

    /// <summary>
    /// The paths of a session inside its project folder, which go with it as one unit (LOC-2, LOC-10, CUS-12): its
    /// transcript, its session folder (2.1 subagents, tool results) and the 2.0 <c>agent-*.jsonl</c> files beside
    /// it that name it. Only paths that exist; a project's <c>memory/</c> folder and symbolic links are never included.
    /// </summary>
    public static List<string> SessionProjectPaths(SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var paths = new List<string>(2 + session.SubagentTranscripts.Count);
        // Without a transcript (CUS-28) the would-be transcript path may be an agent file itself, listed below.
        var transcript = new FileInfo(session.TranscriptPath);
        if (session.HasTranscript && transcript.Exists && !IsSymlink(transcript)) paths.Add(transcript.FullName);

        // A project's memory/ folder is never swept, even if a transcript happened to be called memory.jsonl.
        var folder = new DirectoryInfo(SessionFolderOf(session.TranscriptPath));
        if (folder.Name != "memory" && folder.Exists && !IsSymlink(folder)) paths.Add(folder.FullName);
        var inFolder = folder.FullName + Path.DirectorySeparatorChar;
        foreach (var agent in session.SubagentTranscripts)
        {
            // 2.1 subagent transcripts move with their folder; the 2.0 ones beside the transcript move one by one.
            if (!agent.StartsWith(inFolder, StringComparison.Ordinal) && File.Exists(agent)) paths.Add(agent);
        }

        return paths;
    }

    /// <summary>
    /// Every path outside the project folder that belongs to a session (LOC-2): file history, todos, debug log
    /// and session environment. Only paths that exist are returned.
    /// </summary>
    public IEnumerable<string> PerSessionFiles(string sessionId) => PerSessionFiles(sessionId, null);

    /// <summary>
    /// As <see cref="PerSessionFiles(string)"/>, with the <c>todos/</c> folder already indexed by
    /// <see cref="IndexTodos"/>: a sweep of many sessions must not list that folder once per session.
    /// </summary>
    public IEnumerable<string> PerSessionFiles(string sessionId, IReadOnlyDictionary<string, List<string>>? todosBySession)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        var fileHistory = Path.Combine(ConfigDir, "file-history", sessionId);
        if (Directory.Exists(fileHistory)) yield return fileHistory;
        var sessionEnv = Path.Combine(ConfigDir, "session-env", sessionId);
        if (Directory.Exists(sessionEnv)) yield return sessionEnv;
        var debug = Path.Combine(ConfigDir, "debug", sessionId + ".txt");
        if (File.Exists(debug)) yield return debug;
        // Matching by owner, not by prefix: session "s1" must not take "s10-agent-….json".
        todosBySession ??= IndexTodos();
        if (todosBySession.TryGetValue(sessionId, out var todos))
        {
            foreach (var todo in todos) yield return todo;
        }
    }

    /// <summary>The session a <c>todos/</c> file belongs to: the name before <c>-agent-</c>, else the name without <c>.json</c>.</summary>
    public static string TodoOwner(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var agent = fileName.IndexOf("-agent-", StringComparison.Ordinal);
        if (agent > 0) return fileName[..agent];
        return fileName.EndsWith(".json", StringComparison.Ordinal) ? fileName[..^5] : fileName;
    }

    /// <summary>Every <c>todos/*.json</c> file (not links) by the session it belongs to, listed once.</summary>
    public Dictionary<string, List<string>> IndexTodos()
    {
        var index = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var todos = new DirectoryInfo(Path.Combine(ConfigDir, "todos"));
        if (!todos.Exists || IsSymlink(todos)) return index;
        foreach (var file in todos.EnumerateFiles("*.json"))
        {
            if (IsSymlink(file)) continue;
            var owner = TodoOwner(file.Name);
            if (!index.TryGetValue(owner, out var list)) index[owner] = list = [];
            list.Add(file.FullName);
        }

        return index;
    }

    /// <summary>True when <paramref name="path"/> is the config dir or inside it (after normalisation).</summary>
    public bool Contains(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return full == ConfigDir || full.StartsWith(ConfigDir + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>True for a symbolic link (file or directory), which Custodian never follows nor deletes (LOC-4).</summary>
    public static bool IsSymlink(FileSystemInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint);
    }
}
