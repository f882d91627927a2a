using System.Security.Cryptography;
using System.Text;

namespace Custodian.Server;

/// <summary>API keys: random, shown once, stored only as a SHA-256 hash and compared in constant time.</summary>
public static class ApiKeys
{
    /// <summary>Every key starts with this, so secret scanners (and Custodian's own redactor) can recognize it.</summary>
    public const string Prefix = "cust_";

    /// <summary>A new key and its hash.</summary>
    public static (string Key, byte[] Hash) Create(RandomNumberGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[32];
        random.GetBytes(bytes);
        var key = Prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, Hash(key));
    }

    /// <summary>The stored form of a key.</summary>
    public static byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }
}
