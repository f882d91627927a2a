using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Custodian.Server.Web;

/// <summary>
/// Browser sign-in sessions: the cookie carries only a random token; the account it stands for lives here, on the
/// server, so the API key never reaches the browser's storage. Sessions slide: each use extends them by
/// <see cref="IdleTimeout"/>, up to <see cref="AbsoluteLifetime"/> after sign-in. They are per server process (a
/// restart signs everyone out), which is the safe direction to fail in.
/// </summary>
internal sealed class WebSessions(TimeProvider time)
{
    /// <summary>A session unused for this long ends.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(20);

    /// <summary>No session outlives this, however busy.</summary>
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromHours(8);

    // Keyed by the token's hash, so that even a dump of this process's memory yields no usable cookie.
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="accountId"/>; returns the token for the cookie.</summary>
    public string Create(string accountId)
    {
        var now = time.GetUtcNow();
        // Forget ended sessions here rather than on a timer: sign-ins are rare, and this bounds the table's size.
        foreach (var (key, entry) in _sessions)
        {
            if (entry.HasEnded(now)) _sessions.TryRemove(key, out _);
        }

        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        _sessions[Hash(token)] = new Entry(accountId, now, now);
        return token;
    }

    /// <summary>The account of a live session, extending it; null when unknown or ended.</summary>
    public string? Resolve(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128) return null;
        var key = Hash(token);
        if (!_sessions.TryGetValue(key, out var entry)) return null;
        var now = time.GetUtcNow();
        if (entry.HasEnded(now))
        {
            _sessions.TryRemove(key, out _);
            return null;
        }

        _sessions.TryUpdate(key, entry with { LastUsed = now }, entry);
        return entry.AccountId;
    }

    /// <summary>Ends a session (sign-out).</summary>
    public void Remove(string? token)
    {
        if (!string.IsNullOrEmpty(token)) _sessions.TryRemove(Hash(token), out _);
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Entry(string AccountId, DateTimeOffset Created, DateTimeOffset LastUsed)
    {
        public bool HasEnded(DateTimeOffset now) => now - LastUsed >= IdleTimeout || now - Created >= AbsoluteLifetime;
    }
}
