using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Custodian.Redaction.Internal;

/// <content>
/// The byte search on machines with AVX-512 VBMI: one exact-byte filter for every anchor, with no trigger stage.
/// </content>
internal sealed partial class AnchorIndex
{
    /// <summary>
    /// Bytes scanned before the window filter is built: laying it out takes about 20 ms (the pair model weighs each
    /// anchor against the buckets), which a hook's prompt of a few kilobytes would never win back; at the other paths'
    /// speed it pays back after about 16 MB, so <c>redact</c> and <c>scrub</c> on large transcripts switch to it.
    /// </summary>
    private const long WindowFilterAfterBytes = 16L << 20;

    private WindowFilter? windows;
    private readonly int anchorCount;
    private long scannedBytes;

    /// <summary>
    /// Whether the exact window filter (<see cref="WindowFilter"/>) serves this machine's byte searches: AVX-512 VBMI
    /// under the JIT (Native AOT's x64 baseline folds it to false, as it does AVX2).
    /// </summary>
    internal static bool HasWindowFilter => Avx512Vbmi.IsSupported;

    /// <summary>The window filter's search, built at once (tests and benchmarks; <see cref="Next(ReadOnlySpan{byte}, int, Span{int})"/> builds it once enough bytes went by).</summary>
    internal int NextWindows(ReadOnlySpan<byte> text, int from, Span<int> scratch) => Windows().Next(text, from, scratch);

    /// <summary>How many window positions the filter passed in <paramref name="text"/> (benchmarks).</summary>
    internal long WindowCandidates(ReadOnlySpan<byte> text) => Windows().Candidates(text);

    /// <summary>Per bucket of the window filter: its passes in <paramref name="text"/> and its anchors (benchmarks).</summary>
    internal IEnumerable<string> WindowReport(ReadOnlySpan<byte> text) => Windows().Report(text);

    private WindowFilter Windows()
    {
        if (windows is { } built)
        {
            return built;
        }

        // Racing builders make equal filters; one of them stays.
        var entries = new List<Entry>(commonEntries);
        foreach (Entry[][] row in byTrigger)
        {
            foreach (Entry[] list in row)
            {
                entries.AddRange(list);
            }
        }

        Interlocked.CompareExchange(ref windows, new WindowFilter([.. entries.DistinctBy(e => e.Anchor)]), null);
        return windows;
    }

    /// <summary>The search that <see cref="Next(ReadOnlySpan{byte}, int, Span{int})"/> takes with AVX-512 VBMI, or -2 for "not yet".</summary>
    private int NextWithWindowFilter(ReadOnlySpan<byte> text, int from, Span<int> scratch)
    {
        if (anchorCount > WindowFilter.MaxAnchors)
        {
            return -2;
        }

        if (windows is null)
        {
            // A benign race: the count only decides when the filter is built.
            scannedBytes += text.Length - from;
            if (scannedBytes < WindowFilterAfterBytes)
            {
                return -2;
            }
        }

        return Windows().Next(text, from, scratch);
    }

    /// <summary>
    /// A Teddy-style filter with exact byte tables instead of nibbles: every anchor gives a window of up to five bytes
    /// (its rarest run, by a model of adjacent byte pairs in transcripts), where each position is one byte of the
    /// anchor or one of its bounds as a byte class (a non-word byte after an anchor that ends a word, a name byte
    /// before one that must follow a name). Windows go to 64 buckets, eight per table set; one 128-entry lookup per set
    /// and position (<c>vpermi2b</c>) tests 64 positions at once. Exact classes leave no nibble cross-products, and
    /// bounds in the window drop the common words (<c>input_tokens</c>) before any scalar work, so on transcripts only
    /// tens of positions per megabyte reach the anchors' comparison.
    /// </summary>
    private sealed class WindowFilter
    {
        /// <summary>Positions per window.</summary>
        internal const int Width = 5;

        /// <summary>Table sets, eight buckets each.</summary>
        internal const int Sets = 3;

        private const int Buckets = Sets * 8;

        /// <summary>Anchors per bucket: one bit each in the bucket's own tables.</summary>
        internal const int BucketCapacity = 32;

        /// <summary>The most anchors the filter takes; an index with more keeps the other searches.</summary>
        internal const int MaxAnchors = Buckets * BucketCapacity;

        // Bytes at or above 0x80 are looked up as 0x00: no anchor holds either, and both are in the same bound classes
        // (no word byte, no name byte).
        private readonly byte[] tables = new byte[Sets * Width * 128];
        private readonly Vector512<byte>[] vectors = new Vector512<byte>[Sets * Width * 2];
        private readonly Entry[][] buckets;
        private readonly uint[] members = new uint[Buckets * Width * 128]; // per bucket, position and byte: which of its anchors allow it
        private readonly int[] offsets; // per bucket entry: where its window starts, from the anchor's start
        private readonly int minOffset, maxOffset;

        public WindowFilter(IReadOnlyList<Entry> entries)
        {
            var model = BytePairModel.Default;
            var windowsOf = new (Entry Entry, int Offset, ByteClass[] Classes, double Rate)[entries.Count];
            for (int e = 0; e < entries.Count; e++)
            {
                windowsOf[e] = RarestWindow(entries[e], model);
            }

            Array.Sort(windowsOf, (a, b) => a.Rate.CompareTo(b.Rate));
            var classes = new ByteClass[Buckets, Width];
            var rates = new double[Buckets];
            var placed = new List<(Entry Entry, int Offset, ByteClass[] Classes)>[Buckets];
            var trial = new ByteClass[Width];
            foreach (var window in windowsOf)
            {
                // The bucket whose estimated pass rate grows least; an empty bucket grows by the window's own rate.
                int chosen = -1;
                double growth = double.MaxValue;
                bool triedEmpty = false;
                for (int b = 0; b < Buckets; b++)
                {
                    double added;
                    if (placed[b] is { Count: >= BucketCapacity })
                    {
                        continue;
                    }

                    if (placed[b] is null)
                    {
                        if (triedEmpty)
                        {
                            continue;
                        }

                        triedEmpty = true;
                        added = window.Rate;
                    }
                    else
                    {
                        for (int j = 0; j < Width; j++)
                        {
                            trial[j] = classes[b, j] | window.Classes[j];
                        }

                        added = model.Rate(trial) - rates[b];
                    }

                    if (added < growth)
                    {
                        growth = added;
                        chosen = b;
                    }
                }

                for (int j = 0; j < Width; j++)
                {
                    classes[chosen, j] |= window.Classes[j];
                    trial[j] = classes[chosen, j];
                }

                rates[chosen] = model.Rate(trial);
                (placed[chosen] ??= []).Add((window.Entry, window.Offset, window.Classes));
            }

            buckets = new Entry[Buckets][];
            var offsetList = new List<int>();
            minOffset = int.MaxValue;
            maxOffset = int.MinValue;
            bucketStarts = new int[Buckets + 1];
            for (int b = 0; b < Buckets; b++)
            {
                var list = placed[b] ?? [];
                buckets[b] = [.. list.Select(m => m.Entry)];
                bucketStarts[b] = offsetList.Count;
                for (int k = 0; k < list.Count; k++)
                {
                    offsetList.Add(list[k].Offset);
                    minOffset = Math.Min(minOffset, list[k].Offset);
                    maxOffset = Math.Max(maxOffset, list[k].Offset);
                    for (int j = 0; j < Width; j++)
                    {
                        for (int c = 0; c < 128; c++)
                        {
                            if (list[k].Classes[j].Contains(c))
                            {
                                members[(((b * Width) + j) * 128) + c] |= 1u << k;
                            }
                        }
                    }
                }

                for (int j = 0; j < Width; j++)
                {
                    ByteClass allowed = placed[b] is null ? default : classes[b, j];
                    for (int c = 0; c < 128; c++)
                    {
                        if (allowed.Contains(c))
                        {
                            tables[TableIndex(b >> 3, j, c)] |= (byte)(1 << (b & 7));
                        }
                    }
                }
            }

            bucketStarts[Buckets] = offsetList.Count;
            offsets = [.. offsetList];
            if (offsets.Length == 0)
            {
                minOffset = maxOffset = 0;
            }

            for (int t = 0; t < Sets * Width; t++)
            {
                vectors[2 * t] = Vector512.Create(tables.AsSpan(t * 128, 64));
                vectors[(2 * t) + 1] = Vector512.Create(tables.AsSpan((t * 128) + 64, 64));
            }
        }

        private readonly int[] bucketStarts;

        private static int TableIndex(int set, int position, int c) => (((set * Width) + position) * 128) + c;

        /// <summary>
        /// The anchor's window of least estimated frequency: up to <see cref="Width"/> consecutive positions of its
        /// bytes, with a bound's class before or after them; shorter windows leave the last positions open.
        /// </summary>
        private static (Entry, int, ByteClass[], double) RarestWindow(Entry entry, BytePairModel model)
        {
            var positions = new List<ByteClass>();
            int lead = 0;
            if ((entry.Bounds & AnchorBounds.AfterNameChar) != 0)
            {
                positions.Add(ClassOf(IsNameByte));
                lead = 1;
            }

            foreach (byte b in entry.Bytes)
            {
                positions.Add(ByteClass.Of(b));
            }

            if ((entry.Bounds & AnchorBounds.EndsWord) != 0)
            {
                positions.Add(ClassOf(static b => !IsWordByte(b)));
            }

            int width = Math.Min(Width, positions.Count);
            ByteClass[] best = [];
            int bestStart = 0;
            double bestRate = double.MaxValue;
            var window = new ByteClass[Width];
            for (int start = 0; start + width <= positions.Count; start++)
            {
                for (int j = 0; j < Width; j++)
                {
                    window[j] = j < width ? positions[start + j] : ByteClass.All;
                }

                double rate = model.Rate(window);
                if (rate < bestRate)
                {
                    bestRate = rate;
                    bestStart = start;
                    best = [.. window];
                }
            }

            return (entry, bestStart - lead, best, bestRate);

            static ByteClass ClassOf(Func<int, bool> holds)
            {
                ByteClass set = default;
                for (int c = 0; c < 128; c++)
                {
                    if (holds(c))
                    {
                        set |= ByteClass.Of(c);
                    }
                }

                return set;
            }
        }

        /// <summary>The smallest anchor start at or after <paramref name="from"/> whose anchor fits and whose bounds hold, or -1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Next(ReadOnlySpan<byte> text, int from, Span<int> scratch)
        {
            int best = int.MaxValue;
            int p = from + minOffset;
            Span<int> candidates = scratch[..(MaxRun + 64)];

            // Window starts before the text (a name-byte bound before an anchor at 0): the scalar test, which reads
            // what lies outside as open.
            for (; p < 0; p++)
            {
                best = Verify(text, p, from, best);
            }

            ref byte start = ref MemoryMarshal.GetReference(text);
            int run = FirstRun;
            while (p + 64 + Width - 1 <= text.Length)
            {
                if (p - maxOffset >= best)
                {
                    return best;
                }

                int runEnd = Math.Min(text.Length - (64 + Width - 1), p + run - 64);
                int count = 0;
                for (; p <= runEnd; p += 64)
                {
                    ulong mask = Block(ref start, p);
                    if (mask != 0)
                    {
                        Flatten(mask, p, candidates, ref count);
                    }
                }

                for (int k = 0; k < count; k++)
                {
                    int at = candidates[k];
                    if (at - maxOffset >= best)
                    {
                        break;
                    }

                    best = Verify(text, at, from, best);
                }

                run = Math.Min(MaxRun, run * 2);
            }

            // The tail, too short for a block: the scalar test, open past the end.
            for (; p < text.Length && p - maxOffset < best; p++)
            {
                best = Verify(text, p, from, best);
            }

            return best == int.MaxValue ? -1 : best;
        }

        /// <summary>How many window starts the vectorized test passes (the head and tail not counted).</summary>
        public long Candidates(ReadOnlySpan<byte> text)
        {
            long total = 0;
            ref byte start = ref MemoryMarshal.GetReference(text);
            for (int p = 0; p + 64 + Width - 1 <= text.Length; p += 64)
            {
                total += BitOperations.PopCount(Block(ref start, p));
            }

            return total;
        }

        /// <summary>Per bucket: how many window starts of <paramref name="text"/> pass it, and its anchors (benchmarks).</summary>
        public IEnumerable<string> Report(ReadOnlySpan<byte> text)
        {
            var passes = new long[Buckets];
            var grams = new Dictionary<string, int>[Buckets];
            for (int p = 0; p < text.Length; p++)
            {
                for (ulong bits = BucketsAt(text, p); bits != 0; bits &= bits - 1)
                {
                    int b = BitOperations.TrailingZeroCount(bits);
                    passes[b]++;
                    string gram = System.Text.Encoding.Latin1.GetString(text.Slice(p, Math.Min(Width, text.Length - p)));
                    (grams[b] ??= [])[gram] = grams[b].GetValueOrDefault(gram) + 1;
                }
            }

            var lines = new List<string>();
            for (int b = 0; b < Buckets; b++)
            {
                string top = grams[b] is { } g ? string.Join(" | ", g.OrderByDescending(x => x.Value).Take(4).Select(x => $"{x.Key.ReplaceLineEndings(" ")}:{x.Value}")) : "";
                lines.Add($"{passes[b],9} {string.Join(' ', buckets[b].Select(e => e.Anchor))}  <= {top}");
            }

            return lines;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ulong Block(ref byte start, int p)
        {
            ref Vector512<byte> table = ref MemoryMarshal.GetArrayDataReference(vectors);
            Vector512<byte> x0 = Ascii(ref start, p);
            Vector512<byte> x1 = Ascii(ref start, p + 1);
            Vector512<byte> x2 = Ascii(ref start, p + 2);
            Vector512<byte> x3 = Ascii(ref start, p + 3);
            Vector512<byte> x4 = Ascii(ref start, p + 4);
            Vector512<byte> any = Vector512<byte>.Zero;
            for (int s = 0; s < Sets; s++)
            {
                ref Vector512<byte> t = ref Unsafe.Add(ref table, s * Width * 2);
                any |= Avx512Vbmi.PermuteVar64x8x2(t, x0, Unsafe.Add(ref t, 1)) &
                    Avx512Vbmi.PermuteVar64x8x2(Unsafe.Add(ref t, 2), x1, Unsafe.Add(ref t, 3)) &
                    Avx512Vbmi.PermuteVar64x8x2(Unsafe.Add(ref t, 4), x2, Unsafe.Add(ref t, 5)) &
                    Avx512Vbmi.PermuteVar64x8x2(Unsafe.Add(ref t, 6), x3, Unsafe.Add(ref t, 7)) &
                    Avx512Vbmi.PermuteVar64x8x2(Unsafe.Add(ref t, 8), x4, Unsafe.Add(ref t, 9));
            }

            return ~Vector512.Equals(any, Vector512<byte>.Zero).ExtractMostSignificantBits();

            // Bytes at or above 0x80 become 0x00 (signed maximum with zero), so the 7-bit table index is exact.
            static Vector512<byte> Ascii(ref byte start, int at) =>
                Vector512.Max(Vector512.LoadUnsafe(ref start, (nuint)at).AsSByte(), Vector512<sbyte>.Zero).AsByte();
        }

        /// <summary>The buckets whose window may start at <paramref name="p"/>; positions outside the text are open.</summary>
        private ulong BucketsAt(ReadOnlySpan<byte> text, int p)
        {
            if (p >= 0 && p + Width <= text.Length)
            {
                // Inside the text (every candidate of the vector loop): straight-line lookups, no branch per position.
                ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(text), p);
                ref byte table = ref MemoryMarshal.GetArrayDataReference(tables);
                nuint c0 = Ascii(at), c1 = Ascii(Unsafe.Add(ref at, 1)) + 128, c2 = Ascii(Unsafe.Add(ref at, 2)) + 256;
                nuint c3 = Ascii(Unsafe.Add(ref at, 3)) + 384, c4 = Ascii(Unsafe.Add(ref at, 4)) + 512;
                ulong inside = 0;
                for (int s = 0; s < Sets; s++)
                {
                    ref byte set = ref Unsafe.Add(ref table, s * Width * 128);
                    inside |= (ulong)(Unsafe.Add(ref set, c0) & Unsafe.Add(ref set, c1) & Unsafe.Add(ref set, c2) & Unsafe.Add(ref set, c3) & Unsafe.Add(ref set, c4)) << (8 * s);
                }

                return inside;
            }

            ulong bits = 0;
            for (int s = 0; s < Sets; s++)
            {
                int acc = 0xFF;
                for (int j = 0; j < Width; j++)
                {
                    int at = p + j;
                    if ((uint)at < (uint)text.Length)
                    {
                        acc &= tables[TableIndex(s, j, (int)Ascii(text[at]))];
                    }
                }

                bits |= (ulong)acc << (8 * s);
            }

            return bits;

            static nuint Ascii(byte c) => c < 128 ? c : 0u;
        }

        /// <summary>
        /// Confirms the anchors of the buckets that pass at window start <paramref name="p"/>: each bucket's own exact
        /// test says which of its anchors' windows hold there (one bit per anchor), and only those are compared.
        /// </summary>
        private int Verify(ReadOnlySpan<byte> text, int p, int from, int best)
        {
            ulong bits = BucketsAt(text, p);
            var units = new ByteUnits(text);
            while (bits != 0)
            {
                int b = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                uint held = uint.MaxValue;
                for (int j = 0; j < Width; j++)
                {
                    int at = p + j;
                    if ((uint)at < (uint)text.Length)
                    {
                        int c = text[at];
                        held &= members[(((b * Width) + j) * 128) + (c < 128 ? c : 0)];
                    }
                }

                Entry[] entries = buckets[b];
                while (held != 0)
                {
                    int k = BitOperations.TrailingZeroCount(held);
                    held &= held - 1;
                    int s = p - offsets[bucketStarts[b] + k];
                    if (s >= from && s < best && s + entries[k].Bytes.Length <= text.Length && units.Equals(s, entries[k]) && BoundsHold(units, s, entries[k]))
                    {
                        best = s;
                    }
                }
            }

            return best;
        }

        /// <summary>Appends the positions of <paramref name="mask"/>'s set bits (offset by <paramref name="offset"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Flatten(ulong mask, int offset, Span<int> positions, ref int count)
        {
            ref int next = ref MemoryMarshal.GetReference(positions);
            do
            {
                Unsafe.Add(ref next, count++) = offset + BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
            }
            while (mask != 0);
        }
    }

    /// <summary>A set of ASCII bytes (a window position's class), as a 128-bit mask.</summary>
    private readonly record struct ByteClass(ulong Low, ulong High)
    {
        public static ByteClass All => new(ulong.MaxValue, ulong.MaxValue);

        public bool IsAll => (Low & High) == ulong.MaxValue;

        public static ByteClass Of(int c) => c < 64 ? new(1UL << c, 0) : new(0, 1UL << (c - 64));

        public static ByteClass operator |(ByteClass a, ByteClass b) => new(a.Low | b.Low, a.High | b.High);

        public bool Contains(int c) => ((c < 64 ? Low >> c : High >> (c - 64)) & 1) != 0;

        public Enumerator GetEnumerator() => new(this);

        /// <summary>The bytes of the class, in order.</summary>
        public ref struct Enumerator(ByteClass set)
        {
            private ulong low = set.Low, high = set.High;

            public int Current { get; private set; }

            public bool MoveNext()
            {
                if (low != 0)
                {
                    Current = BitOperations.TrailingZeroCount(low);
                    low &= low - 1;
                    return true;
                }

                if (high != 0)
                {
                    Current = 64 + BitOperations.TrailingZeroCount(high);
                    high &= high - 1;
                    return true;
                }

                return false;
            }
        }
    }

    /// <summary>
    /// How often each byte follows another in Claude Code transcripts (<c>BytePairs.bin</c>, written by
    /// bench/redaction/byte-pairs.py), as a first-order model that estimates how often a window of byte classes occurs.
    /// Independent byte frequencies miss that <c>o</c>, <c>k</c>, <c>e</c>, <c>n</c> come together in every line.
    /// </summary>
    private sealed class BytePairModel
    {
        public static readonly BytePairModel Default = new();

        private readonly float[] first = new float[128];
        private readonly float[] next = new float[128 * 128];

        private BytePairModel()
        {
            using Stream stream = typeof(BytePairModel).Assembly.GetManifestResourceStream("Custodian.Redaction.BytePairs.bin")
                ?? throw new InvalidOperationException("BytePairs.bin is not embedded.");
            Span<byte> raw = stackalloc byte[2];
            var counts = new double[128 * 128];
            for (int k = 0; k < counts.Length; k++)
            {
                stream.ReadExactly(raw);
                counts[k] = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(raw) + 0.01; // unseen pairs stay possible
            }

            double total = 0;
            for (int a = 0; a < 128; a++)
            {
                double row = 0;
                for (int b = 0; b < 128; b++)
                {
                    row += counts[(a * 128) + b];
                }

                for (int b = 0; b < 128; b++)
                {
                    next[(a * 128) + b] = (float)(counts[(a * 128) + b] / row);
                }

                total += row;
            }

            for (int a = 0; a < 128; a++)
            {
                double row = 0;
                for (int b = 0; b < 128; b++)
                {
                    row += counts[(a * 128) + b];
                }

                first[a] = (float)(row / total);
            }
        }

        /// <summary>The estimated share of positions where each position's byte is in its class.</summary>
        public double Rate(ReadOnlySpan<ByteClass> window)
        {
            // v[b]: the estimated share of positions where the window holds so far and the current byte is b; one step
            // adds a whole row of the pair table per byte still possible, then keeps the next class's bytes.
            Span<float> v = stackalloc float[128];
            Span<float> w = stackalloc float[128];
            Mask(first, window[0], v);
            for (int j = 1; j < window.Length && !window[j].IsAll; j++)
            {
                w.Clear();
                foreach (int a in window[j - 1])
                {
                    float va = v[a];
                    if (va != 0)
                    {
                        ReadOnlySpan<float> row = next.AsSpan(a * 128, 128);
                        // Vector128 rather than Vector<T>, whose size ReadyToRun cannot know, so this stays precompiled.
                        ref float target = ref MemoryMarshal.GetReference(w);
                        ref float source = ref MemoryMarshal.GetReference(row);
                        for (nuint b = 0; b < 128; b += 4)
                        {
                            (Vector128.LoadUnsafe(ref target, b) + (Vector128.LoadUnsafe(ref source, b) * va)).StoreUnsafe(ref target, b);
                        }
                    }
                }

                Mask(w, window[j], v);
            }

            double sum = 0;
            foreach (float x in v)
            {
                sum += x;
            }

            return sum;

            static void Mask(ReadOnlySpan<float> source, ByteClass set, Span<float> target)
            {
                target.Clear();
                foreach (int c in set)
                {
                    target[c] = source[c];
                }
            }
        }
    }
}
