using System.Collections.Concurrent;
using System.Security.Cryptography;
using Custodian.Storage;

namespace Custodian.Server.Internal;

/// <summary>
/// API-key hash → account, for <see cref="ServerOptions.KeyCacheLifetime"/> (CUS-27). An entry is dropped at once when
/// this instance's store revokes a key, changes a role or changes an organization (<see cref="ICustodianStore.AccessVersion"/>);
/// changes made through another instance or process are seen when the entry's lifetime ends. Unknown keys are never
/// cached, so a new key works at once. Only identity is cached: the organization's policy and the user's consent are
/// read fresh by each request that decides on them.
/// </summary>
internal sealed class KeyCache(ICustodianStore store, ServerOptions options)
{
    /// <summary>More distinct keys than this in one lifetime and the cache starts over (a bound on memory, not a policy).</summary>
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The account whose key has this hash, or null; from the cache while the entry is fresh.</summary>
    public async Task<Account?> FindAsync(byte[] hash, CancellationToken cancellationToken)
    {
        var lifetime = options.KeyCacheLifetime;
        if (lifetime <= TimeSpan.Zero) return await LoadAsync(hash, cancellationToken);
        var id = Convert.ToHexString(hash);
        var version = store.AccessVersion;
        if (_entries.TryGetValue(id, out var entry) && entry.Version == version && options.Time.GetElapsedTime(entry.Loaded) < lifetime)
            return entry.Account;

        // The version is read before the store: a change committed meanwhile leaves this entry already stale.
        var account = await LoadAsync(hash, cancellationToken);
        if (account is null)
        {
            _entries.TryRemove(id, out _);
            return null;
        }

        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[id] = new Entry(account, version, options.Time.GetTimestamp());
        return account;
    }

    private async Task<Account?> LoadAsync(byte[] hash, CancellationToken cancellationToken)
    {
        var found = await store.FindByKeyHashAsync(hash, cancellationToken);
        return found is { } f && CryptographicOperations.FixedTimeEquals(f.StoredHash, hash) ? f.Account : null;
    }

    private sealed record Entry(Account Account, long Version, long Loaded);
}
