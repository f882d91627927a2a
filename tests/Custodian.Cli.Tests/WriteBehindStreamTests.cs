using Custodian.Cli.Internal;
using FsCheck.Xunit;

namespace Custodian.Cli.Tests;

/// <summary>
/// The output stream of <c>custodian redact</c>: written on a second thread in large pieces, the bytes and their order
/// are those given, a failure of the destination fails the command (RED-4), and what is in flight stays bounded.
/// </summary>
[Trait("spec", "RED-3")]
public sealed class WriteBehindStreamTests
{
    [Property(MaxTest = 200)]
    public bool Any_sequence_of_writes_arrives_whole_and_in_order(int seed)
    {
        var random = new Random(seed);
        int bufferSize = random.Next(1, 64);
        var expected = new MemoryStream();
        var destination = new MemoryStream();
        using (var stream = new WriteBehindStream(destination, bufferSize))
        {
            int writes = random.Next(0, 60);
            for (int i = 0; i < writes; i++)
            {
                var piece = new byte[random.Next(0, 3 * bufferSize)];
                random.NextBytes(piece);
                expected.Write(piece);
                if (random.Next(4) == 0)
                {
                    foreach (byte b in piece) stream.WriteByte(b);
                }
                else
                {
                    stream.Write(piece);
                }

                if (random.Next(8) == 0) stream.Flush();
            }

            stream.Flush();
        }

        return destination.ToArray().SequenceEqual(expected.ToArray());
    }

    [Fact]
    public void Flush_writes_everything_and_flushes_the_destination()
    {
        var destination = new FlushCounting();
        using var stream = new WriteBehindStream(destination, 4);

        stream.Write("hello, world"u8);
        Assert.True(destination.Length <= 12);
        stream.Flush();

        Assert.Equal("hello, world"u8.ToArray(), destination.ToArray());
        Assert.Equal(1, destination.Flushes);
    }

    [Fact]
    [Trait("spec", "RED-4")]
    public void A_failed_write_fails_the_next_write_or_flush_with_its_own_exception_and_nothing_after_it_is_written()
    {
        var destination = new FailingAfter(2);
        using var stream = new WriteBehindStream(destination, 8);

        var failure = Assert.Throws<IOException>(() =>
        {
            for (int i = 0; i < 100; i++) stream.Write(new byte[8]);
            stream.Flush();
        });

        Assert.Equal("Broken pipe", failure.Message);
        Assert.Equal(2, destination.Writes);
        Assert.Throws<IOException>(stream.Flush);
    }

    [Fact]
    public async Task At_most_depth_buffers_are_in_flight_while_the_destination_is_stuck()
    {
        using var release = new ManualResetEventSlim();
        var destination = new Blocking(release);
        using var stream = new WriteBehindStream(destination, 16);
        int written = 0;
        var producer = Task.Run(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                stream.Write(new byte[16]);
                Interlocked.Increment(ref written);
            }

            stream.Flush();
        });

        // The writer thread holds one buffer in a write that does not return; the producer fills the other ones and
        // waits. Give it time to run on past that if it could.
        Assert.NotSame(producer, await Task.WhenAny(producer, Task.Delay(500)));
        Assert.InRange(Volatile.Read(ref written), WriteBehindStream.Depth - 1, WriteBehindStream.Depth);

        release.Set();
        await producer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(100 * 16, destination.Bytes);
    }

    [Fact]
    public void Disposing_without_a_flush_stops_the_thread_and_leaves_the_destination_open()
    {
        var destination = new MemoryStream();
        var stream = new WriteBehindStream(destination, 4);
        stream.Write(new byte[40]);

        stream.Dispose();

        Assert.True(destination.CanWrite);
        Assert.True(destination.Length <= 40);
    }

    private sealed class FlushCounting : MemoryStream
    {
        public int Flushes { get; private set; }

        public override void Flush() => Flushes++;
    }

    private sealed class FailingAfter(int allowed) : MemoryStream
    {
        public int Writes { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Writes == allowed) throw new IOException("Broken pipe");
            Writes++;
            base.Write(buffer, offset, count);
        }
    }

    private sealed class Blocking(ManualResetEventSlim release) : Stream
    {
        public long Bytes;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            release.Wait();
            Interlocked.Add(ref Bytes, count);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
