using System.Buffers;
using System.Globalization;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using MediaType = Microsoft.Net.Http.Headers.MediaTypeHeaderValue;

namespace Custodian.Server.Internal;

/// <summary>What a route takes as its body, which decides the media types it accepts (CUS-35) and what its body costs.</summary>
internal enum BodyKind
{
    /// <summary>A JSON object: <c>application/json</c>, UTF-8.</summary>
    Json,

    /// <summary>Session events: a JSON array (<c>application/json</c>) or NDJSON (<c>application/x-ndjson</c>), UTF-8.</summary>
    Events,

    /// <summary>A feedback bundle: <c>application/gzip</c>.</summary>
    Bundle,

    /// <summary>
    /// An OTLP export request: <c>application/x-protobuf</c> or <c>application/json</c>, perhaps gzip-compressed, so its
    /// text is checked by the receiver once decompressed, not here.
    /// </summary>
    Otlp,
}

/// <summary>
/// The server-wide budget for request bodies in flight (CUS-34): every body-taking request reserves what its body
/// costs before reading it and gives it back when its response is done, so many large bodies at once get 503 instead
/// of the server's memory. A request is always admitted when nothing else is reserved, so a body the size limit allows
/// can always be served alone.
/// </summary>
internal sealed class BodyBudget(ServerOptions options)
{
    private long _reserved;

    /// <summary>The budget in bytes.</summary>
    public long Capacity { get; } = options.MaxRequestBodyMemoryBytes;

    /// <summary>What is reserved now (for tests and the 503's detail).</summary>
    public long Reserved => Interlocked.Read(ref _reserved);

    /// <summary>Reserves <paramref name="bytes"/> more for a request already holding <paramref name="held"/>.</summary>
    public bool TryReserve(long bytes, long held = 0)
    {
        var after = Interlocked.Add(ref _reserved, bytes);
        // Alone (all that is reserved is this request's), a request always gets what it asks for.
        if (after <= Capacity || after == bytes + held) return true;
        Interlocked.Add(ref _reserved, -bytes);
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref _reserved, -bytes);
}

/// <summary>A request's share of the <see cref="BodyBudget"/>, given back when the response is done (RegisterForDispose).</summary>
internal sealed class BodyReservation(BodyBudget budget) : IDisposable
{
    private long _bytes;

    public bool TryGrow(long bytes)
    {
        if (!budget.TryReserve(bytes, _bytes)) return false;
        _bytes += bytes;
        return true;
    }

    public void Dispose()
    {
        budget.Release(_bytes);
        _bytes = 0;
    }
}

/// <summary>
/// A request body read whole into one buffer (pooled up to 1 MiB), without a leading UTF-8 byte order mark for JSON
/// kinds. Dispose gives the buffer back; the budget reservation lasts until the response is done.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private byte[]? _array;
    private readonly int _start;
    private readonly int _length;
    private readonly bool _pooled;

    internal RequestBody(byte[] array, int start, int length, bool pooled)
    {
        _array = array;
        _start = start;
        _length = length;
        _pooled = pooled;
    }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(_start, _length - _start);

    public ReadOnlySpan<byte> Span => Memory.Span;

    public int Length => _length - _start;

    /// <summary>The body as an array of its exact length: the buffer itself when it fits (bundles are read unpooled).</summary>
    public byte[] ToExactArray() => !_pooled && _start == 0 && _array!.Length == _length ? _array : Span.ToArray();

    public void Dispose()
    {
        if (_pooled && _array is not null) ArrayPool<byte>.Shared.Return(_array);
        _array = null;
    }
}

/// <summary>
/// Reading request bodies within bounds (CUS-34): the media type (CUS-35), the size limit, the memory budget, and for
/// JSON bodies UTF-8 with at most one leading byte order mark (CUS-36).
/// </summary>
internal static class BodyLimits
{
    /// <summary>Bodies up to this size are read into pooled buffers; larger ones get their own, so the pool does not keep them.</summary>
    private const int PooledUpTo = 1024 * 1024;

    /// <summary>The first buffer for a body of unknown length (chunked), doubled as it fills.</summary>
    private const int FirstChunkedBuffer = 16 * 1024;

    /// <summary>
    /// Bodies larger than this (announced, or found while reading a chunked one) are spooled to a temporary file until
    /// they have all arrived, so what a body holds in memory before it is complete stays this small (CUS-34).
    /// </summary>
    internal const int SpoolAbove = 1024 * 1024;

    /// <summary>
    /// What an event post costs per body byte: the body, then the events' UTF-16 text (two bytes a byte) that waits in
    /// the group commit until the transaction ends.
    /// </summary>
    internal const int EventsCostPerByte = 3;

    /// <summary>How long a client refused for the budget is asked to wait (seconds).</summary>
    internal const int RetryAfterSeconds = 1;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Reads the body of a request of this kind, or the problem to answer instead (415, 413, 503, 400).</summary>
    public static async Task<(RequestBody? Body, IResult? Error)> ReadAsync(HttpContext context, BodyKind kind)
    {
        if (MediaTypeProblem(context.Request.ContentType, kind) is { } unsupported) return (null, unsupported);

        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue;
        var declared = context.Request.ContentLength;
        if (declared is { } tooLong && (tooLong > limit || tooLong > Array.MaxLength))
        {
            // The unread body is still on the wire: close the connection after answering, so the client does not
            // send its next request on a connection the server is about to drop.
            context.Response.Headers.Connection = "close";
            return (null, Problems.Problem(413, "Content Too Large", $"the request body ({tooLong} bytes) is larger than the {limit} bytes the server accepts"));
        }

        var budget = context.RequestServices.GetRequiredService<BodyBudget>();
        var reservation = new BodyReservation(budget);
        context.Response.RegisterForDispose(reservation);
        var cost = kind is BodyKind.Events or BodyKind.Otlp ? EventsCostPerByte : 1;
        var pooled = kind != BodyKind.Bundle;

        byte[] buffer;
        int filled;
        try
        {
            if (declared is { } known && known <= SpoolAbove)
            {
                // Small and announced: read straight into its buffer, its whole cost reserved first.
                if (!reservation.TryGrow(known * cost)) return (null, Busy(context, budget));
                buffer = Allocate((int)known, pooled);
                filled = await FillAsync(context.Request.Body, buffer, 0, context.RequestAborted);
            }
            else
            {
                var spooled = await SpoolAsync(context, reservation, budget, declared, cost, pooled);
                if (spooled.Error is not null) return (null, spooled.Error);
                (buffer, filled) = (spooled.Buffer!, spooled.Filled);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            context.Response.Headers.Connection = "close";
            return (null, Problems.Problem(413, "Content Too Large", $"the request body is larger than the {limit} bytes the server accepts"));
        }

        var start = kind is BodyKind.Json or BodyKind.Events && buffer.AsSpan(0, filled).StartsWith(Bom) ? Bom.Length : 0;
        var body = new RequestBody(buffer, start, filled, pooled && buffer.Length <= PooledUpTo);
        if (kind is BodyKind.Bundle or BodyKind.Otlp) return (body, null);
        if (Utf8Problem(buffer.AsSpan(0, filled)) is { } bad)
        {
            body.Dispose();
            return (null, Problems.BadRequest(bad));
        }

        if (start > 0 && body.Span.StartsWith(Bom))
        {
            // Said plainly: the parser would only report an invalid start of a value.
            body.Dispose();
            return (null, Problems.BadRequest("the body " + BomMisplaced + ", and this one is the second"));
        }

        return (body, null);
    }

    /// <summary>Null when <paramref name="contentType"/> is one the kind accepts, else the 415 naming what is accepted.</summary>
    internal static IResult? MediaTypeProblem(string? contentType, BodyKind kind)
    {
        // The single-event path's own header, without parsing it.
        if (kind != BodyKind.Bundle && contentType is "application/json" or "application/json; charset=utf-8") return null;
        var accepted = kind switch
        {
            BodyKind.Json => "application/json",
            BodyKind.Events => "application/json (an array of event objects) or application/x-ndjson (one object per line)",
            BodyKind.Otlp => "application/x-protobuf or application/json (OTLP/HTTP)",
            _ => "application/gzip",
        };
        if (string.IsNullOrEmpty(contentType) || !MediaType.TryParse(contentType, out var media))
            return UnsupportedMediaType($"Content-Type: required, {accepted}");
        var type = media.MediaType;
        var known = kind switch
        {
            BodyKind.Json => type.Equals("application/json", StringComparison.OrdinalIgnoreCase),
            BodyKind.Events => type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase),
            BodyKind.Otlp => type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase),
            _ => type.Equals("application/gzip", StringComparison.OrdinalIgnoreCase),
        };
        if (!known) return UnsupportedMediaType($"Content-Type {type}: not accepted here; send {accepted}");
        var charset = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(media.Charset);
        if (kind != BodyKind.Bundle && !(kind == BodyKind.Otlp && !type.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            && !StringSegment.IsNullOrEmpty(charset) && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return UnsupportedMediaType($"Content-Type charset={charset}: JSON bodies are UTF-8 only (charset=utf-8 or none)");
        return null;
    }

    private static IResult UnsupportedMediaType(string detail) => Problems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", detail);

    /// <summary>Null when <paramref name="body"/> (BOM included) is UTF-8, else where it first is not, by line.</summary>
    internal static string? Utf8Problem(ReadOnlySpan<byte> body)
    {
        if (Utf8.IsValid(body)) return null;
        // Only on the error path: find the first bad byte and its line, so the client can find it (NDJSON: the event).
        var offset = 0;
        while (offset < body.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done) break;
            offset += consumed;
        }

        var before = body[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return string.Create(CultureInfo.InvariantCulture,
            $"line {line}: invalid UTF-8 at byte {offset - lineStart + 1} of the line (byte {offset} of the body, 0x{body[offset]:X2}); JSON bodies must be UTF-8 (RFC 8259)");
    }

    /// <summary>Whether a JSON text that failed to parse begins with a byte order mark, which is what the client should hear.</summary>
    internal static bool StartsWithBom(ReadOnlySpan<byte> text) => text.StartsWith(Bom);

    /// <summary>The answer when a JSON string escapes half of a UTF-16 surrogate pair (<c>"\\uD800"</c>), which is no text.</summary>
    internal const string LoneSurrogate = "invalid JSON text: a \\u escape names half of a UTF-16 surrogate pair (U+D800..U+DFFF) without its other half";

    /// <summary>The explanation for a byte order mark where only the body's start may carry one (CUS-36).</summary>
    internal const string BomMisplaced = "begins with a byte order mark (U+FEFF); only the start of the body may carry one";

    /// <summary>Reads <paramref name="stream"/> into <paramref name="buffer"/> from <paramref name="filled"/> until either ends; the bytes now in it.</summary>
    private static async ValueTask<int> FillAsync(Stream stream, byte[] buffer, int filled, CancellationToken cancellation)
    {
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellation);
            if (read == 0) break;
            filled += read;
        }

        return filled;
    }

    /// <summary>
    /// A body of unknown length, or one announced above <see cref="SpoolAbove"/>: it is read into a buffer growing up to
    /// that size, then, if it goes on, into a temporary file, and only once it has all arrived (within the size limit)
    /// is its cost reserved and the body read back into memory. A slow or oversized body thus holds at most
    /// <see cref="SpoolAbove"/> bytes of memory, and the budget counts only bodies the server can go on to serve.
    /// </summary>
    private static async Task<(byte[]? Buffer, int Filled, IResult? Error)> SpoolAsync(
        HttpContext context, BodyReservation reservation, BodyBudget budget, long? declared, int cost, bool pooled)
    {
        var cancellation = context.RequestAborted;
        var body = context.Request.Body;
        var size = declared is null ? FirstChunkedBuffer : SpoolAbove;
        if (!reservation.TryGrow(size)) return (null, 0, Busy(context, budget));
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        FileStream? spool = null;
        try
        {
            var filled = 0;
            while (true)
            {
                filled = await FillAsync(body, buffer, filled, cancellation);
                if (filled < buffer.Length) break;
                if (buffer.Length < SpoolAbove)
                {
                    // Still small: grow the buffer rather than touch the disk.
                    var grown = Math.Min(SpoolAbove, buffer.Length * 2);
                    if (!reservation.TryGrow(grown - size)) return (null, 0, Busy(context, budget));
                    size = grown;
                    var next = ArrayPool<byte>.Shared.Rent(grown);
                    buffer.AsSpan(0, filled).CopyTo(next);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = next;
                    continue;
                }

                spool ??= OpenSpool(context.RequestServices.GetRequiredService<ServerOptions>().RequestBodySpoolDirectory);
                await spool.WriteAsync(buffer.AsMemory(0, filled), cancellation);
                filled = 0;
            }

            if (spool is null)
            {
                // It fitted the buffer after all; keep the buffer (its size is reserved), charge the rest of its cost.
                if (!reservation.TryGrow(Math.Max(0, (long)filled * cost - size))) return (null, 0, Busy(context, budget));
                var kept = buffer;
                buffer = [];
                return (kept, filled, null);
            }

            var total = spool.Length + filled;
            if (total > Array.MaxLength)
                return (null, 0, Problems.Problem(413, "Content Too Large", $"the request body ({total} bytes) is larger than one buffer can hold"));

            // All of it arrived: now it takes its share, or waits for the client's retry like any other body.
            if (!reservation.TryGrow(Math.Max(0, total * cost - size))) return (null, 0, Busy(context, budget));
            var whole = Allocate((int)total, pooled);
            spool.Position = 0;
            var read = 0;
            while (read < spool.Length)
            {
                var n = await spool.ReadAsync(whole.AsMemory(read, (int)spool.Length - read), cancellation);
                if (n == 0) throw new IOException("the request body's temporary file ended early");
                read += n;
            }

            buffer.AsSpan(0, filled).CopyTo(whole.AsSpan(read));
            return (whole, (int)total, null);
        }
        finally
        {
            if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
            if (spool is not null) await spool.DisposeAsync();
        }
    }

    /// <summary>
    /// A temporary file only this process can read (0600), already unlinked on Unix so that nothing of the body stays
    /// on disk even if the server is killed; deleted on close elsewhere.
    /// </summary>
    private static FileStream OpenSpool(string? directory)
    {
        var path = Path.Combine(directory ?? Path.GetTempPath(), "custodian-body-" + Path.GetRandomFileName());
        var unix = !OperatingSystem.IsWindows();
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous | (unix ? FileOptions.None : FileOptions.DeleteOnClose),
            BufferSize = 0,
        };
        if (unix) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var stream = new FileStream(path, options);
        if (unix) File.Delete(path);
        return stream;
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/> more of the budget for this request until its response is done (a decompressed
    /// body, for instance); null when granted, else the 503 to answer.
    /// </summary>
    internal static IResult? Reserve(HttpContext context, long bytes)
    {
        var budget = context.RequestServices.GetRequiredService<BodyBudget>();
        var reservation = new BodyReservation(budget);
        context.Response.RegisterForDispose(reservation);
        return reservation.TryGrow(bytes) ? null : Busy(context, budget);
    }

    private static IResult Busy(HttpContext context, BodyBudget budget)
    {
        // The connection stays open: Kestrel reads and discards the rest of the body through its own small buffers, so
        // the client reads this answer instead of a reset, and the retry can use the same connection.
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
            $"the server is holding as many request bodies as its memory budget allows ({budget.Capacity} bytes, MaxRequestBodyMemoryBytes); nothing was stored, retry after {RetryAfterSeconds} s");
    }

    private static byte[] Allocate(int size, bool pooled) =>
        pooled && size <= PooledUpTo ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
}
