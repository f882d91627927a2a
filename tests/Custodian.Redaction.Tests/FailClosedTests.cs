using System.Text;
using Custodian.Redaction.Internal;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>RED-4: when redaction cannot finish, callers get an exception and must send nothing.</summary>
[Trait("spec", "RED-4")]
public sealed class FailClosedTests
{
    [Fact]
    public void A_rule_that_throws_fails_the_whole_run()
    {
        Redactor redactor = new RedactorBuilder().WithRule(new ThrowingRule()).Build();
        var ex = Assert.Throws<RedactionException>(() => redactor.Redact("safe text then BOOM! and more"));
        Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Contains("RED-4", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("safe text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_region_that_would_break_json_fails_closed_instead_of_being_emitted()
    {
        Redactor redactor = new RedactorBuilder().WithRule(new QuoteEatingRule()).Build();
        Assert.Throws<RedactionException>(() => redactor.Redact("{\"a\":\"QQQ\"}"));
    }

    [Fact]
    public void A_rule_region_outside_its_declared_window_fails_closed()
    {
        Redactor redactor = new RedactorBuilder().WithRule(new OverreachingRule()).Build();
        Assert.Throws<RedactionException>(() => redactor.Redact("xx ZZZ yy"));
    }

    [Fact]
    public void A_failing_source_stream_surfaces_as_a_redaction_failure()
    {
        var ex = Assert.Throws<RedactionException>(() => Subject.Redact(new FailingStream(), new MemoryStream()));
        Assert.IsType<IOException>(ex.InnerException);
    }

    [Fact]
    public async Task A_failing_destination_surfaces_as_a_redaction_failure()
    {
        byte[] input = Encoding.UTF8.GetBytes("line with ghp_zymMlopiWfqUyHRSIf8NFmAUNLnY5Yx0y3Rn");
        await Assert.ThrowsAsync<RedactionException>(() => Subject.RedactAsync(new MemoryStream(input), new FailingStream()));
    }

    [Fact]
    public async Task Cancellation_is_reported_as_cancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Subject.RedactAsync(new MemoryStream([1, 2, 3]), Stream.Null, cts.Token));
    }

    [Fact]
    public void A_failing_text_reader_surfaces_as_a_redaction_failure()
    {
        Assert.Throws<RedactionException>(() => Subject.Redact(new FailingReader(), new StringWriter()));
    }

    private sealed class ThrowingRule : Rule
    {
        public override string Id => "test-throwing";

        public override string Description => "Throws on BOOM";

        public override IReadOnlyList<string> Signatures { get; } = ["BOOM!"];

        public override int MaxReach => 5;

        public override IReadOnlyList<RuleExample> TruePositives { get; } = [];

        public override IReadOnlyList<string> FalsePositives { get; } = [];

        public override bool TryMatch(in Window window, out int start, out int end) => throw new InvalidOperationException("rule bug");
    }

    /// <summary>Claims a region that swallows the closing quote of a JSON string.</summary>
    private sealed class QuoteEatingRule : Rule
    {
        public override string Id => "test-quote-eating";

        public override string Description => "Eats a quote";

        public override IReadOnlyList<string> Signatures { get; } = ["QQQ"];

        public override int MaxReach => 5;

        public override IReadOnlyList<RuleExample> TruePositives { get; } = [];

        public override IReadOnlyList<string> FalsePositives { get; } = [];

        public override bool TryMatch(in Window window, out int start, out int end)
        {
            start = window.Hit;
            end = window.Hit + 4;
            return true;
        }
    }

    /// <summary>Claims a region that starts before its hit although it declared no look-behind.</summary>
    private sealed class OverreachingRule : Rule
    {
        public override string Id => "test-overreaching";

        public override string Description => "Reaches too far";

        public override IReadOnlyList<string> Signatures { get; } = ["ZZZ"];

        public override int MaxReach => 3;

        public override IReadOnlyList<RuleExample> TruePositives { get; } = [];

        public override IReadOnlyList<string> FalsePositives { get; } = [];

        public override bool TryMatch(in Window window, out int start, out int end)
        {
            start = window.Hit - 2;
            end = window.Hit + 2;
            return true;
        }
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk gone");

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("pipe closed");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("pipe closed"));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class FailingReader : TextReader
    {
        public override int Read(char[] buffer, int index, int count) => throw new IOException("gone");
    }
}
