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
    private readonly SearchValues<byte> triggerByteValues;
    private readonly byte[] triggerBytes;

    // Nibble tables for the AVX2 trigger test: for an ASCII byte b, b is a trigger when
    // lowTable[b & 15] has bit (b >> 4) set; highBits maps the high nibble to that bit (0 for non-ASCII).
    private readonly Vector256<byte> lowTable;
    private readonly Vector256<byte> highBits;
    private readonly SearchValues<string>? common;
    private readonly byte[][] commonBytes;
    private readonly int maxTriggerOffset;

    // The byte search's Teddy-style filter for the common anchors (bytes have no multi-string SearchValues): each
    // anchor is in one of eight buckets, and for each of an anchor's first three bytes two nibble tables give the
    // buckets that allow that nibble there. A position whose three bytes leave a bucket bit set is a candidate,
    // verified against that bucket's anchors. Tables are duplicated in both 128-bit lanes for vpshufb.
    private readonly Vector256<byte>[] commonLow = new Vector256<byte>[CommonPrefix];
    private readonly Vector256<byte>[] commonHigh = new Vector256<byte>[CommonPrefix];
    private readonly byte[,] commonLowScalar = new byte[CommonPrefix, 16];
    private readonly byte[,] commonHighScalar = new byte[CommonPrefix, 16];
    private readonly byte[][][] commonBuckets;

    private const int CommonPrefix = 3;

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
            (lists[trigger, neighbour] ??= []).Add(new Entry(all[a], System.Text.Encoding.ASCII.GetBytes(all[a]), pick[a]));
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
        triggerByteValues = SearchValues.Create(triggerBytes);
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
        commonBytes = [.. commonAnchors.Order(StringComparer.Ordinal).Select(System.Text.Encoding.ASCII.GetBytes)];
        commonBuckets = BuildCommonFilter();
    }

    /// <summary>Sorted anchors go to buckets in runs, so that a bucket's anchors share prefixes and its filter stays tight.</summary>
    private byte[][][] BuildCommonFilter()
    {
        int bucketCount = Math.Min(8, commonBytes.Length);
        var buckets = new List<byte[]>[bucketCount];
        Span<byte> low = stackalloc byte[32];
        Span<byte> high = stackalloc byte[32];
        for (int k = 0; k < commonBytes.Length; k++)
        {
            int bucket = k * bucketCount / commonBytes.Length;
            (buckets[bucket] ??= []).Add(commonBytes[k]);
            for (int j = 0; j < CommonPrefix; j++)
            {
                byte b = commonBytes[k][j];
                commonLowScalar[j, b & 15] |= (byte)(1 << bucket);
                commonHighScalar[j, b >> 4] |= (byte)(1 << bucket);
            }
        }

        for (int j = 0; j < CommonPrefix; j++)
        {
            for (int n = 0; n < 16; n++)
            {
                low[n] = low[16 + n] = commonLowScalar[j, n];
                high[n] = high[16 + n] = commonHighScalar[j, n];
            }

            commonLow[j] = Vector256.Create((ReadOnlySpan<byte>)low);
            commonHigh[j] = Vector256.Create((ReadOnlySpan<byte>)high);
        }

        return [.. buckets.Select(b => b.ToArray())];
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

    /// <summary>
    /// <see cref="Next(ReadOnlySpan{char}, int, ref int)"/> on bytes, with the same answer as on their Latin-1 widening
    /// (anchors are ASCII, and no byte at or above 0x80 is a trigger). <paramref name="cursors"/> holds one cached
    /// position per common anchor (<see cref="CommonAnchors"/>; -1 when unknown): bytes have no multi-string search,
    /// so each such anchor is its own vectorized <c>IndexOf</c>, run again only once the scan has passed its last hit.
    /// </summary>
    public int Next(ReadOnlySpan<byte> text, int from, Span<int> cursors)
    {
        return Avx2.IsSupported ? NextAvx2(text, from) : NextPortable(text, from, cursors);
    }

    /// <summary>The byte search without AVX2: a vectorized search for the triggers, and one per common anchor.</summary>
    internal int NextPortable(ReadOnlySpan<byte> text, int from, Span<int> cursors)
    {
        int best = int.MaxValue;
        for (int k = 0; k < commonBytes.Length; k++)
        {
            if (cursors[k] < from)
            {
                int rel = text[from..].IndexOf(commonBytes[k]);
                cursors[k] = rel < 0 ? int.MaxValue : from + rel;
            }

            best = Math.Min(best, cursors[k]);
        }

        int i = from;
        while (i < text.Length)
        {
            int rel = text[i..].IndexOfAny(triggerByteValues);
            if (rel < 0)
            {
                break;
            }

            i += rel;
            if (i - maxTriggerOffset >= best)
            {
                break;
            }

            best = CheckTrigger(text, i, from, best);
            i++;
        }

        return best == int.MaxValue ? -1 : best;
    }

    /// <summary>One pass for both kinds of anchor: the trigger test and the common anchors' filter on the same loads.</summary>
    private int NextAvx2(ReadOnlySpan<byte> text, int from)
    {
        int best = int.MaxValue;
        int i = from;
        bool anyCommon = commonBytes.Length > 0;
        ref byte start = ref MemoryMarshal.GetReference(text);
        Vector256<byte> nibble = Vector256.Create((byte)15);
        Vector256<byte> triggerLow = lowTable, triggerHigh = highBits;
        Vector256<byte> low0 = commonLow[0], high0 = commonHigh[0], low1 = commonLow[1], high1 = commonHigh[1], low2 = commonLow[2], high2 = commonHigh[2];
        for (; i + 32 + CommonPrefix - 1 <= text.Length; i += 32)
        {
            Vector256<byte> bytes = Vector256.LoadUnsafe(ref start, (nuint)i);
            Vector256<byte> lowNibbles = bytes & nibble;
            Vector256<byte> highNibbles = Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble;
            uint mask = ~Vector256.Equals(Avx2.Shuffle(triggerLow, lowNibbles) & Avx2.Shuffle(triggerHigh, highNibbles), Vector256<byte>.Zero).ExtractMostSignificantBits();
            if (anyCommon)
            {
                Vector256<byte> second = Vector256.LoadUnsafe(ref start, (nuint)(i + 1));
                Vector256<byte> third = Vector256.LoadUnsafe(ref start, (nuint)(i + 2));
                Vector256<byte> buckets =
                    Avx2.Shuffle(low0, lowNibbles) & Avx2.Shuffle(high0, highNibbles) &
                    Avx2.Shuffle(low1, second & nibble) & Avx2.Shuffle(high1, Vector256.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & nibble) &
                    Avx2.Shuffle(low2, third & nibble) & Avx2.Shuffle(high2, Vector256.ShiftRightLogical(third.AsUInt16(), 4).AsByte() & nibble);
                uint candidates = ~Vector256.Equals(buckets, Vector256<byte>.Zero).ExtractMostSignificantBits();
                while (candidates != 0)
                {
                    int at = i + BitOperations.TrailingZeroCount(candidates);
                    candidates &= candidates - 1;
                    if (at >= best)
                    {
                        break;
                    }

                    if (CommonAt(text, at))
                    {
                        best = at;
                        break;
                    }
                }
            }

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

            if (best <= i + 32 - maxTriggerOffset)
            {
                return best; // no later trigger or candidate can start an earlier anchor
            }
        }

        for (; i < text.Length; i++)
        {
            if (i - maxTriggerOffset >= best)
            {
                break;
            }

            if (anyCommon && i < best && CommonAt(text, i))
            {
                best = i;
            }

            if (triggerByteValues.Contains(text[i]))
            {
                best = CheckTrigger(text, i, from, best);
            }
        }

        return best == int.MaxValue ? -1 : best;
    }

    /// <summary>Whether a common anchor starts at <paramref name="at"/>: the filter's buckets for its three bytes, then their anchors.</summary>
    private bool CommonAt(ReadOnlySpan<byte> text, int at)
    {
        if (at + CommonPrefix > text.Length)
        {
            return false;
        }

        int bits = 0xFF;
        for (int j = 0; j < CommonPrefix; j++)
        {
            byte b = text[at + j];
            bits &= commonLowScalar[j, b & 15] & commonHighScalar[j, b >> 4];
        }

        while (bits != 0)
        {
            int bucket = BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            foreach (byte[] anchor in commonBuckets[bucket])
            {
                if (text[at..].StartsWith(anchor))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether an anchor starts exactly at <paramref name="at"/> of <paramref name="text"/>'s bytes.</summary>
    public bool StartsAt(ReadOnlySpan<byte> text, int at)
    {
        for (int i = at; i < text.Length && i <= at + maxTriggerOffset; i++)
        {
            if (CheckTrigger(text, i, at, int.MaxValue) == at)
            {
                return true;
            }
        }

        return CommonAt(text, at);
    }

    private int CheckTrigger(ReadOnlySpan<byte> text, int i, int from, int best)
    {
        byte c = text[i];
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

    private static int Check(ReadOnlySpan<byte> text, Entry[] entries, int i, int from, int best)
    {
        foreach (Entry entry in entries)
        {
            int s = i - entry.Offset;
            if (s >= from && s < best && text.Length - s >= entry.Bytes.Length && text.Slice(s, entry.Bytes.Length).SequenceEqual(entry.Bytes))
            {
                best = s;
            }
        }

        return best;
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

    private readonly record struct Entry(string Anchor, byte[] Bytes, int Offset);
}
