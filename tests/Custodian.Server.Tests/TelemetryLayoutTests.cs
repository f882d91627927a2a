using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Custodian.Storage.Internal;

namespace Custodian.Server.Tests;

/// <summary>The stored forms behind telemetry rows: keys (CUS-76) and blocks (CUS-88), byte for byte.</summary>
public sealed class TelemetryLayoutTests
{
    private static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    [Trait("spec", "CUS-76")]
    public void A_key_is_the_time_then_the_sha256_of_account_session_kind_and_payload_as_earlier_releases_stored_them()
    {
        using var keys = new TelemetryKeys();
        var payload = """{"name":"claude_code.user_prompt","time":"2026-03-02T09:00:00.001Z"}"""u8.ToArray();

        var key = keys.Of("alice", "s-1", "event", 1_772_442_000_001, payload);

        var expected = new byte[40];
        BinaryPrimitives.WriteInt64BigEndian(expected, 1_772_442_000_001);
        SHA256.HashData([.. "alice\u001fs-1\u001fevent\u001f"u8, .. payload], expected.AsSpan(8));
        Assert.Equal(expected, key);
        // The instance is reused across rows: the next key starts from nothing.
        Assert.Equal(expected, keys.Of("alice", "s-1", "event", 1_772_442_000_001, payload));
        Assert.NotEqual(expected, keys.Of("bob", "s-1", "event", 1_772_442_000_001, payload));
        Assert.NotEqual(expected, keys.Of("alice", "s-1", "metric", 1_772_442_000_001, payload));
    }

    [Fact]
    [Trait("spec", "CUS-88")]
    public void A_block_takes_up_to_64_records_within_60000_bytes_and_a_larger_record_alone()
    {
        var small = Enumerable.Repeat(Utf8("{\"a\":1}"), 100).ToList();
        Assert.Equal(64, TelemetryBlocks.Take(small, 0));
        Assert.Equal(36, TelemetryBlocks.Take(small, 64));

        var big = new string('x', 30_000);
        var mixed = new List<ReadOnlyMemory<byte>> { Utf8($"{{\"v\":\"{big}\"}}"), Utf8($"{{\"v\":\"{big}\"}}"), Utf8("{}"), Utf8(new string(' ', 70_000)) };
        Assert.Equal(1, TelemetryBlocks.Take(mixed, 0)); // two of 30 KB and their brackets are over 60,000 bytes
        Assert.Equal(2, TelemetryBlocks.Take(mixed, 1));
        Assert.Equal(1, TelemetryBlocks.Take(mixed, 3));
    }

    [Fact]
    [Trait("spec", "CUS-88")]
    public void A_blocks_payload_is_the_array_of_its_records_and_expands_to_them_with_their_names_and_times()
    {
        var records = new List<ReadOnlyMemory<byte>>
        {
            Utf8("""{"name":"claude_code.user_prompt","time":"2026-03-02T09:00:00.0020000Z","attributes":{"prompt":"a, [b]"}}"""),
            Utf8("""{"name":"claude_code.api_request","time":"2026-03-02T09:00:00.0010000Z","attributes":{}}"""),
        };

        var payload = TelemetryBlocks.Payload(records, 0, 2, out var rented);
        try
        {
            var text = Encoding.UTF8.GetString(payload.Span);
            Assert.Equal("[" + Encoding.UTF8.GetString(records[0].Span) + "," + Encoding.UTF8.GetString(records[1].Span) + "]", text);
            var expanded = TelemetryBlocks.Expand(text);
            Assert.Equal(
                [
                    ("claude_code.user_prompt", new DateTimeOffset(2026, 3, 2, 9, 0, 0, 2, TimeSpan.Zero).ToUnixTimeMilliseconds(), Encoding.UTF8.GetString(records[0].Span)),
                    ("claude_code.api_request", new DateTimeOffset(2026, 3, 2, 9, 0, 0, 1, TimeSpan.Zero).ToUnixTimeMilliseconds(), Encoding.UTF8.GetString(records[1].Span)),
                ],
                expanded);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        Assert.Throws<System.Text.Json.JsonException>(() => TelemetryBlocks.Expand("""{"name":"not a block"}"""));
    }
}
