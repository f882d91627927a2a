namespace Custodian.Sessions;

/// <summary>How to sweep.</summary>
/// <param name="PeriodDays">Keep what was active within this many days (LOC-3); any length, see <see cref="RetentionSweep.CutoffFor"/>.</param>
/// <param name="DryRun">List what would go; change nothing (LOC-7).</param>
/// <param name="DeleteOutright">Delete for good instead of moving to the trash (LOC-7).</param>
/// <param name="ClientPeriodDays">
/// The period Claude Code's own sweep uses (the resolved <c>cleanupPeriodDays</c>), to name what it would delete that
/// this sweep keeps (CUS-33); null when it cannot be known (the client's sweep is paused too).
/// </param>
public sealed record SweepOptions(long PeriodDays, bool DryRun = false, bool DeleteOutright = false, long? ClientPeriodDays = null);

/// <summary>
/// A transcript this sweep keeps (its session was active within the period) that Claude Code's own sweep would
/// delete, because that sweep ages each <c>.jsonl</c> in a project folder by its modification time (CUS-33).
/// </summary>
/// <param name="SessionId">The session it belongs to.</param>
/// <param name="Path">The transcript (or 2.0 agent transcript) that would go.</param>
/// <param name="Modified">Its modification time, older than the client's cut-off.</param>
/// <param name="LastActivity">The session's last activity, which keeps it here (LOC-5).</param>
public sealed record ClientSweepCandidate(string SessionId, string Path, DateTimeOffset Modified, DateTimeOffset LastActivity);

/// <summary>What a sweep did, or would do in a dry run.</summary>
/// <param name="Cutoff">Units last active before this instant go.</param>
/// <param name="Units">Every unit removed (or, in a dry run, that would be).</param>
/// <param name="RetainedSessions">Sessions kept.</param>
/// <param name="Errors">Units that could not be removed and were left whole.</param>
/// <param name="Problems">Transcript lines that could not be used (LOC-8).</param>
/// <param name="SkippedSymlinks">Symbolic links met and left alone (LOC-4).</param>
/// <param name="TrashEmptied">Trash entries older than 7 days that were deleted.</param>
/// <param name="Recovered">Interrupted removals finished before sweeping.</param>
public sealed record SweepReport(
    DateTimeOffset Cutoff,
    IReadOnlyList<RemovalUnit> Units,
    int RetainedSessions,
    IReadOnlyList<RemovalError> Errors,
    IReadOnlyList<TranscriptProblem> Problems,
    int SkippedSymlinks,
    int TrashEmptied,
    int Recovered)
{
    /// <summary>Sessions removed.</summary>
    public int Sessions => Units.Count(u => u.Kind == RemovalKind.Session);

    /// <summary>Other files and folders removed.</summary>
    public int Files => Units.Count(u => u.Kind == RemovalKind.File);

    /// <summary>Bytes removed.</summary>
    public long Bytes => Units.Sum(u => u.Bytes);

    /// <summary>The cut-off of Claude Code's own sweep, when <see cref="SweepOptions.ClientPeriodDays"/> was given.</summary>
    public DateTimeOffset? ClientCutoff { get; init; }

    /// <summary>What Claude Code's own sweep would delete of what this sweep keeps (CUS-33), oldest first.</summary>
    public IReadOnlyList<ClientSweepCandidate> ClientWouldDelete { get; init; } = [];
}

/// <summary>Progress of a sweep, for a progress bar.</summary>
/// <param name="Done">Units handled so far.</param>
/// <param name="Total">Units to handle.</param>
public readonly record struct SweepProgress(int Done, int Total);

/// <summary>
/// The retention sweep (LOC-3..7): removes sessions whose last activity (LOC-5) is older than the period, and
/// aged files in the swept folders, never <c>history.jsonl</c>, <c>memory/</c>, settings, or anything reached
/// through a symbolic link (LOC-4). Sessions go to the trash unless told otherwise. Callers hold a <see cref="SweepLock"/>.
/// </summary>
public sealed class RetentionSweep
{
    private readonly ClaudeLayout _layout;
    private readonly TimeProvider _time;

    /// <summary>Creates a sweep over <paramref name="layout"/>.</summary>
    public RetentionSweep(ClaudeLayout layout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(time);
        _layout = layout;
        _time = time;
    }

    /// <summary>Plans and (unless a dry run) carries out the sweep.</summary>
    public SweepReport Run(SweepOptions options, IProgress<SweepProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PeriodDays < 1) throw new ArgumentOutOfRangeException(nameof(options), "the period must be at least 1 day");

        var trash = new SessionTrash(_layout, _time);
        var recovered = options.DryRun ? 0 : trash.Recover();
        var cutoff = CutoffFor(_time.GetUtcNow(), options.PeriodDays);
        var clientCutoff = options.ClientPeriodDays is { } clientDays ? CutoffFor(_time.GetUtcNow(), clientDays) : (DateTimeOffset?)null;
        var (units, retained, problems, symlinks, clientWouldDelete) = Plan(cutoff, clientCutoff);

        var errors = new List<RemovalError>();
        var removed = new List<RemovalUnit>(units.Count);
        if (options.DryRun)
        {
            removed.AddRange(units);
        }
        else
        {
            // Batches keep one journal per few thousand units, and let a progress bar move.
            const int batchSize = 2000;
            for (var start = 0; start < units.Count; start += batchSize)
            {
                var batch = units.GetRange(start, Math.Min(batchSize, units.Count - start));
                var offset = start;
                var failed = trash.Remove(batch, options.DeleteOutright, progress is null ? null : new BatchProgress(progress, offset, units.Count), deferDeletion: true);
                errors.AddRange(failed);
                var failedNames = failed.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
                removed.AddRange(batch.Where(u => !failedNames.Contains(u.Name)));
                progress?.Report(new SweepProgress(Math.Min(start + batchSize, units.Count), units.Count));
            }

            trash.CompleteDeletions();
        }

        var emptied = options.DryRun ? 0 : trash.EmptyExpired();
        return new SweepReport(cutoff, removed, retained, errors, problems, symlinks, emptied, recovered)
        {
            ClientCutoff = clientCutoff,
            ClientWouldDelete = clientWouldDelete,
        };
    }

    /// <summary>
    /// The instant <paramref name="periodDays"/> days before <paramref name="now"/>, exactly (whole days of ticks).
    /// A period that reaches back past the first instant the calendar can hold (about 739,000 days from now; the
    /// settings schema allows any whole number) clamps to <see cref="DateTimeOffset.MinValue"/>: nothing is older,
    /// so the sweep runs and keeps every session, instead of failing on the arithmetic (CUS-30).
    /// </summary>
    public static DateTimeOffset CutoffFor(DateTimeOffset now, long periodDays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(periodDays, 1);
        var reachableDays = (now.UtcDateTime - DateTime.MinValue).Ticks / TimeSpan.TicksPerDay;
        return periodDays > reachableDays
            ? DateTimeOffset.MinValue
            : now.ToUniversalTime().AddTicks(-periodDays * TimeSpan.TicksPerDay);
    }

    private (List<RemovalUnit> Units, int Retained, IReadOnlyList<TranscriptProblem> Problems, int Symlinks, List<ClientSweepCandidate> ClientWouldDelete) Plan(
        DateTimeOffset cutoff, DateTimeOffset? clientCutoff)
    {
        var clientWouldDelete = new List<ClientSweepCandidate>();
        var listing = new SessionCatalog(_layout).List();
        var todos = _layout.IndexTodos();
        var units = new List<RemovalUnit>();
        var live = new HashSet<string>(StringComparer.Ordinal);
        var doomed = new HashSet<string>(StringComparer.Ordinal);
        var symlinks = listing.SkippedSymlinks;
        foreach (var session in listing.Sessions)
        {
            if (session.LastActivity >= cutoff)
            {
                live.Add(session.SessionId);
                if (clientCutoff is { } clientBefore) ForecastClientSweep(session, clientBefore, clientWouldDelete);
                continue;
            }

            // A session is aged as one (LOC-10): its last activity is already the newest of its transcript and
            // every subagent transcript, so its agent files go with it, never before it.
            doomed.Add(session.SessionId);
            var paths = ClaudeLayout.SessionProjectPaths(session);
            var perSession = _layout.PerSessionFiles(session.SessionId, todos).Where(p => !IsLink(p)).ToList();
            paths.AddRange(perSession);
            units.Add(new RemovalUnit(RemovalKind.Session, session.SessionId, paths, session.LastActivity, session.SizeBytes + ExtraBytes(perSession)));
        }

        foreach (var folderName in ClaudeLayout.SweptFolders)
        {
            var folder = new DirectoryInfo(Path.Combine(_layout.ConfigDir, folderName));
            if (!folder.Exists) continue;
            if (ClaudeLayout.IsSymlink(folder))
            {
                symlinks++;
                continue;
            }

            foreach (var entry in folder.EnumerateFileSystemInfos())
            {
                if (ClaudeLayout.IsSymlink(entry))
                {
                    symlinks++;
                    continue;
                }

                var owner = OwningSession(folderName, entry.Name);
                if (owner is not null && (live.Contains(owner) || doomed.Contains(owner))) continue;
                var (newest, bytes) = Newest(entry);
                if (newest >= cutoff) continue;
                units.Add(new RemovalUnit(
                    RemovalKind.File, Path.GetRelativePath(_layout.ConfigDir, entry.FullName), [entry.FullName], newest, bytes));
            }
        }

        clientWouldDelete.Sort(static (a, b) => a.Modified.CompareTo(b.Modified));
        return (units, live.Count, listing.Problems, symlinks, clientWouldDelete);
    }

    /// <summary>
    /// Claude Code 2.1.328's own sweep deletes each <c>.jsonl</c> directly in a project folder whose modification time
    /// is older than its cut-off: the transcript, and 2.0's agent files beside it, each on its own. Subagent
    /// transcripts under <c>&lt;session&gt;/subagents/</c> it leaves while the transcript exists. So a session alive by
    /// its content but untouched on disk (restored from a backup, copied, scrubbed by an older Custodian) loses files
    /// there and not here; this names them so a person can see the difference before it happens.
    /// </summary>
    private static void ForecastClientSweep(SessionInfo session, DateTimeOffset clientCutoff, List<ClientSweepCandidate> into)
    {
        var projectFolder = Path.GetDirectoryName(session.TranscriptPath);
        if (session.HasTranscript) Add(session.TranscriptPath);
        foreach (var agent in session.SubagentTranscripts)
        {
            // Only 2.0's agent files sit directly in the project folder; 2.1's are safe while the transcript exists.
            if (string.Equals(Path.GetDirectoryName(agent), projectFolder, StringComparison.Ordinal) || !session.HasTranscript) Add(agent);
        }

        void Add(string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null) return;
            var modified = new DateTimeOffset(info.LastWriteTimeUtc);
            if (modified < clientCutoff) into.Add(new ClientSweepCandidate(session.SessionId, path, modified, session.LastActivity));
        }
    }

    /// <summary>The session a per-session entry belongs to, judged by its name; null for shared folders.</summary>
    private static string? OwningSession(string folder, string name) => folder switch
    {
        "file-history" => name,
        "debug" when name.EndsWith(".txt", StringComparison.Ordinal) => name[..^4],
        "todos" => ClaudeLayout.TodoOwner(name),
        _ => null,
    };

    /// <summary>The newest modification time under an entry (without following links) and its size.</summary>
    private static (DateTimeOffset Newest, long Bytes) Newest(FileSystemInfo entry)
    {
        if (entry is FileInfo file) return (file.LastWriteTimeUtc, file.Length);
        var newest = new DateTimeOffset(entry.LastWriteTimeUtc);
        long bytes = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var inner in ((DirectoryInfo)entry).EnumerateFileSystemInfos("*", options))
        {
            if (inner.LastWriteTimeUtc > newest) newest = inner.LastWriteTimeUtc;
            if (inner is FileInfo f) bytes += f.Length;
        }

        return (newest, bytes);
    }

    private static long ExtraBytes(IEnumerable<string> paths)
    {
        long total = 0;
        foreach (var path in paths)
        {
            total += File.Exists(path) ? new FileInfo(path).Length : Newest(new DirectoryInfo(path)).Bytes;
        }

        return total;
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    private sealed class BatchProgress(IProgress<SweepProgress> inner, int offset, int total) : IProgress<int>
    {
        public void Report(int value)
        {
            if (value % 100 == 0) inner.Report(new SweepProgress(offset + value, total));
        }
    }
}
