using System.Text;

namespace Custodian.Cli.Internal;

/// <summary>
/// The byte stdout of a host made of text writers (the in-memory hosts tests use): bytes are decoded as UTF-8 into the
/// writer, sequences split across writes included. The process host writes bytes to the real stdout instead.
/// </summary>
internal sealed class TextWriterStream(TextWriter writer) : WriteOnlyStream
{
    private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();
    private char[] chars = [];

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int needed = decoder.GetCharCount(buffer, flush: false);
        if (chars.Length < needed)
        {
            chars = new char[Math.Max(needed, 2 * chars.Length)];
        }

        int n = decoder.GetChars(buffer, chars, flush: false);
        writer.Write(chars, 0, n);
    }

    public override void Flush() => writer.Flush();
}

/// <summary>A stream that can only be written to, from its start, through <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
internal abstract class WriteOnlyStream : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public abstract override void Write(ReadOnlySpan<byte> buffer);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>The byte stdin of a host made of text readers: the reader's text encoded as UTF-8.</summary>
internal sealed class TextReaderStream(TextReader reader) : Stream
{
    private readonly Encoder encoder = new UTF8Encoding(false).GetEncoder();
    private readonly char[] chars = new char[4096];
    private readonly byte[] pending = new byte[3 * 4096 + 4];
    private int pendingStart;
    private int pendingEnd;
    private bool done;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (pendingStart == pendingEnd && !done)
        {
            int n = reader.Read(chars, 0, chars.Length);
            done = n == 0;
            pendingStart = 0;
            pendingEnd = encoder.GetBytes(chars.AsSpan(0, n), pending, flush: done);
        }

        int copied = Math.Min(buffer.Length, pendingEnd - pendingStart);
        pending.AsSpan(pendingStart, copied).CopyTo(buffer);
        pendingStart += copied;
        return copied;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
