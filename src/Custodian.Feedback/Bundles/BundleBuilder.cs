using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using Custodian.Redaction;
using Custodian.Sessions;

namespace Custodian.Feedback.Bundles;

/// <summary>A bundle could not be built from what was asked for (an unknown session, an unusable output directory).</summary>
public sealed class BundleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BundleException()
        : base("the bundle could not be built")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BundleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BundleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One file that goes into a bundle.</summary>
/// <param name="EntryName">Its name in the archive.</param>
/// <param name="SourcePath">The local file it is read from (never written into the bundle).</param>
public sealed record BundleSource(string EntryName, string SourcePath);

/// <summary>What a bundle will hold: the sessions its scope picked and the files read for them.</summary>
/// <param name="Sessions">The sessions, the current one first, then the others by last activity, newest first.</param>
/// <param name="Sources">The files: every transcript, then every subagent transcript, then every session log.</param>
public sealed record BundleSelection(IReadOnlyList<SessionInfo> Sessions, IReadOnlyList<BundleSource> Sources);

/// <summary>
/// Builds a feedback bundle (FBK-1, FBK-4, SHR-3): a <c>.tar.gz</c> whose first entry is <c>manifest.json</c>, followed
/// by <c>transcripts/&lt;session-id&gt;.jsonl</c>, <c>subagents/&lt;session-id&gt;/agent-&lt;id&gt;.jsonl</c> and
/// <c>logs/&lt;session-id&gt;.log</c>, every one of them passed through the <see cref="Redactor"/>.
/// </summary>
/// <remarks>
/// <para>Immutable: every <c>With…</c> method returns a new builder, so one configured builder can be shared.</para>
/// <para>
/// The manifest must come first yet lists the hashes of the redacted files, so each file is first redacted into a
/// temporary file in the output directory (hashed and counted while it is written, in bounded memory); then the
/// archive is written to a temporary name in the same directory and flushed to disk. What comes back is a
/// <see cref="PendingBundle"/>: <see cref="PendingBundle.Commit"/> renames it into place, so a final name only ever
/// names a complete bundle. Redaction fails closed (RED-4): if any file cannot be redacted, every temporary file
/// is removed and no bundle exists.
/// </para>
/// <para>
/// The raw session log is Claude Code's per-session debug log, <c>&lt;config-dir&gt;/debug/&lt;session-id&gt;.txt</c>,
/// stored as <c>logs/&lt;session-id&gt;.log</c>; a session without one has no log entry (docs/feedback.md).
/// </para>
/// </remarks>
public sealed class BundleBuilder
{
    private const int FileBufferSize = 1 << 16;

    private static readonly UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private ClaudeLayout? _layout;
    private string? _sessionId;
    private BundleScope _scope = BundleScope.Session;
    private BundleKind _kind = BundleKind.Feedback;
    private Redactor _redactor = Redactor.Default;
    private TimeProvider _time = TimeProvider.System;
    private string _clientVersion = DefaultClientVersion;
    private string? _outputDirectory;
    private CompressionLevel _compression = CompressionLevel.Optimal;
    private Func<string, Stream> _openSource = OpenSource;

    /// <summary>A builder for a <see cref="BundleKind.Feedback"/> bundle of one session, with the default redactor and clock.</summary>
    public BundleBuilder()
    {
    }

    private BundleBuilder(BundleBuilder other)
    {
        _layout = other._layout;
        _sessionId = other._sessionId;
        _scope = other._scope;
        _kind = other._kind;
        _redactor = other._redactor;
        _time = other._time;
        _clientVersion = other._clientVersion;
        _outputDirectory = other._outputDirectory;
        _compression = other._compression;
        _openSource = other._openSource;
    }

    /// <summary>This library's version, the default client version in manifests.</summary>
    public static string DefaultClientVersion { get; } = VersionOf(typeof(BundleBuilder).Assembly);

    /// <summary>The session whose bundle this is (required).</summary>
    public string? SessionId => _sessionId;

    /// <summary>The scope.</summary>
    public BundleScope Scope => _scope;

    /// <summary>The kind.</summary>
    public BundleKind Kind => _kind;

    /// <summary>Where the bundle and its temporary files are written: the given directory, else <c>&lt;config-dir&gt;/feedback-bundles</c>.</summary>
    public string? OutputDirectory => _outputDirectory ?? (_layout is null ? null : BundleFiles.ArchiveDirectory(_layout.ConfigDir));

    /// <summary>The Claude config dir to read sessions from (required).</summary>
    public BundleBuilder WithConfigDir(string configDir) => WithLayout(new ClaudeLayout(configDir));

    /// <summary>The Claude layout to read sessions from (required).</summary>
    public BundleBuilder WithLayout(ClaudeLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new(this) { _layout = layout };
    }

    /// <summary>The current session (required).</summary>
    public BundleBuilder WithSession(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        return new(this) { _sessionId = sessionId };
    }

    /// <summary>The scope (default <see cref="BundleScope.Session"/>).</summary>
    public BundleBuilder WithScope(BundleScope scope) => new(this) { _scope = scope };

    /// <summary>The kind (default <see cref="BundleKind.Feedback"/>).</summary>
    public BundleBuilder WithKind(BundleKind kind) => new(this) { _kind = kind };

    /// <summary>The redactor every file passes through (default <see cref="Redactor.Default"/>).</summary>
    public BundleBuilder WithRedactor(Redactor redactor)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        return new(this) { _redactor = redactor };
    }

    /// <summary>The clock: the manifest's created time and the 24-hour and 7-day windows (default the system clock).</summary>
    public BundleBuilder WithTimeProvider(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new(this) { _time = time };
    }

    /// <summary>The client version recorded in the manifest.</summary>
    public BundleBuilder WithClientVersion(string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        return new(this) { _clientVersion = version };
    }

    /// <summary>Where to write (default <c>&lt;config-dir&gt;/feedback-bundles</c>).</summary>
    public BundleBuilder WithOutputDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return new(this) { _outputDirectory = Path.GetFullPath(directory) };
    }

    /// <summary>The gzip level (default <see cref="CompressionLevel.Optimal"/>).</summary>
    public BundleBuilder WithCompression(CompressionLevel level) => new(this) { _compression = level };

    /// <summary>Replaces how source files are opened, so tests can make reading fail part-way (RED-4).</summary>
    internal BundleBuilder WithSourceOpener(Func<string, Stream> open) => new(this) { _openSource = open };

    /// <summary>
    /// The sessions and files the bundle will hold: the current session, plus, for <see cref="BundleScope.Last24Hours"/>
    /// and <see cref="BundleScope.Last7Days"/>, every other session of the same project whose last activity (LOC-5) is
    /// within the window before now. Symbolic links are never followed.
    /// </summary>
    /// <exception cref="BundleException">The session does not exist.</exception>
    public BundleSelection Select()
    {
        var (layout, sessionId) = Required();
        var catalog = new SessionCatalog(layout);
        var current = catalog.Find(sessionId) ?? throw new BundleException($"no such session: {sessionId} (under {layout.ProjectsDir})");
        var sessions = new List<SessionInfo> { current };
        if (_scope != BundleScope.Session)
        {
            var since = _time.GetUtcNow() - _scope.Window();
            sessions.AddRange(catalog.List(current.ProjectFolder).Sessions
                .Where(s => s.SessionId != current.SessionId && s.LastActivity >= since));
        }

        var transcripts = new List<BundleSource>();
        var subagents = new List<BundleSource>();
        var logs = new List<BundleSource>();
        foreach (var session in sessions)
        {
            // A session whose transcript is gone still has its subagent transcripts to send (CUS-28).
            if (session.HasTranscript) transcripts.Add(new($"transcripts/{session.SessionId}.jsonl", session.TranscriptPath));

            // Both layouts (LOC-10): subagents/ in the session folder (2.1) and agent-*.jsonl beside the transcript
            // naming this session (2.0). The listing never follows links, so none of these is one.
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in session.SubagentTranscripts)
            {
                var name = Path.GetFileName(file);
                if (!names.Add(name)) name = "beside-" + name;
                names.Add(name);
                subagents.Add(new($"subagents/{session.SessionId}/{name}", file));
            }

            var debug = new FileInfo(Path.Combine(layout.ConfigDir, "debug", session.SessionId + ".txt"));
            if (debug.Exists && !ClaudeLayout.IsSymlink(debug)) logs.Add(new($"logs/{session.SessionId}.log", debug.FullName));
        }

        return new BundleSelection(sessions, [.. transcripts, .. subagents, .. logs]);
    }

    /// <summary>
    /// Redacts every selected file and writes the archive under a temporary name in <see cref="OutputDirectory"/>.
    /// Temporary files that killed runs left there are removed first. On any failure, redaction included (RED-4),
    /// everything this run wrote is removed and the exception propagates: no bundle exists.
    /// </summary>
    /// <returns>The complete archive, not yet under its final name: commit it, upload it, or dispose of it.</returns>
    /// <exception cref="BundleException">The session does not exist, or the output directory cannot be used.</exception>
    /// <exception cref="RedactionException">A file could not be redacted; nothing was kept.</exception>
    public async Task<PendingBundle> BuildAsync(CancellationToken cancellationToken = default)
    {
        var selection = Select();
        var directory = PrepareDirectory(OutputDirectory!);
        BundleFiles.CleanStaleTemporaryFiles(directory, _time);

        var staged = new List<string>(selection.Sources.Count);
        string? archive = null;
        try
        {
            var entries = new List<BundleEntry>(selection.Sources.Count);
            var total = RedactionReport.Empty;
            foreach (var source in selection.Sources)
            {
                var temp = BundleFiles.TemporaryPath(directory, ".stage");
                staged.Add(temp);
                var entry = await StageAsync(source, temp, cancellationToken).ConfigureAwait(false);
                entries.Add(entry);
                total = total.Add(entry.Redactions);
            }

            var manifest = new BundleManifest(
                BundleManifest.CurrentFormatVersion, _kind, _scope, [.. selection.Sessions.Select(s => s.SessionId)],
                _time.GetUtcNow(), _clientVersion, entries, total);

            archive = BundleFiles.TemporaryPath(directory, ".tar.gz.partial");
            var size = await WriteArchiveAsync(archive, manifest, staged, cancellationToken).ConfigureAwait(false);
            DeleteAll(staged);
            var pending = new PendingBundle(manifest, archive, directory, size);
            archive = null;
            return pending;
        }
        catch
        {
            DeleteAll(staged);
            if (archive is not null) DeleteAll([archive]);
            throw;
        }
    }

    private async Task<BundleEntry> StageAsync(BundleSource source, string temp, CancellationToken cancellationToken)
    {
        await using var input = _openSource(source.SourcePath);
        await using var output = new FileStream(temp, NewPrivateFile());
        await using var hashing = new HashingWriteStream(output);
        var report = await _redactor.RedactAsync(input, hashing, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new BundleEntry(source.EntryName, hashing.BytesWritten, hashing.HashHex(), report);
    }

    private async Task<long> WriteArchiveAsync(string path, BundleManifest manifest, List<string> staged, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, NewPrivateFile());
        await using (var gzip = new GZipStream(file, _compression, leaveOpen: true))
        {
            await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            using (var manifestData = new MemoryStream(manifest.ToJsonBytes(), writable: false))
            {
                await tar.WriteEntryAsync(Entry(BundleManifest.EntryName, manifest.CreatedAt, manifestData), cancellationToken).ConfigureAwait(false);
            }

            for (var i = 0; i < staged.Count; i++)
            {
                await using var data = new FileStream(staged[i], FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
                if (data.Length != manifest.Files[i].Size)
                    throw new IOException($"{manifest.Files[i].Path}: its staged copy changed size while the bundle was written");
                await tar.WriteEntryAsync(Entry(manifest.Files[i].Path, manifest.CreatedAt, data), cancellationToken).ConfigureAwait(false);
            }
        }

        // On disk before anyone may rename it into place: a crash after the rename must not leave a torn bundle.
        file.Flush(flushToDisk: true);
        return file.Length;
    }

    private static PaxTarEntry Entry(string name, DateTimeOffset time, Stream data) =>
        new(TarEntryType.RegularFile, name)
        {
            DataStream = data,
            ModificationTime = time,
            Mode = PrivateFile,
        };

    private static FileStreamOptions NewPrivateFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = FileBufferSize,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        return options;
    }

    private static string PrepareDirectory(string directory)
    {
        var info = new DirectoryInfo(directory);
        if (info.Exists && info.LinkTarget is not null)
            throw new BundleException($"{directory} is a symbolic link; bundles are never written through one");
        if (!info.Exists)
        {
            // The archive holds whole conversations (redacted, but still private): only the user may read it.
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory;
    }

    private static Stream OpenSource(string path) =>
        // The assistant may still be appending to a live transcript: read what is there, share everything.
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileBufferSize, FileOptions.SequentialScan);

    private (ClaudeLayout Layout, string SessionId) Required() =>
        (_layout ?? throw new InvalidOperationException("BundleBuilder: call WithConfigDir or WithLayout first"),
         _sessionId ?? throw new InvalidOperationException("BundleBuilder: call WithSession first"));

    private static void DeleteAll(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next run's cleanup (its name marks it as temporary and names this process).
            }
        }
    }

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational)) return informational.Split('+')[0];
        return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
