using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Custodian.Server.Internal;

/// <summary>What reading a bundle found: its session ids, or why it was refused (400 malformed, 413 over a bound).</summary>
internal readonly record struct BundleContents(List<string>? Sessions, int Status, string? Error);

/// <summary>
/// Reads a feedback bundle's <c>manifest.json</c> and walks the rest of the archive as a stream, within the bounds of
/// CUS-34: the manifest at most <see cref="ManifestMaxBytes"/>, the whole archive at most
/// <see cref="MaxExpandedBytes"/> decompressed and at most <see cref="MaxRatio"/> times its compressed size (above
/// <see cref="RatioFloor"/>). Nothing is decompressed beyond what one bound allows, so a gzip bomb costs at most that.
/// The whole archive is walked, not only the manifest, so every stored bundle is one that later readers (an export,
/// <c>custodian bundle verify</c>) can open within the same bounds.
/// </summary>
internal static class BundleReader
{
    /// <summary>The largest <c>manifest.json</c> accepted: a manifest lists files, hashes and counts, never content.</summary>
    public const int ManifestMaxBytes = 1024 * 1024;

    /// <summary>The most a bundle may decompress to.</summary>
    public const long MaxExpandedBytes = 256L * 1024 * 1024;

    /// <summary>The most a bundle may decompress to per compressed byte (transcripts compress 5-20 times).</summary>
    public const int MaxRatio = 100;

    /// <summary>Below this decompressed size the ratio is not checked: a tar's zero padding compresses far better than 100:1.</summary>
    public const long RatioFloor = 1024 * 1024;

    public static BundleContents Read(byte[] bundle)
    {
        if (bundle.Length < 2 || bundle[0] != 0x1f || bundle[1] != 0x8b) return Bad("the body is not a gzip-compressed tar bundle");
        var bound = Math.Min(MaxExpandedBytes, Math.Max(RatioFloor, (long)bundle.Length * MaxRatio));
        using var expanded = new BoundedReadStream(new GZipStream(new MemoryStream(bundle, writable: false), CompressionMode.Decompress), bound,
            string.Create(CultureInfo.InvariantCulture,
                $"the bundle decompresses to more than {bound} bytes: at most {MaxRatio} times its compressed size ({bundle.Length} bytes), at least {RatioFloor} and never more than {MaxExpandedBytes} bytes"));
        try
        {
            using var tar = new TarReader(expanded);
            var first = tar.GetNextEntry(copyData: false);
            if (first is null || first.Name != "manifest.json" || first.DataStream is null)
                return Bad("the bundle's first entry must be manifest.json");
            if (first.Length > ManifestMaxBytes)
                return TooLarge(string.Create(CultureInfo.InvariantCulture, $"manifest.json is {first.Length} bytes; the most accepted is {ManifestMaxBytes} bytes"));
            var manifest = new byte[(int)first.Length];
            first.DataStream.ReadExactly(manifest);
            var (sessions, error) = ParseManifest(manifest);
            if (error is not null) return Bad(error);

            // The rest is only walked (headers read, data skipped as it streams by), to hold it to the bounds above.
            while (tar.GetNextEntry(copyData: false) is not null)
            {
            }

            return new BundleContents(sessions, 200, null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or InvalidOperationException or ArgumentException)
        {
            return expanded.Exceeded is { } limit ? TooLarge(limit) : Bad("the bundle cannot be read: " + e.Message);
        }
    }

    private static (List<string>? Sessions, string? Error) ParseManifest(byte[] manifest)
    {
        if (BodyLimits.Utf8Problem(manifest) is { } bad) return (null, "manifest.json: " + bad);
        var text = BodyLimits.StartsWithBom(manifest) ? manifest.AsMemory(3) : manifest;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return (null, $"manifest.json: expected a JSON object, found {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            if (!doc.RootElement.TryGetProperty("sessionIds", out var ids) || ids.ValueKind != JsonValueKind.Array)
                return (null, "manifest.json: sessionIds: required, an array of session ids");
            var sessions = new List<string>();
            foreach (var item in ids.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !SessionEndpoints.IsValidId(item.GetString()!))
                    return (null, "manifest.json: sessionIds: every item must be a session id string");
                sessions.Add(item.GetString()!);
            }

            return (sessions, null);
        }
        catch (JsonException e)
        {
            return (null, (BodyLimits.StartsWithBom(text.Span) ? "manifest.json " + BodyLimits.BomMisplaced : "manifest.json: invalid JSON: " + e.Message.Split(" Path:", 2)[0]));
        }
    }

    private static BundleContents Bad(string error) => new(null, 400, error);

    private static BundleContents TooLarge(string error) => new(null, 413, error);

    /// <summary>Reads through to <paramref name="inner"/> and fails once more than <paramref name="limit"/> bytes came out of it.</summary>
    private sealed class BoundedReadStream(Stream inner, long limit, string whenExceeded) : Stream
    {
        private long _read;

        /// <summary>Set when the bound was hit: what to tell the client.</summary>
        public string? Exceeded { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // Never ask for more than one byte past the bound: that byte is what proves the bound was crossed.
            var room = limit - _read + 1;
            if (buffer.Length > room) buffer = buffer[..(int)room];
            var read = inner.Read(buffer);
            _read += read;
            if (_read > limit)
            {
                Exceeded = whenExceeded;
                throw new InvalidDataException(whenExceeded);
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
