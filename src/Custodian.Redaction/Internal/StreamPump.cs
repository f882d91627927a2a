using System.Buffers;

namespace Custodian.Redaction.Internal;

/// <summary>A piece of output: <see cref="Length"/> input characters from <see cref="Start"/>, or the marker of <see cref="Rule"/>.</summary>
internal readonly record struct Segment(int Start, int Length, int Rule)
{
    public bool IsMarker => Rule >= 0;
}

/// <summary>
/// The bounded-memory core of the stream paths (RED-3). Input arrives in chunks appended to one buffer;
/// after each chunk the scanner runs as far as it safely can, and the pump hands out the finished
/// output as segments. What it keeps between reads is at most <see cref="Scanner.CarryLimit"/>
/// characters: the look-behind, plus the tail where a signature or a match may still be cut by the
/// chunk boundary. Byte streams are scanned as bytes, and as Latin-1-widened characters (one char per byte)
/// only in the windows the rules read around anchor hits (<see cref="ByteText"/>), so the output is copied
/// from the original bytes and is byte-identical outside matches, whatever the encoding.
/// </summary>
internal sealed class StreamPump : IDisposable
{
    private readonly Scanner scanner;
    private readonly int chunk;
    private readonly int capacity;
    private char[] chars;
    private byte[]? bytes;
    private readonly ByteText? byteText;
    private Segment[] segments = new Segment[16];
    private int segmentCount;
    private int length;
    private int outPos;
    private int scanPos;
    private int minStart;
    private long dropped;

    public StreamPump(Scanner scanner, int chunkSize, bool binary)
    {
        this.scanner = scanner;
        chunk = chunkSize;
        capacity = chunkSize + scanner.CarryLimit;
        chars = ArrayPool<char>.Shared.Rent(capacity);
        if (binary)
        {
            bytes = ArrayPool<byte>.Shared.Rent(capacity);
            byteText = new ByteText(bytes, chars, scanner.ByteStateLength);
        }

        Counts = new long[scanner.Rules.Count];
    }

    public long[] Counts { get; }

    public bool AtEnd { get; private set; }

    public char[] Chars => chars;

    public byte[] Bytes => bytes ?? throw new InvalidOperationException("Not a byte pump.");

    /// <summary>Where the next read goes: at most one chunk.</summary>
    public int ReadOffset => length;

    public int ReadCount => Math.Min(chunk, capacity - length);

    public ReadOnlySpan<Segment> Segments => segments.AsSpan(0, segmentCount);

    /// <summary>Takes <paramref name="read"/> new units at <see cref="ReadOffset"/>; zero means end of input.</summary>
    public void Commit(int read)
    {
        if (read == 0)
        {
            AtEnd = true;
            return;
        }

        length += read;
    }

    /// <summary>Scans what can be decided now and queues the output that is final.</summary>
    public void Process()
    {
        segmentCount = 0;
        ReadOnlySpan<char> text = chars.AsSpan(0, length);
        int cursor = -1; // the text grew since the last call: no cached search result holds
        byteText?.Reset(length);
        while (true)
        {
            ScanStatus status = byteText is null
                ? scanner.FindNext(text, scanPos, minStart, AtEnd, dropped == 0, ref cursor, out Match match, out int resume)
                : scanner.FindNext(byteText, scanPos, minStart, AtEnd, dropped == 0, out match, out resume);
            if (status != ScanStatus.Found)
            {
                scanPos = resume;
                break;
            }

            if (match.Start > outPos)
            {
                Add(new Segment(outPos, match.Start - outPos, -1));
            }

            Add(new Segment(match.Start, match.End - match.Start, match.Rule));
            Counts[match.Rule]++;
            outPos = scanPos = minStart = match.End;
        }

        // Everything before the earliest place a future match could start is final.
        int flushTo = AtEnd ? length : Math.Max(outPos, scanPos - scanner.MaxRegionLookBehind);
        if (flushTo > outPos)
        {
            Add(new Segment(outPos, flushTo - outPos, -1));
            outPos = flushTo;
            minStart = Math.Max(minStart, flushTo);
        }
    }

    /// <summary>Drops what is no longer needed once the segments are written, making room for a chunk.</summary>
    public void Compact()
    {
        segmentCount = 0;
        int keep = Math.Min(outPos, Math.Max(0, scanPos - Scanner.LookBehind));
        if (keep > 0)
        {
            int rest = length - keep;
            if (bytes is null)
            {
                chars.AsSpan(keep, rest).CopyTo(chars);
            }
            else
            {
                bytes.AsSpan(keep, rest).CopyTo(bytes); // the widening is redone where needed (ByteText.Reset)
            }

            length = rest;
            outPos -= keep;
            scanPos -= keep;
            minStart -= keep;
            dropped += keep;
        }

        if (length >= capacity)
        {
            // Cannot happen while the carry stays within Scanner.CarryLimit; never read zero bytes by mistake.
            throw new InvalidOperationException("Redaction buffer did not drain.");
        }
    }

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(chars);
        chars = [];
        if (bytes is not null)
        {
            ArrayPool<byte>.Shared.Return(bytes);
            bytes = null;
        }
    }

    private void Add(Segment segment)
    {
        if (segmentCount == segments.Length)
        {
            Array.Resize(ref segments, segments.Length * 2);
        }

        segments[segmentCount++] = segment;
    }
}
