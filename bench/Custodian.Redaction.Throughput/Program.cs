using System.Diagnostics;
using Custodian.Redaction;
using Custodian.Redaction.Throughput;

// Modes (bench/redaction/run.sh drives them):
//   generate FILE MEGABYTES SECRETS_PER_MB   transcript-like JSONL
//   recall-set FILE PER_FORMAT                labelled set: one secret per line, FILE.labels has "format<TAB>secret"
//   redact FILE [RUNS]                        time Redactor.Redact(Stream, Stream) to a null stream, best of RUNS
//   split FILE [RUNS] [BUFFER]                where the time goes: reading only, the engine on bytes in memory, both
//   recall FILE                               how many labelled secrets Custodian removes, per format
//   anchor-hits FILE [PATH]                   the anchor search alone (PATH: default, vector128, portable, chars): its speed, and the most frequent hits
//   scan-info                                 triggers, common anchors, and every rule with its reach and anchors
//   build-cost                                what building the default redactor costs, first and warm
//   anchors                                   the literal anchors, one per line (for grep -F)
switch (args.ElementAtOrDefault(0))
{
    case "generate":
        TranscriptGenerator.Write(args[1], long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024,
            double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), seed: 42);
        return 0;

    case "recall-set":
    {
        var random = new Random(7);
        int per = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        using var lines = new StreamWriter(args[1]);
        using var labels = new StreamWriter(args[1] + ".labels");
        foreach (var (name, make) in SecretFormats.All)
        {
            for (int i = 0; i < per; i++)
            {
                var (line, secret) = make(random);
                lines.WriteLine(line);
                labels.WriteLine(name + "\t" + secret);
            }
        }

        return 0;
    }

    case "redact":
    {
        string file = args[1];
        int runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        long size = new FileInfo(file).Length;
        double best = double.MaxValue;
        RedactionReport report = RedactionReport.Empty;
        for (int run = 0; run < runs; run++)
        {
            using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var watch = Stopwatch.StartNew();
            report = Redactor.Default.Redact(input, Stream.Null);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"seconds={best:F3} bytes={size} gbps={size / best / 1e9:F2} replaced={report.Total}");
        return 0;
    }

    case "recall":
    {
        string[] lines = File.ReadAllLines(args[1]);
        string[] labels = File.ReadAllLines(args[1] + ".labels");
        var found = new Dictionary<string, (int Hit, int Total)>();
        for (int i = 0; i < lines.Length; i++)
        {
            string[] label = labels[i].Split('\t');
            string output = Redactor.Default.Redact(lines[i]);
            bool removed = !output.Contains(label[1], StringComparison.Ordinal);
            found[label[0]] = (found.GetValueOrDefault(label[0]).Hit + (removed ? 1 : 0), found.GetValueOrDefault(label[0]).Total + 1);
        }

        foreach (var (name, (hit, total)) in found)
        {
            Console.WriteLine($"{name}\t{hit}\t{total}");
        }

        return 0;
    }

    case "anchor-hits":
    {
        // The prefilter alone (the scanner's anchor search on bytes, no rule run): its speed, and where its hits fall.
        var index = Redactor.Default.Scanner.Anchors;
        byte[] data = File.ReadAllBytes(args[1]);
        int[] cursors = new int[index.ByteStateLength];
        var hits = new Dictionary<string, int>(StringComparer.Ordinal);
        string path = args.ElementAtOrDefault(2) ?? "default"; // or windows, avx2, vector128, portable: the paths other machines take; chars: strings
        string chars = System.Text.Encoding.Latin1.GetString(data);
        int charCursor = -1;
        double bestSeconds = double.MaxValue;
        int count = 0;
        for (int run = 0; run < 11; run++)
        {
            Array.Fill(cursors, -1);
            charCursor = -1;
            var watch = Stopwatch.StartNew();
            count = 0;
            for (int pos = 0, p; (p = path switch { "portable" => index.NextPortable(data, pos, cursors), "vector128" => index.NextVector128(data, pos, cursors), "avx2" => index.NextAvx2(data, pos, cursors), "windows" => index.NextWindows(data, pos, cursors), "chars" => index.Next(chars.AsSpan(), pos, ref charCursor), _ => index.Next(data, pos, cursors) }) >= 0; pos = p + 1)
            {
                count++;
                if (run == 0)
                {
                    string at = System.Text.Encoding.Latin1.GetString(data, p, Math.Min(8, data.Length - p)).ReplaceLineEndings(" ");
                    hits[at] = hits.GetValueOrDefault(at) + 1;
                }
            }

            bestSeconds = Math.Min(bestSeconds, run == 0 ? double.MaxValue : watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"{path}: {count} hits in {data.Length} bytes, best of 10: {bestSeconds:F3} s ({data.Length / bestSeconds / 1e9:F2} GB/s)");
        if (path == "windows")
        {
            long candidates = 0;
            double vectorSeconds = double.MaxValue;
            for (int run = 0; run < 6; run++)
            {
                var watch = Stopwatch.StartNew();
                candidates = index.WindowCandidates(data);
                vectorSeconds = Math.Min(vectorSeconds, watch.Elapsed.TotalSeconds);
            }

            Console.WriteLine($"windows: {candidates} window starts passed the vectorized test ({candidates * 1e6 / data.Length:F0} per MB), best of 6: {vectorSeconds:F3} s");
            if (args.Contains("--buckets"))
            {
                foreach (string line in index.WindowReport(data.AsSpan(0, Math.Min(data.Length, 10_000_000))).OrderDescending())
                {
                    Console.WriteLine(line);
                }
            }
        }
        foreach (var (at, n) in hits.OrderByDescending(h => h.Value).Take(20))
        {
            Console.WriteLine($"{n,8}  {at}");
        }

        return 0;
    }

    case "split":
    {
        string file = args[1];
        int runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        int buffer = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : RedactorBuilder.DefaultBufferSize;
        Redactor redactor = new RedactorBuilder().WithBufferSize(buffer).Build();
        long size = new FileInfo(file).Length;
        byte[] all = File.ReadAllBytes(file);
        byte[] chunk = new byte[buffer];
        double read = double.MaxValue, engine = double.MaxValue, both = double.MaxValue, text = double.MaxValue;
        for (int run = 0; run < runs; run++)
        {
            var watch = Stopwatch.StartNew();
            using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                while (input.Read(chunk, 0, chunk.Length) > 0)
                {
                }
            }

            read = Math.Min(read, watch.Elapsed.TotalSeconds);
            watch.Restart();
            redactor.Redact(new MemoryStream(all, writable: false), Stream.Null);
            engine = Math.Min(engine, watch.Elapsed.TotalSeconds);
            watch.Restart();
            using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                redactor.Redact(input, Stream.Null);
            }

            both = Math.Min(both, watch.Elapsed.TotalSeconds);
            if (run == 0 || runs <= 2)
            {
                // The UTF-16 path (TextReader to TextWriter) as the CLI ran before issue 14, once: it is slow.
                watch.Restart();
                using var reader = new StreamReader(file, new System.Text.UTF8Encoding(false), false, buffer);
                redactor.Redact(reader, new StreamWriter(Stream.Null, new System.Text.UTF8Encoding(false), buffer));
                text = Math.Min(text, watch.Elapsed.TotalSeconds);
            }
        }

        static string Rate(long bytes, double seconds) => $"{seconds:F3} s ({bytes / seconds / 1e9:F2} GB/s)";
        Console.WriteLine($"buffer={buffer} read={Rate(size, read)} engine={Rate(size, engine)} read+engine={Rate(size, both)} utf16-text-path={Rate(size, text)}");
        return 0;
    }

    case "build-cost":
    {
        // What building the default redactor costs a process: the first build (with its JIT) and warm rebuilds.
        var watch = Stopwatch.StartNew();
        _ = new RedactorBuilder().Build();
        double first = watch.Elapsed.TotalMilliseconds;
        double warm = double.MaxValue;
        for (int run = 0; run < 20; run++)
        {
            watch.Restart();
            _ = new RedactorBuilder().Build();
            warm = Math.Min(warm, watch.Elapsed.TotalMilliseconds);
        }

        string[] anchors = [.. Redactor.Default.Anchors];
        double index = double.MaxValue;
        for (int run = 0; run < 20; run++)
        {
            watch.Restart();
            _ = new Custodian.Redaction.Internal.AnchorIndex(anchors);
            index = Math.Min(index, watch.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"first build {first:F1} ms, warm build {warm:F2} ms, of which the anchor index {index:F2} ms");
        if (Custodian.Redaction.Internal.AnchorIndex.HasWindowFilter)
        {
            // The window filter is laid out once a process has scanned some megabytes (AnchorIndex.Windows.cs).
            byte[] probe = new byte[128];
            int[] scratch = new int[Redactor.Default.Scanner.Anchors.ByteStateLength];
            watch.Restart();
            Redactor.Default.Scanner.Anchors.NextWindows(probe, 0, scratch);
            double firstWindows = watch.Elapsed.TotalMilliseconds;
            double warmWindows = double.MaxValue;
            for (int run = 0; run < 5; run++)
            {
                var fresh = new RedactorBuilder().Build().Scanner.Anchors;
                watch.Restart();
                fresh.NextWindows(probe, 0, scratch);
                warmWindows = Math.Min(warmWindows, watch.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"window filter: first layout {firstWindows:F1} ms, warm {warmWindows:F2} ms");
        }
        return 0;
    }

    case "scan-info":
    {
        var scanner = Redactor.Default.Scanner;
        var index = scanner.Anchors;
        Console.WriteLine("triggers: " + scanner.TriggerCharacters);
        Console.WriteLine("common anchors: " + string.Join(" ", index.CommonAnchors));
        foreach (var rule in scanner.Rules)
        {
            Console.WriteLine($"{rule.Id}\t{rule.MaxReach}\t{rule.IsContextual}\t{string.Join(' ', rule.Signatures)}");
        }

        return 0;
    }

    case "anchors":
        foreach (string anchor in Redactor.Default.Anchors)
        {
            // With --bounds, each anchor's prefilter bounds after a tab (for the prefilter's design notes).
            Console.WriteLine(args.Contains("--bounds") ? $"{anchor}\t{Redactor.Default.Scanner.Rules.Where(r => r.Signatures.Contains(anchor)).Aggregate(3, (b, r) => b & (int)r.BoundsOf(anchor))}" : anchor);
        }

        return 0;

    default:
        Console.Error.WriteLine("usage: generate|recall-set|redact|recall|split|anchor-hits|scan-info|anchors ...");
        return 2;
}
