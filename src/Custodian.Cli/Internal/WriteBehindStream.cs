using System.Buffers;
using System.Runtime.ExceptionServices;

namespace Custodian.Cli.Internal;

/// <summary>
/// A write-only stream that gathers writes into large buffers and writes them to <c>inner</c> on a thread of its own,
/// so that the kernel's copy of the output (into a file's pages or a pipe, and waiting for the pipe's reader) runs on
/// the second core while the first scans on: <c>custodian redact FILE &gt; out</c> spent about a third of its time in
/// <c>write</c>. At most <see cref="Depth"/> buffers are in flight, so memory stays bounded however fast the input is.
/// A failed write fails the next <see cref="Write(ReadOnlySpan{byte})"/> or <see cref="Flush"/> with its own
/// exception (a closed pipe is still an <see cref="IOException"/>), and nothing after it is written.
/// </summary>
internal sealed class WriteBehindStream : WriteOnlyStream
{
    /// <summary>Buffers: the one being filled, and those queued or being written.</summary>
    public const int Depth = 3;

    private readonly Stream inner;
    private readonly int bufferSize;
    private readonly object gate = new();
    private readonly Queue<(byte[] Buffer, int Length)> pending = new();
    private readonly Stack<byte[]> free = new();
    private byte[] current;
    private int used;
    private Thread? writer;
    private bool closing;
    private ExceptionDispatchInfo? failure;

    /// <param name="inner">Where the bytes go; written only by the writer thread once it has started.</param>
    /// <param name="bufferSize">The size of each buffer, and so of each write to <paramref name="inner"/>.</param>
    public WriteBehindStream(Stream inner, int bufferSize = 1 << 20)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        this.inner = inner;
        this.bufferSize = bufferSize;
        current = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int take = Math.Min(buffer.Length, bufferSize - used);
            buffer[..take].CopyTo(current.AsSpan(used));
            used += take;
            buffer = buffer[take..];
            if (used == bufferSize) Submit();
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Writes everything given so far and flushes <c>inner</c>; throws what a write threw.</summary>
    public override void Flush()
    {
        if (used > 0) Submit();
        lock (gate)
        {
            while (pending.Count > 0 && failure is null) Monitor.Wait(gate);
            failure?.Throw();
        }

        inner.Flush();
    }

    /// <summary>Stops the writer thread, without writing what was not flushed; <c>inner</c> stays open.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Thread? thread;
            lock (gate)
            {
                closing = true;
                pending.Clear();
                Monitor.PulseAll(gate);
                thread = writer;
            }

            thread?.Join();
            while (free.TryPop(out var buffer)) ArrayPool<byte>.Shared.Return(buffer);
            if (current.Length > 0) ArrayPool<byte>.Shared.Return(current);
            current = [];
        }

        base.Dispose(disposing);
    }

    /// <summary>Queues the current buffer and takes a free one, waiting while <see cref="Depth"/> are in flight.</summary>
    private void Submit()
    {
        lock (gate)
        {
            failure?.Throw();
            ObjectDisposedException.ThrowIf(closing, this);
            pending.Enqueue((current, used));
            Monitor.PulseAll(gate);
            if (writer is null)
            {
                for (int i = 0; i < Depth - 1; i++) free.Push(ArrayPool<byte>.Shared.Rent(bufferSize));
                writer = new Thread(WriteLoop) { IsBackground = true, Name = "custodian output" };
                writer.Start();
            }

            while (free.Count == 0 && failure is null) Monitor.Wait(gate);
            failure?.Throw();
            current = free.Pop();
            used = 0;
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            (byte[] Buffer, int Length) next;
            lock (gate)
            {
                while (pending.Count == 0 && !closing) Monitor.Wait(gate);
                if (closing) return;
                next = pending.Peek();
            }

            try
            {
                inner.Write(next.Buffer, 0, next.Length);
            }
#pragma warning disable CA1031 // any failure of the destination is handed to the writing thread, which rethrows it
            catch (Exception e)
#pragma warning restore CA1031
            {
                lock (gate)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                    Monitor.PulseAll(gate);
                }

                return;
            }

            lock (gate)
            {
                pending.Dequeue();
                free.Push(next.Buffer);
                Monitor.PulseAll(gate);
            }
        }
    }
}
