using Custodian.Redaction;

namespace Custodian.Sessions;

/// <summary>A transcript in which a scrub replaced secrets (or, in a dry run, would).</summary>
/// <param name="Path">Its full path.</param>
/// <param name="RelativePath">Its path under <c>&lt;config-dir&gt;/projects</c>, for display.</param>
/// <param name="Report">What was replaced, per rule; never the secrets.</param>
public sealed record ScrubbedFile(string Path, string RelativePath, RedactionReport Report);

/// <summary>A transcript that could not be scrubbed and was left exactly as it was.</summary>
/// <param name="RelativePath">Its path under <c>&lt;config-dir&gt;/projects</c> (or as given, when outside it).</param>
/// <param name="Message">Why, in one line.</param>
public sealed record ScrubError(string RelativePath, string Message)
{
    /// <summary><c>path: not scrubbed, left as it was: why</c>.</summary>
    public override string ToString() => $"{RelativePath}: not scrubbed, left as it was: {Message}";
}

/// <summary>What a scrub did (or, in a dry run, would do).</summary>
/// <param name="Files">The transcripts that held secrets, in walk order.</param>
/// <param name="Total">The replacements of all of them.</param>
/// <param name="Scanned">How many transcripts were read.</param>
/// <param name="SkippedSymlinks">Symbolic links met and left alone: never followed, never written through.</param>
/// <param name="Errors">Transcripts left as they were.</param>
public sealed record ScrubReport(
    IReadOnlyList<ScrubbedFile> Files, RedactionReport Total, int Scanned, int SkippedSymlinks, IReadOnlyList<ScrubError> Errors);

/// <summary>
/// Redacts secrets in place in local transcripts (RED-1, GRD-5): the whole <c>projects/</c> tree for
/// <c>custodian scrub</c>, or one session — its transcript and its subagent transcripts — for the live guard's
/// Stop and SessionEnd hooks. Each file is rewritten atomically (CUS-31): redacted into a temporary file in the same
/// folder, flushed, given the original's mode and modification time, and renamed over it, so a crash leaves the old
/// file or the new one, and scrubbing never extends a session's life under Claude Code's modification-time sweep.
/// A file without secrets is not rewritten. Symbolic links are never followed nor written through (LOC-4).
/// </summary>
public sealed class TranscriptScrubber
{
    private const string TempSuffix = ".scrub-tmp";

    private readonly ClaudeLayout _layout;
    private readonly Redactor _redactor;

    /// <summary>Creates a scrubber of <paramref name="layout"/>'s transcripts using <paramref name="redactor"/> (default: the built-in rules).</summary>
    public TranscriptScrubber(ClaudeLayout layout, Redactor? redactor = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        _redactor = redactor ?? Redactor.Default;
    }

    /// <summary>Scrubs every transcript under <c>projects/</c> (<c>*.jsonl</c> at any depth, subagents included), in name order.</summary>
    public ScrubReport ScrubAll(bool dryRun = false)
    {
        var run = new Run(this, dryRun);
        var projects = new DirectoryInfo(_layout.ProjectsDir);
        if (!projects.Exists) return run.Report();
        if (ClaudeLayout.IsSymlink(projects))
        {
            run.SkippedSymlinks++;
            return run.Report();
        }

        run.Walk(projects);
        return run.Report();
    }

    /// <summary>
    /// Scrubs one listed session: its transcript (when it has one) and every subagent transcript the listing found,
    /// in either layout (LOC-10), so a 2.0 <c>agent-*.jsonl</c> beside the transcript is covered too.
    /// </summary>
    public ScrubReport ScrubSession(SessionInfo session, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        var run = new Run(this, dryRun);
        var files = new List<string>(session.SubagentTranscripts.Count + 1);
        if (session.HasTranscript) files.Add(session.TranscriptPath);
        files.AddRange(session.SubagentTranscripts);
        foreach (var path in files)
        {
            var full = Path.GetFullPath(path);
            if (!IsUnderProjects(full) || !full.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                run.Errors.Add(new ScrubError(path, "not a transcript under " + _layout.ProjectsDir));
                continue;
            }

            if (ThroughLink(full))
            {
                run.SkippedSymlinks++;
                continue;
            }

            var file = new FileInfo(full);
            if (file.Exists) run.File(file);
        }

        return run.Report();
    }

    /// <summary>
    /// Scrubs one session by its transcript path (as a hook receives it in <c>transcript_path</c>): the transcript,
    /// then every <c>*.jsonl</c> under <c>&lt;session-id&gt;/subagents/</c> beside it. A path outside
    /// <c>projects/</c>, or one reached through a symbolic link, is refused as an error and nothing is written.
    /// </summary>
    public ScrubReport ScrubSession(string transcriptPath, bool dryRun = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(transcriptPath);
        var run = new Run(this, dryRun);
        var full = Path.GetFullPath(transcriptPath);
        if (!IsUnderProjects(full) || !full.EndsWith(".jsonl", StringComparison.Ordinal))
        {
            run.Errors.Add(new ScrubError(transcriptPath, "not a transcript under " + _layout.ProjectsDir));
            return run.Report();
        }

        if (ThroughLink(full))
        {
            run.SkippedSymlinks++;
            return run.Report();
        }

        var transcript = new FileInfo(full);
        if (transcript.Exists) run.File(transcript);
        var subagents = new DirectoryInfo(Path.Combine(ClaudeLayout.SessionFolderOf(full), "subagents"));
        if (subagents.Exists)
        {
            if (ClaudeLayout.IsSymlink(subagents) || ClaudeLayout.IsSymlink(subagents.Parent!)) run.SkippedSymlinks++;
            else run.Walk(subagents);
        }

        return run.Report();
    }

    /// <summary>
    /// Scrubs <c>&lt;config-dir&gt;/history.jsonl</c>, where Claude Code keeps every prompt typed, a blocked one included
    /// (GRD-5). A history reached through a symbolic link is skipped.
    /// </summary>
    public ScrubReport ScrubHistory(bool dryRun = false)
    {
        var run = new Run(this, dryRun);
        var history = new FileInfo(Path.Combine(_layout.ConfigDir, "history.jsonl"));
        if (!history.Exists) return run.Report();
        if (ClaudeLayout.IsSymlink(history) || ClaudeLayout.IsSymlink(new DirectoryInfo(_layout.ConfigDir)))
        {
            run.SkippedSymlinks++;
            return run.Report();
        }

        run.File(history);
        return run.Report();
    }

    private bool IsUnderProjects(string full) =>
        full.StartsWith(_layout.ProjectsDir + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>True when the file or a folder between <c>projects/</c> and it is a symbolic link.</summary>
    private bool ThroughLink(string full)
    {
        for (var path = full; path.Length > _layout.ProjectsDir.Length; path = Path.GetDirectoryName(path)!)
        {
            // Exists first: the attributes of a path that is not there read as "all flags", a reparse point included.
            if ((File.Exists(path) || Directory.Exists(path)) && ClaudeLayout.IsSymlink(new FileInfo(path))) return true;
        }

        return ClaudeLayout.IsSymlink(new DirectoryInfo(_layout.ProjectsDir));
    }

    /// <summary>Counts what <see cref="Rewrite"/> would replace; reads only.</summary>
    private RedactionReport Count(string path)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        return _redactor.Redact(input, Stream.Null);
    }

    /// <summary>
    /// Redacts <paramref name="file"/> into a temporary file beside it and renames that over it, keeping the original's
    /// mode and modification time (CUS-31). Throws <see cref="IOException"/> when the file changed meanwhile (a live
    /// session appending): the original stays as it was, and the temporary file is removed.
    /// </summary>
    private RedactionReport Rewrite(FileInfo file)
    {
        var temp = Path.Combine(file.DirectoryName!, "." + file.Name + "." + Guid.NewGuid().ToString("N")[..8] + TempSuffix);
        try
        {
            var length = file.Length;
            var written = file.LastWriteTimeUtc;
            RedactionReport report;
            using (var input = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                report = _redactor.Redact(input, output);
                output.Flush(flushToDisk: true);
            }

            if (report.IsEmpty) return report;

            file.Refresh();
            if (ClaudeLayout.IsSymlink(file))
            {
                throw new IOException("it was replaced by a symbolic link while being scrubbed");
            }

            if (file.Length != length || file.LastWriteTimeUtc != written)
            {
                throw new IOException("it changed while being scrubbed (a session is writing to it); run scrub again later");
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, file.UnixFileMode);
            }

            // The content is new, its age is not: Claude Code sweeps by modification time, which must not move.
            File.SetLastWriteTimeUtc(temp, written);
            File.Move(temp, file.FullName, overwrite: true);
            return report;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>The running totals of one scrub.</summary>
    private sealed class Run(TranscriptScrubber owner, bool dryRun)
    {
        private RedactionReport _total = RedactionReport.Empty;
        private int _scanned;

        public List<ScrubbedFile> Files { get; } = [];

        public List<ScrubError> Errors { get; } = [];

        public int SkippedSymlinks { get; set; }

        public ScrubReport Report() => new(Files, _total, _scanned, SkippedSymlinks, Errors);

        /// <summary>Every transcript under <paramref name="root"/>, depth first in name order, never through a link.</summary>
        public void Walk(DirectoryInfo root)
        {
            var pending = new Stack<DirectoryInfo>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var directory = pending.Pop();
                foreach (var entry in directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    // Never follow a link: it could lead out of the config dir.
                    if (ClaudeLayout.IsSymlink(entry))
                    {
                        SkippedSymlinks++;
                        continue;
                    }

                    if (entry is DirectoryInfo child) pending.Push(child);
                    else File((FileInfo)entry);
                }
            }
        }

        /// <summary>Scrubs one file if it is a transcript (not a hidden file such as another scrub's temporary file).</summary>
        public void File(FileInfo file)
        {
            if (!file.Name.EndsWith(".jsonl", StringComparison.Ordinal) || file.Name.StartsWith('.')) return;
            if (ClaudeLayout.IsSymlink(file))
            {
                SkippedSymlinks++;
                return;
            }

            _scanned++;
            var relative = Path.GetRelativePath(owner._layout.ProjectsDir, file.FullName);
            try
            {
                var report = dryRun ? owner.Count(file.FullName) : owner.Rewrite(file);
                if (report.IsEmpty) return;
                Files.Add(new ScrubbedFile(file.FullName, relative, report));
                _total = _total.Add(report);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or RedactionException)
            {
                Errors.Add(new ScrubError(relative, e.Message));
            }
        }
    }
}
