using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Custodian.Server.Internal;

/// <summary>What reading a bundle found: its session ids, or why it was refused (400 malformed, 413 over a bound).</summary>
internal readonly record struct BundleContents(List<string>? Sessions, int Status, string? Error);

/// <summary>
/// Reads a feedback bundle's <c>manifest.json</c> and walks the rest of the tar archive as a stream, within the bounds of
/// CUS-34: the manifest at most <see cref="ManifestMaxBytes"/>, the whole archive at most
/// <see cref="MaxExpandedBytes"/> decompressed and at most <see cref="MaxRatio"/> times its compressed size (above
/// <see cref="RatioFloor"/>), each metadata entry at most <see cref="MetadataMaxBytes"/>. Data is skipped through a
/// small buffer and nothing is decompressed beyond what the bounds allow, so a gzip bomb costs at most that.
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

    /// <summary>
    /// The largest tar metadata entry accepted (PAX extended header, GNU long name): such an entry is read whole, to
    /// learn the name or size of the entry after it, so it is bounded on its own.
    /// </summary>
    public const int MetadataMaxBytes = 64 * 1024;

    public static BundleContents Read(byte[] bundle)
    {
        if (bundle.Length < 2 || bundle[0] != 0x1f || bundle[1] != 0x8b) return Bad("the body is not a gzip-compressed tar bundle");
        var bound = Math.Min(MaxExpandedBytes, Math.Max(RatioFloor, (long)bundle.Length * MaxRatio));
        using var expanded = new BoundedReadStream(new GZipStream(new MemoryStream(bundle, writable: false), CompressionMode.Decompress), bound,
            string.Create(CultureInfo.InvariantCulture,
                $"the bundle decompresses to more than {bound} bytes: at most {MaxRatio} times its compressed size ({bundle.Length} bytes), at least {RatioFloor} and never more than {MaxExpandedBytes} bytes"));
        try
        {
            // The archive is walked header by header here rather than with TarReader, which reads a metadata entry
            // whole into memory whatever size its header declares.
            var header = new byte[512];
            List<string>? sessions = null;
            string? longName = null;
            long? paxSize = null;
            while (true)
            {
                if (!ReadBlock(expanded, header)) return Bad("the bundle cannot be read: the tar archive ends without its end-of-archive blocks");
                if (header.AsSpan().IndexOfAnyExcept((byte)0) < 0) break; // end of archive
                if (!ChecksumMatches(header)) return Bad("the bundle cannot be read: a tar header's checksum does not match");
                var size = Octal(header.AsSpan(124, 12));
                if (size < 0) return Bad("the bundle cannot be read: a tar header's size is not a number");
                var type = (char)header[156];
                if (type is 'x' or 'g' or 'L' or 'K')
                {
                    if (size > MetadataMaxBytes)
                        return TooLarge(string.Create(CultureInfo.InvariantCulture, $"a tar metadata entry (type '{type}') is {size} bytes; the most accepted is {MetadataMaxBytes} bytes"));
                    var data = new byte[(int)size];
                    expanded.ReadExactly(data);
                    Skip(expanded, Padding(size));
                    if (type == 'x') (longName, paxSize) = Pax(data, longName);
                    else if (type == 'L') longName = Encoding.UTF8.GetString(data, 0, data.AsSpan().IndexOf((byte)0) is var nul and >= 0 ? nul : data.Length);
                    continue;
                }

                size = paxSize ?? size;
                var name = longName ?? Name(header);
                longName = null;
                paxSize = null;
                if (sessions is null)
                {
                    if (name != "manifest.json" || type is not ('0' or '\0')) return Bad("the bundle's first entry must be manifest.json");
                    if (size > ManifestMaxBytes)
                        return TooLarge(string.Create(CultureInfo.InvariantCulture, $"manifest.json is {size} bytes; the most accepted is {ManifestMaxBytes} bytes"));
                    var manifest = new byte[(int)size];
                    expanded.ReadExactly(manifest);
                    var (parsed, error) = ParseManifest(manifest);
                    if (error is not null) return Bad(error);
                    sessions = parsed;
                    Skip(expanded, Padding(size));
                    continue;
                }

                // The rest is only walked (data skipped as it streams by), to hold it to the bounds above.
                Skip(expanded, size + Padding(size));
            }

            return sessions is null ? Bad("the bundle's first entry must be manifest.json") : new BundleContents(sessions, 200, null);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return expanded.Exceeded is { } limit ? TooLarge(limit) : Bad("the bundle cannot be read: " + e.Message);
        }
    }

    private static long Padding(long size) => (512 - (size % 512)) % 512;

    private static bool ReadBlock(Stream stream, byte[] block) => stream.ReadAtLeast(block, block.Length, throwOnEndOfStream: false) == block.Length;

    private static void Skip(Stream stream, long count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (count > 0)
            {
                var read = stream.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
                if (read == 0) throw new EndOfStreamException("the tar archive ends inside an entry");
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool ChecksumMatches(byte[] header)
    {
        var sum = 0L;
        for (var i = 0; i < header.Length; i++) sum += i is >= 148 and < 156 ? (byte)' ' : header[i];
        return Octal(header.AsSpan(148, 8)) == sum;
    }

    /// <summary>A tar number: octal digits padded with spaces or NULs, or base-256 when the first byte's high bit is set; -1 when neither.</summary>
    private static long Octal(ReadOnlySpan<byte> field)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            var value = 0L;
            for (var i = 1; i < field.Length; i++)
            {
                if (value > (long.MaxValue >> 8)) return -1;
                value = (value << 8) | field[i];
            }

            return (field[0] & 0x40) != 0 ? -1 : value;
        }

        field = field.Trim((byte)' ').TrimEnd((byte)0).Trim((byte)' ');
        if (field.IsEmpty) return -1;
        var result = 0L;
        foreach (var b in field)
        {
            if (b is < (byte)'0' or > (byte)'7' || result > (long.MaxValue >> 3)) return -1;
            result = (result << 3) | (uint)(b - '0');
        }

        return result;
    }

    private static string Name(byte[] header)
    {
        static string Field(ReadOnlySpan<byte> field) => Encoding.UTF8.GetString(field.IndexOf((byte)0) is var nul and >= 0 ? field[..nul] : field);
        var name = Field(header.AsSpan(0, 100));
        // ustar keeps a long path's leading folders in a prefix field.
        if (header.AsSpan(257, 5).SequenceEqual("ustar"u8) && Field(header.AsSpan(345, 155)) is { Length: > 0 } prefix) name = prefix + "/" + name;
        return name;
    }

    /// <summary>The <c>path</c> and <c>size</c> of a PAX extended header's records (<c>"LEN key=value\n"</c>); others are ignored.</summary>
    private static (string? Path, long? Size) Pax(byte[] data, string? path)
    {
        long? size = null;
        var rest = data.AsSpan();
        while (!rest.IsEmpty)
        {
            var space = rest.IndexOf((byte)' ');
            if (space <= 0 || !long.TryParse(rest[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length <= space + 1 || length > rest.Length)
                throw new InvalidDataException("a PAX extended header is malformed");
            var record = rest[(space + 1)..(int)(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals < 0) throw new InvalidDataException("a PAX extended header is malformed");
            var key = record[..equals];
            var value = record[(equals + 1)..];
            if (key.SequenceEqual("path"u8)) path = Encoding.UTF8.GetString(value);
            else if (key.SequenceEqual("size"u8))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) throw new InvalidDataException("a PAX size is not a number");
                size = parsed;
            }

            rest = rest[(int)length..];
        }

        return (path, size);
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
        catch (InvalidOperationException)
        {
            return (null, "manifest.json: " + BodyLimits.LoneSurrogate);
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
