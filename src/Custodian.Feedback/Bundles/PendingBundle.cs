namespace Custodian.Feedback.Bundles;

/// <summary>
/// A complete bundle under a temporary name, flushed to disk: what <see cref="BundleBuilder.BuildAsync"/> returns.
/// Its exact size is known before anything is sent (SHR-6). <see cref="Commit"/> renames it into the local archive;
/// disposing of it without committing removes it, so an upload leaves nothing behind.
/// </summary>
public sealed class PendingBundle : IDisposable, IAsyncDisposable
{
    private string? _temporaryPath;

    internal PendingBundle(BundleManifest manifest, string temporaryPath, string directory, long size)
    {
        Manifest = manifest;
        _temporaryPath = temporaryPath;
        Directory = directory;
        Size = size;
    }

    /// <summary>The manifest (also the archive's first entry).</summary>
    public BundleManifest Manifest { get; }

    /// <summary>The directory it was written in, and is committed to.</summary>
    public string Directory { get; }

    /// <summary>The size of the <c>.tar.gz</c> in bytes: exactly what an upload sends.</summary>
    public long Size { get; }

    /// <summary>Where it is now: the temporary name before <see cref="Commit"/>, the final one after.</summary>
    public string Path => FinalPath ?? _temporaryPath ?? throw new ObjectDisposedException(nameof(PendingBundle));

    /// <summary>The final path once committed.</summary>
    public string? FinalPath { get; private set; }

    /// <summary>Opens the archive for reading (to upload it).</summary>
    public Stream OpenRead() =>
        new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);

    /// <summary>
    /// Renames the archive to its final name (<c>&lt;kind&gt;-&lt;time&gt;-&lt;session&gt;-&lt;random&gt;.tar.gz</c>) in the
    /// same directory, in one step: the final name never names a partial file. Returns the final path.
    /// </summary>
    public string Commit()
    {
        if (FinalPath is not null) return FinalPath;
        var from = _temporaryPath ?? throw new ObjectDisposedException(nameof(PendingBundle));
        var to = System.IO.Path.Combine(Directory, BundleFiles.FinalName(Manifest));
        File.Move(from, to, overwrite: false);
        FinalPath = to;
        _temporaryPath = null;
        return to;
    }

    /// <summary>Removes the archive unless it was committed.</summary>
    public void Dispose()
    {
        if (_temporaryPath is { } path)
        {
            _temporaryPath = null;
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Its temporary name marks it for the next run's cleanup.
            }
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
