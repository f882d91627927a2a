using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Custodian.Redaction.Internal;

/// <summary>
/// The vectorized prefilter. Every scan anchor (a rule's literal, such as <c>ghp_</c> or <c>-----BEGIN </c>) is
/// found one of two ways: by a trigger character (the rarest of its characters in transcript text, shared with
/// other anchors where possible), or, for anchors without a cheap one, by a Teddy-style fingerprint filter on its
/// rarest three bytes. One loop tests 32 bytes for every trigger and every fingerprint bucket at once (nibble
/// table lookups); the positions it passes are checked against a hash set of the anchors' windows, then against
/// the anchors themselves and their bounds (<see cref="AnchorBounds"/>).
/// </summary>
/// <remarks>
/// .NET's multi-string SearchValues (Teddy) keys on each value's first three characters; with some ninety
/// anchors of varied first letters its buckets match nearly everywhere (or it falls back to Aho-Corasick),
/// and throughput drops below 0.3 GB/s. Keying on one rare character per anchor, and giving the few others
/// their rarest bytes rather than their first, avoids that. docs/redaction.md ("How it is fast") has the numbers.
/// </remarks>
internal sealed partial class AnchorIndex
{
    /// <summary>
    /// How often each ASCII byte occurs in Claude Code transcripts, per million bytes: the larger of its frequency in
    /// the shared corpus (37 real transcripts, 18 MB) and in bench/redaction's generated transcripts (JSON with
    /// uuids, timestamps, usage counters, paths, prose and code). It chooses triggers and fingerprints, so it only
    /// decides speed, never what is found.
    /// </summary>
    internal static ReadOnlySpan<int> PerMillion =>
    [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 833, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        113950, 456, 64076, 652, 1369, 1209, 522, 922, 5005, 5005, 809, 1363, 17890, 20028, 11039, 12952,
        14112, 13199, 14200, 6855, 11413, 12185, 7162, 5933, 6654, 6509, 24656, 3193, 1851, 3771, 3286, 150,
        1370, 1762, 1755, 1994, 2078, 3698, 860, 1235, 920, 2467, 542, 518, 1818, 938, 1511, 1389,
        2023, 549, 2339, 3451, 4565, 4377, 654, 659, 507, 665, 1170, 1674, 21793, 1581, 160, 13908,
        3807, 41602, 8708, 30022, 24381, 81095, 15007, 10210, 11919, 35676, 3328, 6014, 20750, 16712, 47083, 41135,
        21398, 1541, 37498, 48932, 60520, 23068, 5047, 6734, 4865, 6491, 683, 6211, 881, 5751, 435, 1,
    ];

    /// <summary>
    /// Characters that may serve as triggers: those in at most 0.7% of transcript text (<c>x</c>, <c>k</c> and rarer),
    /// and <c>_</c>, which most token prefixes share (ghp_, sk_live_, npm_).
    /// </summary>
    private const int MaxTriggerFrequency = 7000;

    // What a trigger costs is its frequency (candidates per million bytes); what an anchor costs in the fingerprint
    // filter is about this (measured on the generated transcripts: 49 anchors gave about 2,900 candidates per MB),
    // up to the filter's capacity, past which its eight buckets loosen quickly.
    private const int FilterCostPerAnchor = 100;
    private const int FilterCapacity = 64;

    private readonly Entry[][][] byTrigger = new Entry[128][][];
    private readonly SearchValues<char> triggers;
    private readonly SearchValues<byte> triggerByteValues;
    private readonly byte[] triggerBytes;

    // Nibble tables for the AVX2 trigger test: for an ASCII byte b, b is a trigger when
    // lowTable[b & 15] has bit (b >> 4) set; highBits maps the high nibble to that bit (0 for non-ASCII).
    private readonly Vector256<byte> lowTable;
    private readonly Vector256<byte> highBits;
    private readonly SearchValues<string>? common;
    private readonly Entry[] commonEntries;
    private readonly int maxTriggerOffset;

    // The largest fingerprint offset of a common anchor (where its three bytes of the filter start).
    private readonly int maxCommonOffset;

    // The byte search's Teddy-style filter for the common anchors (bytes have no multi-string SearchValues): each
    // anchor is in one of eight buckets, and for each of an anchor's first three bytes two nibble tables give the
    // buckets that allow that nibble there. A position whose three bytes leave a bucket bit set is a candidate,
    // verified against that bucket's anchors. Tables are duplicated in both 128-bit lanes for vpshufb.
    private readonly Vector256<byte>[] commonLow = new Vector256<byte>[CommonPrefix];
    private readonly Vector256<byte>[] commonHigh = new Vector256<byte>[CommonPrefix];
    private readonly byte[] commonLowScalar = new byte[CommonPrefix * 16];
    private readonly byte[] commonHighScalar = new byte[CommonPrefix * 16];
    private readonly Entry[][] commonBuckets;

    private const int CommonPrefix = 3;

    // The search's methods are compiled optimized at once ([MethodImpl(AggressiveOptimization)]): a CLI run lasts
    // a fraction of a second, and tiered compilation would spend much of it in unoptimized code, or in the on-stack
    // replacement of the first long call, which keeps the vector tables on the stack.

    // The second stage for trigger hits: most trigger characters are not in an anchor (the '_' of snake_case, the
    // 'k' of "keyboard"), and the entries' scalar comparisons cost more than the vectorized pass. Every anchor puts
    // the hash of the longest window (up to four bytes) that it shares with the trigger's side into one bit set,
    // before the trigger (ending on it) or after it (starting on it); a trigger whose windows set no bit is dropped
    // with a few multiplications and no branch per entry.
    private const int WindowBits = 1 << 16;
    private readonly ulong[] windowFilter = new ulong[WindowBits / 64];

    // Which (side, length) windows some anchor uses: bit (length - 1) for windows before the trigger, 4 + (length - 1) after.
    private int windowKinds;

    /// <param name="anchors">The literals to find.</param>
    /// <param name="bounds">
    /// What must surround some anchors for them to count (<see cref="AnchorBounds"/>: <c>oken</c> ends the name
    /// <c>API_TOKEN</c>, so the <c>oken</c> of <c>input_tokens</c> is no hit). A bound that would read outside the
    /// text holds, since what lies there is not known yet.
    /// </param>
    public AnchorIndex(IEnumerable<string> anchors, IReadOnlyDictionary<string, AnchorBounds>? bounds = null)
    {
        string[] all = [.. anchors.Distinct(StringComparer.Ordinal)];
        anchorCount = all.Length;
        int[] pick = new int[all.Length];
        for (int a = 0; a < all.Length; a++)
        {
            pick[a] = RarestIndex(all[a], null);
        }

        // Drop expensive triggers whose anchors all contain a cheaper trigger that stays in use.
        // (Flags by character rather than sets: the index is built in every process, the hook's included.)
        bool[] inUse = new bool[128];
        for (int a = 0; a < all.Length; a++)
        {
            if (pick[a] >= 0)
            {
                inUse[all[a][pick[a]]] = true;
            }
        }

        char[] used = [.. Enumerable.Range(0, 128).Where(c => inUse[c]).Select(c => (char)c).OrderByDescending(Rank)];
        foreach (char c in used)
        {
            bool removable = true;
            for (int a = 0; a < all.Length && removable; a++)
            {
                removable = pick[a] < 0 || all[a][pick[a]] != c || RarestIndex(all[a], inUse, except: c) >= 0;
            }

            if (removable)
            {
                inUse[c] = false;
                for (int a = 0; a < all.Length; a++)
                {
                    if (pick[a] >= 0 && all[a][pick[a]] == c)
                    {
                        pick[a] = RarestIndex(all[a], inUse);
                    }
                }
            }
        }

        // Move the anchors of costly triggers to the fingerprint filter while it has room (x, =, B: a few anchors
        // each, on characters common in code), most costly first.
        int filtered = 0;
        for (int a = 0; a < all.Length; a++)
        {
            filtered += pick[a] < 0 ? 1 : 0;
        }

        foreach (char c in used)
        {
            if (!inUse[c])
            {
                continue;
            }

            int owned = 0;
            for (int a = 0; a < all.Length; a++)
            {
                owned += pick[a] >= 0 && all[a][pick[a]] == c ? 1 : 0;
            }

            if (Rank(c) > FilterCostPerAnchor * owned && filtered + owned <= FilterCapacity)
            {
                filtered += owned;
                for (int a = 0; a < all.Length; a++)
                {
                    if (pick[a] >= 0 && all[a][pick[a]] == c)
                    {
                        pick[a] = -1;
                    }
                }
            }
        }

        // Rows only for trigger characters (a 128 x 128 table of lists would be a large-object allocation, which a
        // hook process pays for at every start); every other character shares one row of empty entries.
        var lists = new List<Entry>[128][];
        var triggerChars = new HashSet<char>();
        var commonAnchors = new List<string>();
        AnchorBounds BoundsOf(string anchor) => bounds?.GetValueOrDefault(anchor) ?? AnchorBounds.None;
        for (int a = 0; a < all.Length; a++)
        {
            if (pick[a] < 0)
            {
                commonAnchors.Add(all[a]);
                continue;
            }

            char trigger = all[a][pick[a]];
            char neighbour = pick[a] > 0 ? all[a][pick[a] - 1] : all[a][1];
            ((lists[trigger] ??= new List<Entry>[128])[neighbour] ??= []).Add(new Entry(all[a], System.Text.Encoding.ASCII.GetBytes(all[a]), pick[a], BoundsOf(all[a])));
            AddWindow(all[a], pick[a]);
            triggerChars.Add(trigger);
            maxTriggerOffset = Math.Max(maxTriggerOffset, pick[a]);
        }

        Entry[][] none = new Entry[128][];
        Array.Fill(none, []);
        for (int c = 0; c < 128; c++)
        {
            if (lists[c] is not { } row)
            {
                byTrigger[c] = none;
                continue;
            }

            byTrigger[c] = new Entry[128][];
            for (int n = 0; n < 128; n++)
            {
                byTrigger[c][n] = row[n]?.ToArray() ?? [];
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
        commonEntries = [.. commonAnchors.Order(StringComparer.Ordinal).Select(a => new Entry(a, System.Text.Encoding.ASCII.GetBytes(a), FingerprintOffset(a), BoundsOf(a)))];
        foreach (Entry entry in commonEntries)
        {
            AddWindow(entry.Anchor, entry.Offset, startOnly: true);
            maxCommonOffset = Math.Max(maxCommonOffset, entry.Offset);
        }

        commonBuckets = BuildCommonFilter();
    }

    /// <summary>Adds the window of <paramref name="anchor"/> around its trigger at <paramref name="trigger"/> (or, for a common anchor, from its fingerprint).</summary>
    private void AddWindow(string anchor, int trigger, bool startOnly = false)
    {
        int before = startOnly ? 0 : Math.Min(4, trigger + 1);
        int after = Math.Min(4, anchor.Length - trigger);
        uint key;
        int kind;
        if (before >= after)
        {
            kind = before - 1;
            key = Pack(anchor.AsSpan(trigger + 1 - before, before));
        }
        else
        {
            kind = 4 + after - 1;
            key = Pack(anchor.AsSpan(trigger, after));
        }

        windowKinds |= 1 << kind;
        int h = WindowHash(key, kind);
        windowFilter[h >> 6] |= 1UL << h;

        static uint Pack(ReadOnlySpan<char> bytes)
        {
            uint v = 0;
            for (int k = bytes.Length - 1; k >= 0; k--)
            {
                v = (v << 8) | bytes[k];
            }

            return v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WindowHash(uint window, int kind) => (int)(((window + ((uint)kind * 0x9E3779B9u)) * 0x85EBCA6Bu) >> 16);

    /// <summary>
    /// Whether some anchor's window may sit at trigger <paramref name="i"/>: the four bytes before it (ending on it)
    /// and after it (starting on it), cut to each length in use. Windows that would leave the text cannot hold an anchor.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool WindowMayMatch<T>(scoped in T text, int i)
        where T : IUnits, allows ref struct
    {
        if (i < 3 || i + 4 > text.Length)
        {
            return true; // at the edges of the text the entries decide
        }

        int kinds = windowKinds;
        uint w = text.Read4(i - 3);
        uint v = text.Read4(i);
        // Non-short-circuit operators: one branch for all six tests, which nearly always fail together.
        bool any = Has(WindowHash(w, 3)) & ((kinds & 8) != 0);
        any |= Has(WindowHash(w >> 8, 2)) & ((kinds & 4) != 0);
        any |= Has(WindowHash(w >> 16, 1)) & ((kinds & 2) != 0);
        any |= Has(WindowHash(v, 7)) & ((kinds & 128) != 0);
        any |= Has(WindowHash(v & 0xFFFFFF, 6)) & ((kinds & 64) != 0);
        any |= Has(WindowHash(v & 0xFFFF, 5)) & ((kinds & 32) != 0);
        return any;
    }

    /// <summary>Whether some window may start at <paramref name="i"/> (a common anchor's first bytes, or those after a trigger).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool WindowStartsAt<T>(scoped in T text, int i)
        where T : IUnits, allows ref struct
    {
        if (i + 4 > text.Length)
        {
            return true;
        }

        uint v = text.Read4(i);
        return Has(WindowHash(v, 7)) | Has(WindowHash(v & 0xFFFFFF, 6));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Has(int hash) => (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(windowFilter), hash >> 6) & (1UL << hash)) != 0;

    /// <summary>Where the three bytes an anchor gives the fingerprint filter start: its rarest three in a row.</summary>
    private static int FingerprintOffset(string anchor)
    {
        int best = 0;
        double bestCost = double.MaxValue;
        for (int k = 0; k + CommonPrefix <= anchor.Length; k++)
        {
            double cost = (double)Rank(anchor[k]) * Rank(anchor[k + 1]) * Rank(anchor[k + 2]);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = k;
            }
        }

        return best;
    }

    /// <summary>
    /// Puts each common anchor in the bucket whose estimated false-candidate rate grows least (most selective
    /// fingerprints first), so that a bucket's fingerprints share nibbles and its filter stays tight.
    /// </summary>
    private Entry[][] BuildCommonFilter()
    {
        int bucketCount = Math.Min(8, commonEntries.Length);
        var buckets = new List<Entry>[bucketCount];
        // Per bucket and byte position, the nibbles its fingerprints use (bit n: nibble n), and its current pass rate.
        int[] lowMasks = new int[bucketCount * CommonPrefix];
        int[] highMasks = new int[bucketCount * CommonPrefix];
        double[] rates = new double[bucketCount];
        for (int b = 0; b < bucketCount; b++)
        {
            buckets[b] = [];
        }

        int[] none = new int[CommonPrefix];
        foreach (Entry entry in commonEntries.OrderByDescending(e => PassRate(e, none, none)))
        {
            int bestBucket = 0;
            double bestGrowth = double.MaxValue;
            for (int b = 0; b < bucketCount; b++)
            {
                double growth = PassRate(entry, lowMasks.AsSpan(b * CommonPrefix, CommonPrefix), highMasks.AsSpan(b * CommonPrefix, CommonPrefix)) - rates[b];
                if (growth < bestGrowth)
                {
                    bestGrowth = growth;
                    bestBucket = b;
                }
            }

            buckets[bestBucket].Add(entry);
            rates[bestBucket] += bestGrowth;
            for (int j = 0; j < CommonPrefix; j++)
            {
                byte v = entry.Bytes[entry.Offset + j];
                lowMasks[(bestBucket * CommonPrefix) + j] |= 1 << (v & 15);
                highMasks[(bestBucket * CommonPrefix) + j] |= 1 << (v >> 4);
                commonLowScalar[(j * 16) + (v & 15)] |= (byte)(1 << bestBucket);
                commonHighScalar[(j * 16) + (v >> 4)] |= (byte)(1 << bestBucket);
            }
        }

        Span<byte> low = stackalloc byte[32];
        Span<byte> high = stackalloc byte[32];
        for (int j = 0; j < CommonPrefix; j++)
        {
            for (int n = 0; n < 16; n++)
            {
                low[n] = low[16 + n] = commonLowScalar[(j * 16) + n];
                high[n] = high[16 + n] = commonHighScalar[(j * 16) + n];
            }

            commonLow[j] = Vector256.Create((ReadOnlySpan<byte>)low);
            commonHigh[j] = Vector256.Create((ReadOnlySpan<byte>)high);
        }

        return [.. buckets.Select(b => b.ToArray())];
    }

    /// <summary>
    /// The estimated share of positions a bucket passes once <paramref name="added"/>'s fingerprint joins it (its
    /// nibbles per byte position in <paramref name="lowMasks"/> and <paramref name="highMasks"/>): for each of the
    /// three positions, the frequency of the ASCII bytes whose two nibbles the bucket allows there.
    /// </summary>
    private static double PassRate(in Entry added, ReadOnlySpan<int> lowMasks, ReadOnlySpan<int> highMasks)
    {
        double rate = 1;
        for (int j = 0; j < CommonPrefix; j++)
        {
            byte v = added.Bytes[added.Offset + j];
            int lowMask = lowMasks[j] | (1 << (v & 15));
            int highMask = highMasks[j] | (1 << (v >> 4));
            long sum = 0;
            for (int highs = highMask & 0xFF; highs != 0; highs &= highs - 1)
            {
                int high = BitOperations.TrailingZeroCount(highs);
                for (int lows = lowMask; lows != 0; lows &= lows - 1)
                {
                    sum += PerMillion[(high * 16) + BitOperations.TrailingZeroCount(lows)];
                }
            }

            rate *= sum / 1e6;
        }

        return rate;
    }

    /// <summary>The characters the vectorized pass looks for.</summary>
    public string TriggerCharacters { get; }

    /// <summary>
    /// How long the state passed to the byte search must be: the cached positions of the search without AVX2, or
    /// room for the candidate positions of one run of the AVX2 search (kept by the caller, so that no call clears a
    /// stack buffer of its own).
    /// </summary>
    public int ByteStateLength => Math.Max(CommonAnchors.Count, 2 * (MaxRun + Slack));

    /// <summary>Anchors without a rare character, found by a multi-string search instead.</summary>
    public IReadOnlyList<string> CommonAnchors { get; }

    /// <summary>
    /// The smallest position at or after <paramref name="from"/> where an anchor starts and fits in
    /// <paramref name="text"/>, or -1. <paramref name="cursor"/> caches the fallback search across calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Next(ReadOnlySpan<char> text, int from, ref int cursor)
    {
        int best = int.MaxValue;
        if (common is not null)
        {
            if (cursor < from)
            {
                cursor = NextCommon(text, from);
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

    private int CheckTrigger(ReadOnlySpan<char> text, int i, int from, int best) => CheckTrigger(new CharUnits(text), i, from, best);

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

        return common is not null && CommonEntryAt(new CharUnits(text), at);
    }

    /// <summary>
    /// <see cref="Next(ReadOnlySpan{char}, int, ref int)"/> on bytes, with the same answer as on their Latin-1 widening
    /// (anchors are ASCII, and no byte at or above 0x80 is a trigger). <paramref name="cursors"/> is the caller's state
    /// (<see cref="ByteStateLength"/> long, filled with -1 whenever the text changes): without AVX2 it holds one cached
    /// position per common anchor (<see cref="CommonAnchors"/>), since bytes have no multi-string search and each such
    /// anchor is its own vectorized <c>IndexOf</c>, run again only once the scan has passed its last hit.
    /// </summary>
    public int Next(ReadOnlySpan<byte> text, int from, Span<int> cursors)
    {
        if (HasWindowFilter && NextWithWindowFilter(text, from, cursors) is var found and not -2)
        {
            return found;
        }

        // Native AOT folds Avx2.IsSupported to false (its baseline has no AVX), but checks SSSE3 at run time, so the
        // 128-bit filter is what the native executable runs on x64, and what ARM64 runs.
        return Avx2.IsSupported ? NextVectorized(text, from, cursors, new Avx2Filter(this))
            : Ssse3.IsSupported || AdvSimd.Arm64.IsSupported ? NextVector128(text, from, cursors)
            : NextPortable(text, from, cursors);
    }

    /// <summary>The byte search without AVX2: a vectorized search for the triggers, and one per common anchor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int NextPortable(ReadOnlySpan<byte> text, int from, Span<int> cursors)
    {
        int best = int.MaxValue;
        for (int k = 0; k < commonEntries.Length; k++)
        {
            int p = cursors[k];
            if (p < from)
            {
                // The next occurrence whose bounds hold.
                p = from - 1;
                do
                {
                    int rel = text[(p + 1)..].IndexOf(commonEntries[k].Bytes);
                    p = rel < 0 ? int.MaxValue : p + 1 + rel;
                }
                while (p != int.MaxValue && !BoundsHold(new ByteUnits(text), p, commonEntries[k]));

                cursors[k] = p;
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

    /// <summary>
    /// One pass for both kinds of anchor: the trigger test and the common anchors' filter on the same loads. The
    /// vectorized pass only writes down candidate positions, a run of blocks at a time (the set bits of its masks,
    /// without a branch per bit); the windows and entries are then checked in order. Visiting each bit where it is
    /// found costs a mispredicted branch for most of them, which cost more than the search itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int NextVectorized<TFilter>(ReadOnlySpan<byte> text, int from, Span<int> scratch, TFilter filter)
        where TFilter : struct, IBlockFilter
    {
        int best = int.MaxValue;
        int i = from;
        bool anyCommon = commonEntries.Length > 0;
        ref byte start = ref MemoryMarshal.GetReference(text);
        Span<int> triggered = scratch[..(MaxRun + Slack)];
        Span<int> candidates = scratch.Slice(MaxRun + Slack, MaxRun + Slack);

        // Runs start short: the scanner calls again right after each hit, and would otherwise search one run ahead of
        // every hit twice.
        int run = FirstRun;
        while (i + 32 + CommonPrefix - 1 <= text.Length)
        {
            int runEnd = Math.Min(text.Length - (32 + CommonPrefix - 1), i + run - 32);
            int nTriggered = 0, nCandidates = 0;
            for (; i <= runEnd; i += 32)
            {
                uint mask = filter.Block(ref start, i, anyCommon, out uint common);
                Flatten(mask, i, triggered, ref nTriggered);
                Flatten(common, i, candidates, ref nCandidates);
            }

            var units = new ByteUnits(text);
            for (int k = 0; k < nTriggered; k++)
            {
                int at = triggered[k];
                if (at - maxTriggerOffset >= best)
                {
                    break;
                }

                // The window test inline, the call only for the few candidates it passes.
                if (WindowMayMatch(units, at))
                {
                    best = CheckEntries(units, at, from, best);
                }
            }

            for (int k = 0; k < nCandidates; k++)
            {
                int at = candidates[k];
                if (at - maxCommonOffset >= best)
                {
                    break;
                }

                if (WindowStartsAt(units, at))
                {
                    best = CheckFingerprint(text, at, from, best);
                }
            }

            if (best <= i - Math.Max(maxTriggerOffset, maxCommonOffset))
            {
                return best; // no later trigger or candidate can start an earlier anchor
            }

            run = Math.Min(MaxRun, run * 2);
        }

        // The tail, too short for a block: common anchors by their starts (also those whose fingerprint the blocks
        // did not reach), triggers by their position.
        var rest = new ByteUnits(text);
        for (int p = Math.Max(from, i - maxCommonOffset); p < text.Length; p++)
        {
            if (p - maxTriggerOffset >= best)
            {
                break;
            }

            if (anyCommon && p < best && CommonEntryAt(rest, p))
            {
                best = p;
            }

            if (p >= i && triggerByteValues.Contains(text[p]))
            {
                best = CheckTrigger(text, p, from, best);
            }
        }

        return best == int.MaxValue ? -1 : best;
    }

    /// <summary>The AVX2 search (benchmarks, and tests on machines where the window filter serves <see cref="Next(ReadOnlySpan{byte}, int, Span{int})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int NextAvx2(ReadOnlySpan<byte> text, int from, Span<int> scratch) => NextVectorized(text, from, scratch, new Avx2Filter(this));

    /// <summary>The 128-bit search (SSSE3 or ARM64), a method of its own so that its loop is compiled for that filter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int NextVector128(ReadOnlySpan<byte> text, int from, Span<int> scratch) => NextVectorized(text, from, scratch, new Vector128Filter(this));

    /// <summary>One 32-byte block of the vectorized search: the trigger mask, and the common anchors' fingerprint candidates.</summary>
    private interface IBlockFilter
    {
        uint Block(ref byte start, int i, bool anyCommon, out uint common);
    }

    private readonly struct Avx2Filter(AnchorIndex index) : IBlockFilter
    {
        private readonly Vector256<byte> triggerLow = index.lowTable, triggerHigh = index.highBits;
        private readonly Vector256<byte> low0 = index.commonLow[0], high0 = index.commonHigh[0];
        private readonly Vector256<byte> low1 = index.commonLow[1], high1 = index.commonHigh[1];
        private readonly Vector256<byte> low2 = index.commonLow[2], high2 = index.commonHigh[2];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Block(ref byte start, int i, bool anyCommon, out uint common)
        {
            Vector256<byte> nibble = Vector256.Create((byte)15);
            Vector256<byte> bytes = Vector256.LoadUnsafe(ref start, (nuint)i);
            Vector256<byte> lowNibbles = bytes & nibble;
            Vector256<byte> highNibbles = Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble;
            uint mask = ~Vector256.Equals(Avx2.Shuffle(triggerLow, lowNibbles) & Avx2.Shuffle(triggerHigh, highNibbles), Vector256<byte>.Zero).ExtractMostSignificantBits();
            common = 0;
            if (anyCommon)
            {
                Vector256<byte> second = Vector256.LoadUnsafe(ref start, (nuint)(i + 1));
                Vector256<byte> third = Vector256.LoadUnsafe(ref start, (nuint)(i + 2));
                Vector256<byte> buckets =
                    Avx2.Shuffle(low0, lowNibbles) & Avx2.Shuffle(high0, highNibbles) &
                    Avx2.Shuffle(low1, second & nibble) & Avx2.Shuffle(high1, Vector256.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & nibble) &
                    Avx2.Shuffle(low2, third & nibble) & Avx2.Shuffle(high2, Vector256.ShiftRightLogical(third.AsUInt16(), 4).AsByte() & nibble);
                common = ~Vector256.Equals(buckets, Vector256<byte>.Zero).ExtractMostSignificantBits();
            }

            return mask;
        }
    }

    /// <summary>The same filter on two 128-bit halves (the tables' lower lanes; both lanes hold the same table).</summary>
    private readonly struct Vector128Filter(AnchorIndex index) : IBlockFilter
    {
        private readonly Vector128<byte> triggerLow = index.lowTable.GetLower(), triggerHigh = index.highBits.GetLower();
        private readonly Vector128<byte> low0 = index.commonLow[0].GetLower(), high0 = index.commonHigh[0].GetLower();
        private readonly Vector128<byte> low1 = index.commonLow[1].GetLower(), high1 = index.commonHigh[1].GetLower();
        private readonly Vector128<byte> low2 = index.commonLow[2].GetLower(), high2 = index.commonHigh[2].GetLower();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Block(ref byte start, int i, bool anyCommon, out uint common)
        {
            uint mask = Half(ref start, i, anyCommon, out uint commonLow) | (Half(ref start, i + 16, anyCommon, out uint commonHigh) << 16);
            common = commonLow | (commonHigh << 16);
            return mask;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint Half(ref byte start, int i, bool anyCommon, out uint common)
        {
            Vector128<byte> nibble = Vector128.Create((byte)15);
            Vector128<byte> bytes = Vector128.LoadUnsafe(ref start, (nuint)i);
            Vector128<byte> lowNibbles = bytes & nibble;
            Vector128<byte> highNibbles = Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble;
            uint mask = ~Vector128.Equals(Lookup(triggerLow, lowNibbles) & Lookup(triggerHigh, highNibbles), Vector128<byte>.Zero).ExtractMostSignificantBits() & 0xFFFF;
            common = 0;
            if (anyCommon)
            {
                Vector128<byte> second = Vector128.LoadUnsafe(ref start, (nuint)(i + 1));
                Vector128<byte> third = Vector128.LoadUnsafe(ref start, (nuint)(i + 2));
                Vector128<byte> buckets =
                    Lookup(low0, lowNibbles) & Lookup(high0, highNibbles) &
                    Lookup(low1, second & nibble) & Lookup(high1, Vector128.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & nibble) &
                    Lookup(low2, third & nibble) & Lookup(high2, Vector128.ShiftRightLogical(third.AsUInt16(), 4).AsByte() & nibble);
                common = ~Vector128.Equals(buckets, Vector128<byte>.Zero).ExtractMostSignificantBits() & 0xFFFF;
            }

            return mask;
        }

        /// <summary>A 16-entry table lookup by nibble: pshufb, or tbl on ARM64.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<byte> Lookup(Vector128<byte> table, Vector128<byte> nibbles) =>
            Ssse3.IsSupported ? Ssse3.Shuffle(table, nibbles) : AdvSimd.Arm64.VectorTableLookup(table, nibbles);
    }

    private const int FirstRun = 128;
    private const int MaxRun = 2048;

    // Flatten writes four positions before it knows how many bits there are.
    private const int Slack = 4;

    /// <summary>Appends the positions of <paramref name="mask"/>'s set bits (offset by <paramref name="offset"/>) to <paramref name="positions"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Flatten(uint mask, int offset, Span<int> positions, ref int count)
    {
        if (mask == 0)
        {
            return;
        }

        // Unconditional writes of the first four bits, straight-line (the slack absorbs those past the count): most
        // masks have one or two bits, and a loop per bit costs more than the search itself.
        int total = BitOperations.PopCount(mask);
        ref int next = ref Unsafe.Add(ref MemoryMarshal.GetReference(positions), count);
        next = offset + BitOperations.TrailingZeroCount(mask);
        mask &= mask - 1;
        Unsafe.Add(ref next, 1) = offset + BitOperations.TrailingZeroCount(mask);
        mask &= mask - 1;
        Unsafe.Add(ref next, 2) = offset + BitOperations.TrailingZeroCount(mask);
        mask &= mask - 1;
        Unsafe.Add(ref next, 3) = offset + BitOperations.TrailingZeroCount(mask);
        if (total > 4)
        {
            mask &= mask - 1;
            for (int k = 4; k < total; k++)
            {
                Unsafe.Add(ref next, k) = offset + BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
            }
        }

        count += total;
    }

    /// <summary>
    /// Confirms the common anchors whose fingerprint may start at <paramref name="at"/> (the filter's buckets for its
    /// three bytes, then their anchors); returns the smallest anchor start found, if before <paramref name="best"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CheckFingerprint(ReadOnlySpan<byte> text, int at, int from, int best)
    {
        if (at + CommonPrefix > text.Length)
        {
            return best;
        }

        int bits = 0xFF;
        for (int j = 0; j < CommonPrefix; j++)
        {
            byte b = text[at + j];
            bits &= commonLowScalar[(j * 16) + (b & 15)] & commonHighScalar[(j * 16) + (b >> 4)];
        }

        var units = new ByteUnits(text);
        while (bits != 0)
        {
            int bucket = BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            foreach (Entry entry in commonBuckets[bucket])
            {
                int s = at - entry.Offset;
                if (s >= from && s < best && s + entry.Bytes.Length <= text.Length && units.Equals(s, entry) && BoundsHold(units, s, entry))
                {
                    best = s;
                }
            }
        }

        return best;
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

        return CommonEntryAt(new ByteUnits(text), at);
    }

    private int CheckTrigger(ReadOnlySpan<byte> text, int i, int from, int best) => CheckTrigger(new ByteUnits(text), i, from, best);

    /// <summary>Confirms the anchors that trigger <paramref name="i"/> may belong to; returns the smallest start found, if before <paramref name="best"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CheckTrigger<T>(scoped in T text, int i, int from, int best)
        where T : IUnits, allows ref struct
    {
        return text[i] < 128 && WindowMayMatch(text, i) ? CheckEntries(text, i, from, best) : best;
    }

    /// <summary>Confirms the anchors of the trigger (ASCII) at <paramref name="i"/>, past the window test.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CheckEntries<T>(scoped in T text, int i, int from, int best)
        where T : IUnits, allows ref struct
    {
        Entry[][] table = byTrigger[text[i]];
        if (i > 0 && text[i - 1] is int before and < 128)
        {
            best = Check(text, table[before], i, from, best);
        }

        if (i + 1 < text.Length && text[i + 1] is int after and < 128)
        {
            best = Check(text, table[after], i, from, best);
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Check<T>(scoped in T text, Entry[] entries, int i, int from, int best)
        where T : IUnits, allows ref struct
    {
        foreach (Entry entry in entries)
        {
            int s = i - entry.Offset;
            if (s >= from && s < best && s + entry.Bytes.Length <= text.Length && text.Equals(s, entry) && BoundsHold(text, s, entry))
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>Whether the entry's bounds hold around its occurrence at <paramref name="start"/>; a bound outside the text holds.</summary>
    private static bool BoundsHold<T>(scoped in T text, int start, in Entry entry)
        where T : IUnits, allows ref struct
    {
        if (entry.Bounds == AnchorBounds.None)
        {
            return true;
        }

        int end = start + entry.Bytes.Length;
        return !((entry.Bounds & AnchorBounds.EndsWord) != 0 && end < text.Length && IsWordByte(text[end])) &&
            !((entry.Bounds & AnchorBounds.AfterNameChar) != 0 && start > 0 && !IsNameByte(text[start - 1]));
    }

    /// <summary>The char search's fallback: the next occurrence of a common anchor whose bounds hold, or <see cref="int.MaxValue"/>.</summary>
    private int NextCommon(ReadOnlySpan<char> text, int from)
    {
        for (int p = from; p < text.Length; p++)
        {
            int rel = text[p..].IndexOfAny(common!);
            if (rel < 0)
            {
                break;
            }

            p += rel;
            if (CommonEntryAt(new CharUnits(text), p))
            {
                return p;
            }
        }

        return int.MaxValue;
    }

    private bool CommonEntryAt<T>(scoped in T text, int at)
        where T : IUnits, allows ref struct
    {
        foreach (Entry entry in commonEntries)
        {
            if (at + entry.Bytes.Length <= text.Length && text.Equals(at, entry) && BoundsHold(text, at, entry))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWordByte(int b) => (uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    private static bool IsNameByte(int b) => IsWordByte(b) || b is '_' or '-' or '.';

    private static int Rank(char c) => c < 128 ? PerMillion[c] : int.MaxValue;

    private static bool MayTrigger(char c) => c == '_' || Rank(c) <= MaxTriggerFrequency;

    /// <summary>Index of the rarest character of <paramref name="anchor"/> (limited to <paramref name="allowed"/>), or -1 when all are common.</summary>
    private static int RarestIndex(string anchor, bool[]? allowed, char except = '\0')
    {
        int bestIndex = -1;
        int bestRank = int.MaxValue;
        for (int i = 0; i < anchor.Length; i++)
        {
            int rank = Rank(anchor[i]);
            char c = anchor[i];
            if (rank < bestRank && MayTrigger(c) && (allowed is null || (c < 128 && allowed[c] && c != except)))
            {
                bestRank = rank;
                bestIndex = i;
            }
        }

        return bestIndex;
    }

    private readonly record struct Entry(string Anchor, byte[] Bytes, int Offset, AnchorBounds Bounds)
    {
        /// <summary>The anchor's first four bytes (fewer for a shorter anchor), little-endian, as <see cref="ByteUnits.Read4"/> reads them.</summary>
        public uint Head { get; } = HeadOf(Bytes);

        /// <summary>Which bytes of a four-byte read <see cref="Head"/> covers.</summary>
        public uint HeadMask => Bytes.Length >= 4 ? uint.MaxValue : (1u << (8 * Bytes.Length)) - 1;

        private static uint HeadOf(byte[] bytes)
        {
            uint head = 0;
            for (int i = Math.Min(bytes.Length, 4) - 1; i >= 0; i--)
            {
                head = (head << 8) | bytes[i];
            }

            return head;
        }
    }

    /// <summary>Text as code units for the shared checks: bytes, or characters (those at or above 128 read as 0xFF, in no anchor).</summary>
    private interface IUnits
    {
        int Length { get; }

        int this[int index] { get; }

        /// <summary>Four units from <paramref name="start"/>, little-endian, each cut to a byte.</summary>
        uint Read4(int start);

        /// <summary>Whether <paramref name="entry"/>'s anchor starts at <paramref name="start"/> (it fits).</summary>
        bool Equals(int start, in Entry entry);
    }

    private readonly ref struct ByteUnits(ReadOnlySpan<byte> text) : IUnits
    {
        private readonly ReadOnlySpan<byte> text = text;

        public int Length => text.Length;

        public int this[int index] => text[index];

        // Callers check that four bytes fit; little-endian is the machine order on every target that has AVX2 or SSE.
        public uint Read4(int start) => BitConverter.IsLittleEndian
            ? Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(text), start))
            : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(text[start..]);

        public bool Equals(int start, in Entry entry)
        {
            // Most candidates differ in their first bytes: one four-byte compare rejects them without a call.
            if (start + 4 <= text.Length)
            {
                return (Read4(start) & entry.HeadMask) == entry.Head &&
                    (entry.Bytes.Length <= 4 || text.Slice(start + 4, entry.Bytes.Length - 4).SequenceEqual(entry.Bytes.AsSpan(4)));
            }

            return text.Slice(start, entry.Bytes.Length).SequenceEqual(entry.Bytes);
        }
    }

    private readonly ref struct CharUnits(ReadOnlySpan<char> text) : IUnits
    {
        private readonly ReadOnlySpan<char> text = text;

        public int Length => text.Length;

        public int this[int index] => text[index] is var c && c < 128 ? c : 0xFF;

        public uint Read4(int start) =>
            (uint)this[start] | ((uint)this[start + 1] << 8) | ((uint)this[start + 2] << 16) | ((uint)this[start + 3] << 24);

        public bool Equals(int start, in Entry entry) => text.Slice(start, entry.Anchor.Length).SequenceEqual(entry.Anchor);
    }
}
