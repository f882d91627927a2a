using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Custodian.Feedback.Bundles;

/// <summary>What is wrong with a bundle.</summary>
public enum BundleProblemKind
{
    /// <summary>The file is not a gzip-compressed tar archive, or it is truncated or corrupt.</summary>
    NotABundle,

    /// <summary><c>manifest.json</c> is missing, unreadable or invalid.</summary>
    BadManifest,

    /// <summary><c>manifest.json</c> is not the first entry.</summary>
    ManifestNotFirst,

    /// <summary>A listed file's size or SHA-256 differs from the manifest.</summary>
    Changed,

    /// <summary>An entry (or trailing data) that the manifest does not list.</summary>
    Added,

    /// <summary>A listed file that is not in the archive.</summary>
    Missing,

    /// <summary>An entry name that occurs more than once.</summary>
    Duplicate,
}

/// <summary>One problem of a bundle.</summary>
/// <param name="Kind">What kind of problem.</param>
/// <param name="Path">The entry it concerns, if any.</param>
/// <param name="Message">One line for people.</param>
public sealed record BundleProblem(BundleProblemKind Kind, string? Path, string Message)
{
    /// <summary>The kind's wire name: <c>not-a-bundle</c>, <c>bad-manifest</c>, <c>manifest-not-first</c>, <c>changed</c>, <c>added</c>, <c>missing</c>, <c>duplicate</c>.</summary>
    public string KindName => Kind switch
    {
        BundleProblemKind.NotABundle => "not-a-bundle",
        BundleProblemKind.BadManifest => "bad-manifest",
        BundleProblemKind.ManifestNotFirst => "manifest-not-first",
        BundleProblemKind.Changed => "changed",
        BundleProblemKind.Added => "added",
        BundleProblemKind.Missing => "missing",
        BundleProblemKind.Duplicate => "duplicate",
        _ => "unknown",
    };

    /// <inheritdoc />
    public override string ToString() => $"{KindName}: {Message}";
}

/// <summary>The outcome of checking a bundle.</summary>
/// <param name="Manifest">The manifest, when it could be read.</param>
/// <param name="Entries">How many archive entries were read, the manifest included.</param>
/// <param name="Problems">Every problem found; none means intact.</param>
public sealed record BundleVerification(BundleManifest? Manifest, int Entries, IReadOnlyList<BundleProblem> Problems)
{
    /// <summary>True when the bundle is exactly what its manifest says: nothing changed, added or missing.</summary>
    public bool Intact => Problems.Count == 0;
}

/// <summary>
/// Checks a bundle against its manifest: <c>manifest.json</c> first and valid; every listed file present with the
/// listed size and SHA-256; no entry, and no data after the archive's end, that the manifest does not list.
/// Reads the archive once, in bounded memory.
/// </summary>
public static class BundleVerifier
{
    /// <summary>Checks the bundle at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="UnauthorizedAccessException">It cannot be read.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static BundleVerification Verify(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Verify(stream);
    }

    /// <summary>Checks the bundle read from <paramref name="bundle"/> (from its current position to its end).</summary>
    public static BundleVerification Verify(Stream bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var problems = new List<BundleProblem>();
        var magic = new byte[2];
        var got = bundle.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        if (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        {
            problems.Add(new(BundleProblemKind.NotABundle, null, "not a gzip file (a bundle is a .tar.gz)"));
            return new BundleVerification(null, 0, problems);
        }

        var found = new Dictionary<string, (long Size, string Sha256)>(StringComparer.Ordinal);
        var order = new List<string>();
        byte[]? manifestBytes = null;
        var manifestIndex = -1;
        var entries = 0;
        using (var gzip = new GZipStream(new PrefixedStream(magic, bundle), CompressionMode.Decompress))
        {
            try
            {
                using var tar = new TarReader(gzip, leaveOpen: true);
                while (tar.GetNextEntry() is { } entry)
                {
                    var index = entries++;
                    var name = entry.Name;
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    {
                        problems.Add(new(BundleProblemKind.Added, name, $"{name}: a {entry.EntryType} entry, which a bundle never holds"));
                        continue;
                    }

                    if (name == BundleManifest.EntryName)
                    {
                        if (manifestBytes is not null)
                        {
                            problems.Add(new(BundleProblemKind.Duplicate, name, $"{name}: occurs more than once"));
                            continue;
                        }

                        manifestIndex = index;
                        manifestBytes = ReadManifest(entry, problems);
                        continue;
                    }

                    var (size, sha) = Hash(entry.DataStream);
                    if (!found.TryAdd(name, (size, sha)))
                    {
                        problems.Add(new(BundleProblemKind.Duplicate, name, $"{name}: occurs more than once"));
                        continue;
                    }

                    order.Add(name);
                }

                // Anything after the end-of-archive blocks is hidden from tar tools but still in the file.
                if (HasDataAfterEnd(gzip))
                    problems.Add(new(BundleProblemKind.Added, null, "data after the end of the archive"));
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
            {
                problems.Add(new(BundleProblemKind.NotABundle, null, "not a readable tar.gz (truncated or corrupt): " + OneLine(e.Message)));
                return new BundleVerification(null, entries, problems);
            }
        }

        if (manifestBytes is null)
        {
            if (!problems.Any(p => p.Kind == BundleProblemKind.BadManifest))
                problems.Add(new(BundleProblemKind.BadManifest, BundleManifest.EntryName, "manifest.json: missing"));
            foreach (var name in order) problems.Add(new(BundleProblemKind.Added, name, $"{name}: not listed (there is no manifest)"));
            return new BundleVerification(null, entries, problems);
        }

        if (manifestIndex != 0)
        {
            problems.Add(new(BundleProblemKind.ManifestNotFirst, BundleManifest.EntryName,
                string.Create(CultureInfo.InvariantCulture, $"manifest.json: must be the first entry, but is entry {manifestIndex + 1}")));
        }

        BundleManifest manifest;
        try
        {
            manifest = BundleManifest.Parse(manifestBytes);
        }
        catch (BundleFormatException e)
        {
            problems.Add(new(BundleProblemKind.BadManifest, BundleManifest.EntryName, e.Message));
            return new BundleVerification(null, entries, problems);
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            listed.Add(file.Path);
            if (!found.TryGetValue(file.Path, out var actual))
            {
                problems.Add(new(BundleProblemKind.Missing, file.Path, $"{file.Path}: listed in the manifest but not in the archive"));
            }
            else if (actual.Size != file.Size)
            {
                problems.Add(new(BundleProblemKind.Changed, file.Path,
                    string.Create(CultureInfo.InvariantCulture, $"{file.Path}: {actual.Size} bytes, the manifest says {file.Size}")));
            }
            else if (!string.Equals(actual.Sha256, file.Sha256, StringComparison.Ordinal))
            {
                problems.Add(new(BundleProblemKind.Changed, file.Path, $"{file.Path}: its SHA-256 differs from the manifest's"));
            }
        }

        foreach (var name in order.Where(n => !listed.Contains(n)))
        {
            problems.Add(new(BundleProblemKind.Added, name, $"{name}: in the archive but not listed in the manifest"));
        }

        return new BundleVerification(manifest, entries, problems);
    }

    private static byte[]? ReadManifest(TarEntry entry, List<BundleProblem> problems)
    {
        if (entry.Length > BundleManifest.MaxBytes)
        {
            problems.Add(new(BundleProblemKind.BadManifest, BundleManifest.EntryName,
                string.Create(CultureInfo.InvariantCulture, $"manifest.json: {entry.Length} bytes, more than a manifest can be")));
            return null;
        }

        if (entry.DataStream is null) return [];
        using var buffer = new MemoryStream((int)entry.Length);
        entry.DataStream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static (long Size, string Sha256) Hash(Stream? data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        if (data is not null)
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = data.Read(buffer)) > 0)
            {
                hash.AppendData(buffer.AsSpan(0, read));
                size += read;
            }
        }

        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static bool HasDataAfterEnd(Stream decompressed)
    {
        var buffer = new byte[1 << 16];
        int read;
        while ((read = decompressed.Read(buffer)) > 0)
        {
            if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0)) return true;
        }

        return false;
    }

    private static string OneLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }

    /// <summary>A read-only stream that yields a few bytes already read, then the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _offset);
                prefix.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }

            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
