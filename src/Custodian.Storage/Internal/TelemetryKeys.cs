using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Custodian.Storage.Internal;

/// <summary>
/// Idempotency keys of telemetry rows (CUS-76): the row's time (Unix milliseconds, big-endian, so that keys arrive in
/// about ascending order and their index grows at its end) followed by the SHA-256 of its account, session id, kind
/// and stored payload, each but the last followed by 0x1f. A record's row and a block's (CUS-88) are keyed alike: a
/// block's payload is the array of its records' objects, never one record's object, so the two never share a key.
/// One instance per group commit; not thread-safe.
/// </summary>
internal sealed class TelemetryKeys : IDisposable
{
    /// <summary>A key's length: 8 bytes of time and 32 of hash.</summary>
    public const int Length = sizeof(long) + 32;

    // Reused: each hash object OpenSSL creates and frees costs about as much as hashing a kilobyte.
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _prefix = new byte[512];

    /// <summary>The key of a row of <paramref name="payload"/>.</summary>
    public byte[] Of(string accountId, string sessionId, string kind, long at, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(kind);
        var needed = Encoding.UTF8.GetMaxByteCount(accountId.Length + sessionId.Length + kind.Length) + 3;
        if (_prefix.Length < needed) _prefix = new byte[needed];
        var length = Encoding.UTF8.GetBytes(accountId, _prefix);
        _prefix[length++] = 0x1f;
        length += Encoding.UTF8.GetBytes(sessionId, _prefix.AsSpan(length));
        _prefix[length++] = 0x1f;
        length += Encoding.UTF8.GetBytes(kind, _prefix.AsSpan(length));
        _prefix[length++] = 0x1f;
        _hash.AppendData(_prefix, 0, length);
        _hash.AppendData(payload);
        var key = new byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(key, at);
        _hash.GetHashAndReset(key.AsSpan(sizeof(long)));
        return key;
    }

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();
}
