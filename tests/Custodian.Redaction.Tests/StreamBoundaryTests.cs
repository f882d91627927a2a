using System.Text;
using Custodian.Redaction.Rules;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// RED-3: streams of any size in bounded memory, and a secret that straddles a read buffer is still found.
/// The secret is placed at every offset around the first read boundary of realistic buffer sizes; the
/// output must be the filler, byte for byte, with the marker in place of the secret.
/// </summary>
[Trait("spec", "RED-3")]
public sealed class StreamBoundaryTests
{
    private static readonly string Filler = BuildFiller(1 << 21);

    public static TheoryData<int, string> Boundaries()
    {
        var data = new TheoryData<int, string>();
        foreach (int size in new[] { 4096, 64 * 1024, 1024 * 1024 })
        {
            data.Add(size, "github-pat-classic");
            data.Add(size, "anthropic-oauth-token");
            data.Add(size, "jwt");
            data.Add(size, "pem-private-key");
            data.Add(size, "gcp-service-account-key");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void Secret_at_every_offset_around_the_first_read_boundary_is_replaced(int bufferSize, string ruleId)
    {
        var example = Rule(ruleId).TruePositives[0];
        Redactor redactor = new RedactorBuilder().WithBufferSize(bufferSize).Build();
        string marked = Expected(example, ruleId);

        // PEM examples are long; at the largest size every third offset keeps the test quick.
        int stride = bufferSize >= 1024 * 1024 && example.Text.Length > 100 ? 3 : 1;
        for (int offset = bufferSize - example.Text.Length - 2; offset <= bufferSize + 2; offset += stride)
        {
            // A space on each side: glued to a filler letter, a token would (rightly) not be one.
            string before = Filler[..(offset - 1)] + " ";
            string after = " " + Filler.Substring(offset, 300);
            string output = RedactViaStream(redactor, before + example.Text + after);
            Assert.True(output == before + marked + after, $"{ruleId} at offset {offset} with {bufferSize}-byte buffers");
        }
    }

    [Fact]
    public void Default_buffer_size_is_64_KiB_and_its_boundary_is_handled()
    {
        Assert.Equal(64 * 1024, Subject.BufferSize);
        var example = Rule("anthropic-api-key").TruePositives[0];
        for (int offset = Subject.BufferSize - example.Text.Length - 2; offset <= Subject.BufferSize + 2; offset++)
        {
            string before = Filler[..(offset - 1)] + "\n";
            string output = RedactViaStream(Subject, before + example.Text + "\n");
            Assert.Equal(before + Marker("anthropic-api-key") + "\n", output);
        }
    }

    [Fact]
    public void Reads_of_any_size_give_the_same_output_as_the_string_path()
    {
        string text = Filler[..20000] + string.Concat(BuiltInRules.All.SelectMany(r => r.TruePositives).Select(e => JsonLine(e.Text) + "\n")) + Filler[..5000];
        string expected = Subject.Redact(text);
        Redactor small = new RedactorBuilder().WithBufferSize(7).Build();
        foreach (int chunk in new[] { 1, 2, 3, 5, 64, 1000, 4096 })
        {
            Assert.True(expected == RedactViaStream(Subject, text, chunk), $"default buffer, {chunk}-byte reads");
            Assert.True(expected == RedactViaStream(small, text, chunk), $"7-byte buffer, {chunk}-byte reads");
        }
    }

    [Fact]
    public void Text_reader_path_matches_the_string_path()
    {
        string text = Filler[..70000] + JsonLine(Rule("pem-private-key").TruePositives[0].Text) + Filler[..1000];
        foreach (int size in new[] { 16, 4096, 65536 })
        {
            using var writer = new StringWriter();
            RedactionReport report = new RedactorBuilder().WithBufferSize(size).Build().Redact(new StringReader(text), writer);
            Assert.Equal(Subject.Redact(text), writer.ToString());
            Assert.Equal(1, report.Counts["pem-private-key"]);
        }
    }

    [Fact]
    public async Task Async_stream_path_matches_the_string_path()
    {
        string text = Filler[..100000] + "token ghp_n86TkVYCM7l8GQlchbkER0Af7BOfjtNayviH" + " and " + Rule("jwt").TruePositives[0].Text + Filler[..100];
        using var output = new MemoryStream();
        RedactionReport report = await Subject.RedactAsync(new TrickleStream(Encoding.UTF8.GetBytes(text), 5000), output);
        Assert.Equal(Subject.Redact(text), Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(2, report.Total);
    }

    [Fact]
    public void Bytes_outside_matches_are_copied_exactly_even_when_not_valid_utf8()
    {
        byte[] prefix = [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82, 0xAC, (byte)'\n', 0xF0, 0x9F, 0x98];
        byte[] secret = Encoding.ASCII.GetBytes("ghp_zm5YdOnCqIz0Wiw8SE7diV3TMXVjM8Ahghjs");
        byte[] suffix = [0x80, (byte)'"', 0xC3, 0xA9, 0x00, 0x7F];
        byte[] input = [.. prefix, .. secret, .. suffix];
        using var output = new MemoryStream();
        new RedactorBuilder().WithBufferSize(3).Build().Redact(new MemoryStream(input), output);
        Assert.Equal([.. prefix, .. Encoding.ASCII.GetBytes(Marker("github-pat-classic")), .. suffix], output.ToArray());
    }

    [Fact]
    public void Memory_stays_bounded_however_long_the_stream()
    {
        // 64 MiB of transcript-like input generated on the fly, never held in memory.
        var source = new RepeatingStream(Encoding.UTF8.GetBytes(Filler[..65521]), 64L * 1024 * 1024);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RedactionReport report = Subject.Redact(source, Stream.Null);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(report.IsEmpty);
        Assert.True(allocated < 4 * 1024 * 1024, $"{allocated} bytes allocated for 64 MiB");
    }

    [Fact]
    public void Carry_over_is_bounded_and_documented()
    {
        // The longest match (a 16 KiB PEM block or a JWT) bounds what is kept between reads.
        Assert.InRange(Subject.MaxCarry, 16 * 1024, 64 * 1024);
    }

    /// <summary>Transcript-like text without secrets: the corpus lines repeated.</summary>
    internal static string BuildFiller(int length)
    {
        string[] lines = [.. Directory.GetFiles(CorpusTests.CorpusDirectory, "*.jsonl").Order().SelectMany(File.ReadAllLines)];
        var builder = new StringBuilder(length + 10000);
        for (int i = 0; builder.Length < length; i++)
        {
            builder.Append(lines[i % lines.Length]).Append('\n');
        }

        // Emoji become 'é' so that cutting the filler anywhere never splits a surrogate pair (which UTF-8 cannot encode).
        for (int i = 0; i < builder.Length; i++)
        {
            if (char.IsSurrogate(builder[i]))
            {
                builder[i] = 'é';
            }
        }

        string filler = builder.ToString();
        Assert.Equal(filler, Subject.Redact(filler));
        return filler;
    }

    private sealed class RepeatingStream(byte[] block, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - position);
            for (int i = 0; i < n; i++)
            {
                buffer[offset + i] = block[(position + i) % block.Length];
            }

            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
