using Custodian.Storage;

namespace Custodian.Server;

/// <summary>The result of walking the audit log.</summary>
/// <param name="Intact">True when every entry matches its hash and its predecessor, with no gap and no missing tail.</param>
/// <param name="Entries">How many entries were checked.</param>
/// <param name="Problem">The first problem, naming the entry; null when intact.</param>
public sealed record AuditVerification(bool Intact, long Entries, string? Problem);

/// <summary>Walks the audit log's hash chain (ACC-2): an edited, removed or reordered entry is found and named.</summary>
public static class AuditVerifier
{
    /// <summary>Verifies the whole log.</summary>
    public static async Task<AuditVerification> VerifyAsync(ICustodianStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var previous = AuditChain.Genesis;
        long expectedSeq = 1, count = 0;
        await foreach (var entry in store.ReadAuditAsync(cancellationToken))
        {
            if (entry.Seq != expectedSeq)
                return new AuditVerification(false, count, $"entry {expectedSeq} was removed (the next entry is {entry.Seq})");
            if (entry.PreviousHash != previous)
                return new AuditVerification(false, count, $"entry {entry.Seq} does not follow entry {entry.Seq - 1}: an entry before it was changed or removed");
            if (!AuditChain.IsIntact(entry, previous))
                return new AuditVerification(false, count, $"entry {entry.Seq} was changed ({entry.Action} by {entry.Actor})");
            previous = entry.Hash;
            expectedSeq++;
            count++;
        }

        var head = await store.GetAuditHeadAsync(cancellationToken);
        if (head is { } h && (h.Seq != count || h.Hash != previous))
            return new AuditVerification(false, count, h.Seq > count
                ? $"entry {count + 1} was removed (the log should end at entry {h.Seq})"
                : $"the log's head does not match entry {count}: an entry was changed");
        return new AuditVerification(true, count, null);
    }
}
