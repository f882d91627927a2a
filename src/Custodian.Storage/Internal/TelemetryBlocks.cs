using System.Buffers;
using System.Text.Json;

namespace Custodian.Storage.Internal;

/// <summary>
/// The block layout of stored events (CUS-88): the events of one session in one export request are stored as one row
/// whose payload is the JSON array of their payloads, instead of a row each. A row costs a B-tree insert into the table
/// and each of its indexes and about 500 bytes beside its payload; Claude Code's batches hold tens of events per
/// session, so a block stores them for a fraction of that (bench/README.md, "OTLP ingestion"). Metrics stay a row
/// each: usage reads them with SQL (CUS-81).
/// </summary>
internal static class TelemetryBlocks
{
    /// <summary>At most this many records in a block, so that a block's reader expands a bounded array.</summary>
    public const int MaxRecords = 64;

    /// <summary>
    /// At most this many payload bytes in a block: its buffer stays under the large object heap's threshold (85,000
    /// bytes), and a record larger than this is a row of its own.
    /// </summary>
    public const int MaxBytes = 60_000;

    /// <summary>
    /// How many of <paramref name="payloads"/>, from <paramref name="start"/>, go into the next block (at least one):
    /// up to <see cref="MaxRecords"/> whose payloads and separators fit <see cref="MaxBytes"/>.
    /// </summary>
    public static int Take(IReadOnlyList<ReadOnlyMemory<byte>> payloads, int start)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var bytes = 2 + payloads[start].Length;
        var taken = 1;
        while (start + taken < payloads.Count && taken < MaxRecords)
        {
            bytes += 1 + payloads[start + taken].Length;
            if (bytes > MaxBytes) break;
            taken++;
        }

        return taken;
    }

    /// <summary>
    /// A block's payload, <c>[p1,p2,…]</c>, in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns
    /// it once the row is written); the payloads are objects written by the capture, so the array is valid JSON.
    /// </summary>
    public static ReadOnlyMemory<byte> Payload(IReadOnlyList<ReadOnlyMemory<byte>> payloads, int start, int count, out byte[] rented)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var length = 1 + count;
        for (var i = 0; i < count; i++) length += payloads[start + i].Length;
        rented = ArrayPool<byte>.Shared.Rent(length);
        var written = 0;
        rented[written++] = (byte)'[';
        for (var i = 0; i < count; i++)
        {
            if (i > 0) rented[written++] = (byte)',';
            payloads[start + i].Span.CopyTo(rented.AsSpan(written));
            written += payloads[start + i].Length;
        }

        rented[written++] = (byte)']';
        return new ReadOnlyMemory<byte>(rented, 0, written);
    }

    /// <summary>
    /// The records of a stored block, in their stored order: each one's name and time (Unix milliseconds, as a row's
    /// <c>at</c>) read from its payload, and the payload's text.
    /// </summary>
    /// <exception cref="JsonException">The payload is not a block (the store is damaged).</exception>
    public static List<(string Name, long At, string Payload)> Expand(string payload)
    {
        using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 256 });
        if (document.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException("a telemetry block is not a JSON array");
        var records = new List<(string, long, string)>(document.RootElement.GetArrayLength());
        foreach (var record in document.RootElement.EnumerateArray())
        {
            var name = record.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "log";
            var at = record.TryGetProperty("time"u8, out var t) && t.TryGetDateTimeOffset(out var time) ? time.ToUnixTimeMilliseconds() : 0;
            records.Add((name, at, record.GetRawText()));
        }

        return records;
    }
}
