using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Custodian.Redaction.Internal;

/// <summary>
/// The vectorized prefilter. Every scan anchor (a rule's literal, such as <c>ghp_</c> or <c>-----BEGIN </c>)
/// gets one trigger character: the rarest of its characters in transcript-like text, shared with other
/// anchors where possible. One <see cref="SearchValues{T}"/> of those few characters finds candidates
/// (an IndexOfAny that runs at memory speed because triggers are rare), and a table keyed by the trigger
/// confirms the anchor around it. Anchors made only of common characters (none today) would fall back to a
/// <see cref="SearchValues{T}"/> of strings.
/// </summary>
/// <remarks>
/// .NET's multi-string SearchValues (Teddy) keys on each value's first three characters; with some ninety
/// anchors of varied first letters its buckets match nearly everywhere (or it falls back to Aho-Corasick),
/// and throughput drops below 0.3 GB/s. Keying on one rare character per anchor avoids that.
/// </remarks>
internal sealed class AnchorIndex
{
    /// <summary>
    /// ASCII characters from rarest to most common in Claude Code transcripts (measured on the shared
    /// claude-code-log corpus and on bench/redaction's generated transcripts: JSON with uuids, timestamps,
    /// paths, prose and code). Characters not listed count as common.
    /// </summary>
    internal const string Rarity =
        "%&^~QKXVJGz?#|*YMNFLW!AqZPH'U+$@OCI[]BD<>RS;=jET`kx()v}g{9wy876b3_45.h/12f0lm\\,-pu:dcoiranst\" e";

    // Entries by trigger character, then by the character next to it (before it, or after it when the
    // trigger opens the anchor), so that a trigger hit checks one or two anchors, not every anchor with it.
    /// <summary>
    /// How many of the rarest characters may serve as triggers (up to 'x', about 0.5% of transcript text),
    /// plus '_' which most token prefixes share. Anchors made only of commoner characters go to the
    /// multi-string fallback instead, which stays fast as long as it holds few values.
    /// </summary>
    private static readonly string Allowed = Rarity[..(Rarity.IndexOf('x', StringComparison.Ordinal) + 1)] + "_";

    private readonly Entry[][][] byTrigger = new Entry[128][][];
    private readonly SearchValues<char> triggers;
    private readonly byte[] triggerBytes;

    // Nibble tables for the AVX2 trigger test: for an ASCII byte b, b is a trigger when
    // lowTable[b & 15] has bit (b >> 4) set; highBits maps the high nibble to that bit (0 for non-ASCII).
    private readonly Vector256<byte> lowTable;
    private readonly Vector256<byte> highBits;
    private readonly SearchValues<string>? common;
    private readonly int maxTriggerOffset;

    public AnchorIndex(IEnumerable<string> anchors)
    {
        string[] all = [.. anchors.Distinct(StringComparer.Ordinal)];
        int[] pick = new int[all.Length];
        for (int a = 0; a < all.Length; a++)
        {
            pick[a] = RarestIndex(all[a], null);
        }

        // Drop expensive triggers whose anchors all contain a cheaper trigger that stays in use.
        var inUse = new HashSet<char>();
        for (int a = 0; a < all.Length; a++)
        {
            if (pick[a] >= 0)
            {
                inUse.Add(all[a][pick[a]]);
            }
        }

        foreach (char c in inUse.OrderByDescending(Rank).ToList())
        {
            var rest = new HashSet<char>(inUse);
            rest.Remove(c);
            bool removable = true;
            for (int a = 0; a < all.Length && removable; a++)
            {
                removable = pick[a] < 0 || all[a][pick[a]] != c || RarestIndex(all[a], rest) >= 0;
            }

            if (removable)
            {
                inUse.Remove(c);
                for (int a = 0; a < all.Length; a++)
                {
                    if (pick[a] >= 0 && all[a][pick[a]] == c)
                    {
                        pick[a] = RarestIndex(all[a], inUse);
                    }
                }
            }
        }

        var lists = new List<Entry>[128, 128];
        var triggerChars = new HashSet<char>();
        var commonAnchors = new List<string>();
        for (int a = 0; a < all.Length; a++)
        {
            if (pick[a] < 0)
            {
                commonAnchors.Add(all[a]);
                continue;
            }

            char trigger = all[a][pick[a]];
            char neighbour = pick[a] > 0 ? all[a][pick[a] - 1] : all[a][1];
            (lists[trigger, neighbour] ??= []).Add(new Entry(all[a], pick[a]));
            triggerChars.Add(trigger);
            maxTriggerOffset = Math.Max(maxTriggerOffset, pick[a]);
        }

        for (int c = 0; c < 128; c++)
        {
            byTrigger[c] = new Entry[128][];
            for (int n = 0; n < 128; n++)
            {
                byTrigger[c][n] = lists[c, n]?.ToArray() ?? [];
            }
        }

        TriggerCharacters = new string([.. triggerChars.Order()]);
        triggers = SearchValues.Create(TriggerCharacters);
        triggerBytes = [.. TriggerCharacters.Select(c => (byte)c)];
        Span<byte> low = stackalloc byte[32];
        Span<byte> high = stackalloc byte[32];
        foreach (byte b in triggerBytes)
        {
            low[b & 15] |= (byte)(1 << (b >> 4));
            low[16 + (b & 15)] |= (byte)(1 << (b >> 4));
        }

        for (int n = 0; n < 8; n++)
        {
            high[n] = high[16 + n] = (byte)(1 << n);
        }

        lowTable = Vector256.Create((ReadOnlySpan<byte>)low);
        highBits = Vector256.Create((ReadOnlySpan<byte>)high);
        CommonAnchors = [.. commonAnchors];
        common = commonAnchors.Count > 0 ? SearchValues.Create(commonAnchors.ToArray(), StringComparison.Ordinal) : null;
    }

    /// <summary>The characters the vectorized pass looks for.</summary>
    public string TriggerCharacters { get; }

    /// <summary>Anchors without a rare character, found by a multi-string search instead.</summary>
    public IReadOnlyList<string> CommonAnchors { get; }

    /// <summary>
    /// The smallest position at or after <paramref name="from"/> where an anchor starts and fits in
    /// <paramref name="text"/>, or -1. <paramref name="cursor"/> caches the fallback search across calls.
    /// </summary>
    public int Next(ReadOnlySpan<char> text, int from, ref int cursor)
    {
        int best = int.MaxValue;
        if (common is not null)
        {
            if (cursor < from)
            {
                int rel = text[from..].IndexOfAny(common);
                cursor = rel < 0 ? int.MaxValue : from + rel;
            }

            best = cursor;
        }

        int i = from;
        if (Avx2.IsSupported)
        {
            // 32 characters at a time: narrow to bytes (a non-ASCII char may alias a trigger; the table
            // check rejects it), look both nibbles up (vpshufb), and visit the set bits of the mask.
            ref ushort start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            Vector256<byte> nibble = Vector256.Create((byte)15);
            for (; i + 32 <= text.Length; i += 32)
            {
                Vector256<byte> bytes = Vector256.Narrow(
                    Vector256.LoadUnsafe(ref start, (nuint)i), Vector256.LoadUnsafe(ref start, (nuint)(i + 16)));
                Vector256<byte> rows = Avx2.Shuffle(lowTable, bytes & nibble);
                Vector256<byte> bits = Avx2.Shuffle(highBits, Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble);
                uint mask = ~Vector256.Equals(rows & bits, Vector256<byte>.Zero).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int at = i + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    if (at - maxTriggerOffset >= best)
                    {
                        return best;
                    }

                    best = CheckTrigger(text, at, from, best);
                }
            }
        }

        while (i < text.Length)
        {
            int rel = text[i..].IndexOfAny(triggers);
            if (rel < 0)
            {
                break;
            }

            i += rel;
            if (i - maxTriggerOffset >= best)
            {
                break; // every anchor this trigger could belong to starts after the best one found
            }

            best = CheckTrigger(text, i, from, best);
            i++;
        }

        return best == int.MaxValue ? -1 : best;
    }

    private int CheckTrigger(ReadOnlySpan<char> text, int i, int from, int best)
    {
        char c = text[i];
        if (c >= 128)
        {
            return best;
        }

        Entry[][] table = byTrigger[c];
        if (i > 0 && text[i - 1] < 128)
        {
            best = Check(text, table[text[i - 1]], i, from, best);
        }

        if (i + 1 < text.Length && text[i + 1] < 128)
        {
            best = Check(text, table[text[i + 1]], i, from, best);
        }

        return best;
    }

    private static int Check(ReadOnlySpan<char> text, Entry[] entries, int i, int from, int best)
    {
        foreach (Entry entry in entries)
        {
            int s = i - entry.Offset;
            if (s >= from && s < best && text.Length - s >= entry.Anchor.Length && text.Slice(s, entry.Anchor.Length).SequenceEqual(entry.Anchor))
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>Whether an anchor starts exactly at <paramref name="at"/>.</summary>
    public bool StartsAt(ReadOnlySpan<char> text, int at)
    {
        for (int i = at; i < text.Length && i <= at + maxTriggerOffset; i++)
        {
            if (CheckTrigger(text, i, at, int.MaxValue) == at)
            {
                return true;
            }
        }

        return common is not null && text[at..].IndexOfAny(common) == 0;
    }

    private static int Rank(char c)
    {
        int r = Rarity.IndexOf(c, StringComparison.Ordinal);
        return r < 0 ? int.MaxValue : r;
    }

    /// <summary>Index of the rarest character of <paramref name="anchor"/> (limited to <paramref name="allowed"/>), or -1 when all are common.</summary>
    private static int RarestIndex(string anchor, HashSet<char>? allowed)
    {
        int bestIndex = -1;
        int bestRank = int.MaxValue;
        for (int i = 0; i < anchor.Length; i++)
        {
            int rank = Rank(anchor[i]);
            if (rank < bestRank && Allowed.Contains(anchor[i], StringComparison.Ordinal) && (allowed is null || allowed.Contains(anchor[i])))
            {
                bestRank = rank;
                bestIndex = i;
            }
        }

        return bestIndex;
    }

    private readonly record struct Entry(string Anchor, int Offset);
}
