using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

// Issue 13's "Must show" as a load generator (bench/server/attack.sh starts the server and drives it):
//   Custodian.Server.Attack --url URL --keys FILE --server-pid PID [--duration S] [--workers N] [--mix KIND=W,...]
// WORKERS (200) concurrent workers, each on its own connection of one HttpClient (SocketsHttpHandler,
// MaxConnectionsPerServer = WORKERS), post for DURATION seconds (60) a mix of valid single-event posts and NDJSON batches,
// bodies over the 32 MiB limit (sent with Content-Length, with Expect: 100-continue, and chunked), gzip bombs to
// /v1/feedback (a manifest.json, or a transcript after a valid manifest, decompressing to 1 GiB), wrong content types
// and invalid UTF-8, each user key (one a line in FILE) taken by every Nth worker. /healthz is probed every second on a
// connection of its own. The server's VmRSS is sampled every 250 ms and its VmHWM read at the end. Every acknowledged
// (201) event carries a unique marker; afterwards every session is read back and every acknowledged marker looked for.
// Prints one table and the checks; exit 1 if any check fails (any 5xx, a /healthz probe not answering 200 within
// 5 s, peak RSS at or over 512 MiB, an acknowledged event missing), 2 on bad usage.
var options = AttackOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Custodian.Server.Attack --url URL --keys FILE --server-pid PID [--duration SECONDS] [--workers N] [--mix KIND=WEIGHT,...]");
    Console.Error.WriteLine("kinds: " + string.Join(", ", Enum.GetValues<Kind>().Select(Kinds.Name)));
    return 2;
}

return await Attack.RunAsync(options);

internal enum Kind
{
    Single,
    Ndjson,
    OversizedSent,
    OversizedExpect,
    OversizedChunked,
    BombManifest,
    BombTranscript,
    WrongType,
    BadUtf8,
}

internal static class Kinds
{
    public const long MiB = 1024 * 1024;

    /// <summary>Per mille of requests by default: mostly valid writes, every hostile kind present throughout.</summary>
    public const string DefaultMix =
        "single=400,ndjson=200,oversized-sent=25,oversized-expect=15,oversized-chunked=10,bomb-manifest=60,bomb-transcript=2,wrong-type=143,bad-utf8=145";

    public static string Name(Kind kind) => kind switch
    {
        Kind.Single => "single",
        Kind.Ndjson => "ndjson",
        Kind.OversizedSent => "oversized-sent",
        Kind.OversizedExpect => "oversized-expect",
        Kind.OversizedChunked => "oversized-chunked",
        Kind.BombManifest => "bomb-manifest",
        Kind.BombTranscript => "bomb-transcript",
        Kind.WrongType => "wrong-type",
        _ => "bad-utf8",
    };

    public static string Describe(Kind kind) => kind switch
    {
        Kind.Single => "valid: 1 event, application/json",
        Kind.Ndjson => "valid: NDJSON batch, application/x-ndjson",
        Kind.OversizedSent => "33 MiB JSON with Content-Length, body sent",
        Kind.OversizedExpect => "33 MiB JSON with Content-Length, Expect: 100-continue",
        Kind.OversizedChunked => "33 MiB JSON, chunked (no Content-Length)",
        Kind.BombManifest => "gzip bomb: manifest.json of 1 GiB",
        Kind.BombTranscript => "gzip bomb: valid manifest, transcript of 1 GiB",
        Kind.WrongType => "wrong Content-Type (events text/plain, feedback application/json)",
        _ => "invalid UTF-8 (JSON array or NDJSON line 2)",
    };

    public static int Expected(Kind kind) => kind switch
    {
        Kind.Single or Kind.Ndjson => 201,
        Kind.WrongType => 415,
        Kind.BadUtf8 => 400,
        _ => 413,
    };

    public static bool TryParse(string name, out Kind kind)
    {
        foreach (var k in Enum.GetValues<Kind>())
        {
            if (Name(k) == name)
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }
}

internal sealed record AttackOptions(Uri Url, string[] Keys, int ServerPid, double Duration, int Workers, int[] Weights, int Batch)
{
    public static AttackOptions? Parse(string[] args)
    {
        string? url = null, keys = null, mix = Kinds.DefaultMix;
        int pid = 0, workers = 200, batch = 50;
        double duration = 60;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--url": url = value; break;
                case "--keys": keys = value; break;
                case "--server-pid": pid = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--duration": duration = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--mix": mix = value; break;
                default: return null;
            }
        }

        if (args.Length % 2 != 0 || url is null || keys is null || pid <= 0 || workers <= 0 || duration <= 0 || batch <= 0) return null;
        var weights = new int[Enum.GetValues<Kind>().Length];
        foreach (var part in mix.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, weight) = (part.Split('=')[0], part.Split('=').ElementAtOrDefault(1));
            if (!Kinds.TryParse(name, out var kind) || !int.TryParse(weight, NumberStyles.None, CultureInfo.InvariantCulture, out var w)) return null;
            weights[(int)kind] = w;
        }

        var keyList = File.ReadAllLines(keys).Select(k => k.Trim()).Where(k => k.Length > 0).ToArray();
        if (keyList.Length == 0 || weights.Sum() == 0) return null;
        return new AttackOptions(new Uri(url), keyList, pid, duration, workers, weights, batch);
    }
}

/// <summary>The bodies, built once before the load starts and shared by every request (each gets its own HttpContent).</summary>
internal sealed class Payloads
{
    public const long OversizedBytes = 33 * Kinds.MiB;
    public const long BombBytes = 1024 * Kinds.MiB;

    public required byte[] Oversized { get; init; }
    public required byte[] BombManifest { get; init; }
    public required byte[] BombTranscript { get; init; }
    public required byte[] WrongTypeEvents { get; init; }
    public required byte[] WrongTypeFeedback { get; init; }
    public required byte[] BadUtf8Json { get; init; }
    public required byte[] BadUtf8Ndjson { get; init; }

    public static async Task<Payloads> BuildAsync()
    {
        // One 33 MiB array of one event whose text is x's: valid JSON, so only its size is wrong.
        var oversized = new byte[OversizedBytes];
        var head = "[{\"type\":\"user\",\"text\":\""u8;
        var tail = "\"}]"u8;
        oversized.AsSpan().Fill((byte)'x');
        head.CopyTo(oversized);
        tail.CopyTo(oversized.AsSpan(oversized.Length - tail.Length));
        var manifest = Encoding.UTF8.GetBytes("{\"formatVersion\":1,\"kind\":\"feedback\",\"sessionIds\":[\"s1\"]}");
        var bombManifest = Task.Run(() => RawBundle(("manifest.json", null, BombBytes)));
        var bombTranscript = Task.Run(() => RawBundle(("manifest.json", manifest, 0), ("transcripts/s1.jsonl", null, BombBytes)));
        return new Payloads
        {
            Oversized = oversized,
            BombManifest = await bombManifest,
            BombTranscript = await bombTranscript,
            WrongTypeEvents = Encoding.UTF8.GetBytes("[{\"type\":\"user\",\"text\":\"plain text is not accepted\"}]"),
            WrongTypeFeedback = RawBundle(("manifest.json", manifest, 0), ("transcripts/s1.jsonl", Encoding.UTF8.GetBytes("{}\n"), 0)),
            BadUtf8Json = Encoding.Latin1.GetBytes("[{\"type\":\"user\",\"text\":\"caf\xFF\"}]"),
            BadUtf8Ndjson = Encoding.Latin1.GetBytes("{\"type\":\"user\",\"n\":1}\n{\"type\":\"user\",\"text\":\"caf\xC3(\"}\n"),
        };
    }

    /// <summary>A tar written header by header, gzipped (as tests/Custodian.Server.Tests/ServerSuite.Bodies.cs builds bombs).</summary>
    private static byte[] RawBundle(params (string Name, byte[]? Content, long Spaces)[] entries)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            var spaces = new byte[Kinds.MiB];
            spaces.AsSpan().Fill((byte)' ');
            foreach (var (name, content, count) in entries)
            {
                var size = content?.Length ?? count;
                var header = new byte[512];
                Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
                Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
                Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
                Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
                Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
                Encoding.ASCII.GetBytes("15000000000\0").CopyTo(header, 136);
                header.AsSpan(148, 8).Fill((byte)' ');
                header[156] = (byte)'0';
                Encoding.ASCII.GetBytes("ustar\000").CopyTo(header, 257);
                var sum = 0;
                foreach (var b in header) sum += b;
                Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
                gzip.Write(header);
                if (content is not null) gzip.Write(content);
                for (var left = count; left > 0; left -= spaces.Length) gzip.Write(spaces, 0, (int)Math.Min(left, spaces.Length));
                gzip.Write(new byte[(int)((512 - (size % 512)) % 512)]);
            }

            gzip.Write(new byte[1024]);
        }

        return output.ToArray();
    }
}

/// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), 64 KiB a write.</summary>
internal sealed class ChunkedContent : HttpContent
{
    private readonly byte[] _body;

    public ChunkedContent(byte[] body, string contentType)
    {
        _body = body;
        Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var offset = 0; offset < _body.Length; offset += 64 * 1024)
            await stream.WriteAsync(_body.AsMemory(offset, Math.Min(64 * 1024, _body.Length - offset)));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>One worker's tallies, merged after the run (no shared counters on the hot path).</summary>
internal sealed class WorkerStats
{
    public Dictionary<(Kind Kind, int Status), long> Statuses { get; } = [];
    public Dictionary<(Kind Kind, string Error), long> Errors { get; } = [];
    public List<double>[] Latencies { get; } = Enum.GetValues<Kind>().Select(_ => new List<double>()).ToArray();

    /// <summary>Acknowledged events by session: the owner's key index and the markers.</summary>
    public Dictionary<string, (int User, List<string> Markers)> Acked { get; } = [];
    public long AckedPosts { get; set; }
    public long StoredMismatches { get; set; }
    public List<string> ServerErrorSamples { get; } = [];
}

internal static class Attack
{
    private const string Lorem = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore";
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(5);
    private const long RssLimit = 512 * Kinds.MiB;

    public static async Task<int> RunAsync(AttackOptions o)
    {
        var clock = Stopwatch.StartNew();
        var payloads = await Payloads.BuildAsync();
        Console.Error.WriteLine(Inv($"payloads built in {clock.Elapsed.TotalSeconds:F1} s: oversized {payloads.Oversized.Length} B, manifest bomb {payloads.BombManifest.Length} B, transcript bomb {payloads.BombTranscript.Length} B (each {Payloads.BombBytes} B decompressed)"));

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = o.Workers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var http = new HttpClient(handler) { BaseAddress = o.Url, Timeout = TimeSpan.FromSeconds(120) };
        using var probeHandler = new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseCookies = false };
        using var probe = new HttpClient(probeHandler) { BaseAddress = o.Url, Timeout = HealthTimeout };

        var rssStart = Rss.Read(o.ServerPid, "VmRSS:");
        using var stopSampling = new CancellationTokenSource();
        var sampler = Rss.SampleAsync(o.ServerPid, TimeSpan.FromMilliseconds(250), stopSampling.Token);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(o.Duration));
        var health = HealthAsync(probe, stop.Token);
        var cumulative = new int[o.Weights.Length];
        for (int i = 0, sum = 0; i < o.Weights.Length; i++) cumulative[i] = sum += o.Weights[i];
        var stats = Enumerable.Range(0, o.Workers).Select(_ => new WorkerStats()).ToArray();
        var load = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.Workers).Select(w => Task.Run(() => WorkerAsync(w, o, http, payloads, cumulative, stats[w], stop.Token))));
        var loadSeconds = load.Elapsed.TotalSeconds;
        var (probes, probeFailures, probeMaxMs, probeProblems) = await health;
        var rssAfterLoad = Rss.Read(o.ServerPid, "VmRSS:");

        // Read back every acknowledged event, by session, with the owner's key.
        var acked = stats.SelectMany(s => s.Acked).ToArray();
        var ackedEvents = acked.Sum(a => (long)a.Value.Markers.Count);
        long missing = 0, readFailures = 0;
        var readProblems = new ConcurrentBag<string>();
        var readback = Stopwatch.StartNew();
        await Parallel.ForEachAsync(acked, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (session, ct) =>
        {
            var (user, markers) = session.Value;
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions/" + session.Key);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.Keys[user]);
            HashSet<string> found = [];
            try
            {
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var doc = JsonDocument.Parse(text);
                    foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
                    {
                        if (e.GetProperty("event").TryGetProperty("marker", out var m)) found.Add(m.GetString()!);
                    }
                }
                else
                {
                    Interlocked.Increment(ref readFailures);
                    readProblems.Add(Inv($"GET {session.Key}: {(int)response.StatusCode} {Shorten(text)}"));
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
            {
                Interlocked.Increment(ref readFailures);
                readProblems.Add("GET " + session.Key + ": " + Describe(e));
            }

            var lost = markers.Count(m => !found.Contains(m));
            if (lost > 0) Interlocked.Add(ref missing, lost);
        });
        var readSeconds = readback.Elapsed.TotalSeconds;

        await stopSampling.CancelAsync();
        var (rssPeak, rssPeakAt, samples) = await sampler;
        var hwm = Rss.Read(o.ServerPid, "VmHWM:");
        return Report(o, stats, loadSeconds, probes, probeFailures, probeMaxMs, probeProblems, acked.Length, ackedEvents, missing, readFailures,
            readProblems, readSeconds, rssStart, rssAfterLoad, rssPeak, rssPeakAt, samples, hwm);
    }

    private static async Task WorkerAsync(int w, AttackOptions o, HttpClient http, Payloads p, int[] cumulative, WorkerStats stats, CancellationToken stop)
    {
        var random = new Random(unchecked(w * 7919 + 17));
        var user = w % o.Keys.Length;
        var key = o.Keys[user];
        long events = 0;
        var sessionIndex = 0;
        var postsInSession = 0;
        while (!stop.IsCancellationRequested)
        {
            var pick = random.Next(cumulative[^1]);
            var kind = (Kind)Array.FindIndex(cumulative, c => pick < c);
            var session = Inv($"atk-w{w}-s{sessionIndex}");
            List<string>? markers = null;
            HttpRequestMessage request;
            switch (kind)
            {
                case Kind.Single:
                case Kind.Ndjson:
                {
                    var count = kind == Kind.Single ? 1 : o.Batch;
                    markers = new List<string>(count);
                    var body = new StringBuilder(count * 200);
                    if (kind == Kind.Single) body.Append('[');
                    for (var i = 0; i < count; i++)
                    {
                        var marker = Inv($"m-w{w}-{events++}");
                        markers.Add(marker);
                        body.Append(CultureInfo.InvariantCulture,
                            $"{{\"type\":\"{(i % 2 == 0 ? "user" : "assistant")}\",\"marker\":\"{marker}\",\"n\":{i},\"message\":{{\"role\":\"user\",\"text\":\"{Lorem}\"}}}}");
                        if (kind == Kind.Ndjson) body.Append('\n');
                    }

                    if (kind == Kind.Single) body.Append(']');
                    request = Post("/v1/sessions/" + session + "/events", new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString())), kind == Kind.Single ? "application/json" : "application/x-ndjson");
                    break;
                }

                case Kind.OversizedSent:
                    request = Post("/v1/sessions/" + session + "/events", new ByteArrayContent(p.Oversized), "application/json");
                    break;
                case Kind.OversizedExpect:
                    request = Post("/v1/sessions/" + session + "/events", new ByteArrayContent(p.Oversized), "application/json");
                    request.Headers.ExpectContinue = true;
                    break;
                case Kind.OversizedChunked:
                    request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions/" + session + "/events") { Content = new ChunkedContent(p.Oversized, "application/json") };
                    break;
                case Kind.BombManifest:
                case Kind.BombTranscript:
                    request = Post("/v1/feedback", new ByteArrayContent(kind == Kind.BombManifest ? p.BombManifest : p.BombTranscript), "application/gzip");
                    request.Headers.Add("Custodian-Bundle-Kind", "feedback");
                    break;
                case Kind.WrongType when random.Next(3) == 0:
                    request = Post("/v1/feedback", new ByteArrayContent(p.WrongTypeFeedback), "application/json");
                    request.Headers.Add("Custodian-Bundle-Kind", "feedback");
                    break;
                case Kind.WrongType:
                    request = Post("/v1/sessions/" + session + "/events", new ByteArrayContent(p.WrongTypeEvents), "text/plain");
                    break;
                default:
                    var ndjson = random.Next(2) == 0;
                    request = Post("/v1/sessions/" + session + "/events", new ByteArrayContent(ndjson ? p.BadUtf8Ndjson : p.BadUtf8Json), ndjson ? "application/x-ndjson" : "application/json");
                    break;
            }

            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var started = Stopwatch.GetTimestamp();
            try
            {
                // Never cancelled by the end of the run: a request in flight is finished, so every 201 is counted.
                using var response = await http.SendAsync(request, CancellationToken.None);
                var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                var status = (int)response.StatusCode;
                Bump(stats.Statuses, (kind, status));
                if (status >= 500 && stats.ServerErrorSamples.Count < 5) stats.ServerErrorSamples.Add(Inv($"{Kinds.Name(kind)} {status}: {Shorten(text)}"));
                if (status == 201 && markers is not null)
                {
                    stats.AckedPosts++;
                    using var doc = JsonDocument.Parse(text);
                    if (!doc.RootElement.TryGetProperty("stored", out var stored) || stored.GetInt32() != markers.Count) stats.StoredMismatches++;
                    if (!stats.Acked.TryGetValue(session, out var entry)) stats.Acked[session] = entry = (user, []);
                    entry.Markers.AddRange(markers);
                    // A new session every 20 acknowledged posts keeps each read-back response small.
                    if (++postsInSession == 20)
                    {
                        sessionIndex++;
                        postsInSession = 0;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
            {
                Bump(stats.Errors, (kind, Describe(e)));
            }
            finally
            {
                request.Dispose();
            }

            stats.Latencies[(int)kind].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static HttpRequestMessage Post(string path, HttpContent content, string contentType)
    {
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    private static async Task<(int Probes, int Failures, double MaxMs, List<string> Problems)> HealthAsync(HttpClient probe, CancellationToken stop)
    {
        int probes = 0, failures = 0;
        var maxMs = 0.0;
        List<string> problems = [];
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                probes++;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await probe.GetAsync(new Uri("/healthz", UriKind.Relative), CancellationToken.None);
                    var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures++;
                        problems.Add(Inv($"{(int)response.StatusCode} {Shorten(text)}"));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    failures++;
                    problems.Add(Describe(e));
                }

                maxMs = Math.Max(maxMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (OperationCanceledException)
        {
            // the load window is over
        }

        return (probes, failures, maxMs, problems);
    }

    private static int Report(AttackOptions o, WorkerStats[] stats, double loadSeconds, int probes, int probeFailures, double probeMaxMs, List<string> probeProblems,
        int sessions, long ackedEvents, long missing, long readFailures, ConcurrentBag<string> readProblems, double readSeconds,
        long rssStart, long rssAfterLoad, long rssPeak, double rssPeakAt, int samples, long hwm)
    {
        var statuses = new Dictionary<(Kind Kind, int Status), long>();
        var errors = new Dictionary<(Kind Kind, string Error), long>();
        foreach (var s in stats)
        {
            foreach (var (k, v) in s.Statuses) Bump(statuses, k, v);
            foreach (var (k, v) in s.Errors) Bump(errors, k, v);
        }

        long total = 0, serverErrors = 0, busy = 0;
        Console.WriteLine(Inv($"| Kind | Sent as | Expected | Requests | Answered as expected | Other answers | Transport errors | p50 / p99 ms |"));
        Console.WriteLine("|------|---------|---------:|---------:|---------:|------|---------:|------:|");
        foreach (var kind in Enum.GetValues<Kind>())
        {
            var answers = statuses.Where(s => s.Key.Kind == kind).ToDictionary(s => s.Key.Status, s => s.Value);
            var transport = errors.Where(e => e.Key.Kind == kind).Sum(e => e.Value);
            var requests = answers.Values.Sum() + transport;
            if (requests == 0 && o.Weights[(int)kind] == 0) continue;
            total += requests;
            serverErrors += answers.Where(a => a.Key >= 500).Sum(a => a.Value);
            busy += answers.GetValueOrDefault(503);
            var expected = Kinds.Expected(kind);
            var other = string.Join(", ", answers.Where(a => a.Key != expected).OrderBy(a => a.Key).Select(a => Inv($"{a.Key}×{a.Value}")));
            var latencies = stats.SelectMany(s => s.Latencies[(int)kind]).Order().ToArray();
            Console.WriteLine(Inv($"| {Kinds.Name(kind)} | {Kinds.Describe(kind)} | {expected} | {requests} | {answers.GetValueOrDefault(expected)} | {(other.Length == 0 ? "–" : other)} | {transport} | {Percentile(latencies, 0.5):F1} / {Percentile(latencies, 0.99):F1} |"));
        }

        Console.WriteLine();
        var ackedPosts = stats.Sum(s => s.AckedPosts);
        var mismatches = stats.Sum(s => s.StoredMismatches);
        Console.WriteLine(Inv($"load: {o.Workers} workers for {loadSeconds:F1} s, {total} requests ({total / loadSeconds:F0}/s), {o.Keys.Length} user keys"));
        foreach (var ((kind, error), count) in errors.OrderByDescending(e => e.Value).Take(8)) Console.WriteLine(Inv($"  transport error, {Kinds.Name(kind)} ×{count}: {error}"));
        foreach (var sample in stats.SelectMany(s => s.ServerErrorSamples).Take(5)) Console.WriteLine("  5xx sample: " + sample);
        Console.WriteLine(Inv($"acknowledged writes: {ackedPosts} posts (201), {ackedEvents} events in {sessions} sessions; 201 whose 'stored' differed from the events sent: {mismatches}"));
        Console.WriteLine(Inv($"read back in {readSeconds:F1} s: {ackedEvents - missing} of {ackedEvents} acknowledged events found, {missing} missing, {readFailures} session reads failed"));
        foreach (var problem in readProblems.Take(5)) Console.WriteLine("  " + problem);
        Console.WriteLine(Inv($"/healthz: {probes} probes (one a second), {probes - probeFailures} answered 200 within {HealthTimeout.TotalSeconds:F0} s, slowest {probeMaxMs:F0} ms"));
        foreach (var problem in probeProblems.Take(5)) Console.WriteLine("  " + problem);
        Console.WriteLine(Inv($"server RSS: {Mb(rssStart)} MiB before, {Mb(rssAfterLoad)} MiB after the load; highest of {samples} samples (every 250 ms) {Mb(rssPeak)} MiB at {rssPeakAt:F1} s; VmHWM (peak since start) {Mb(hwm)} MiB"));

        var peak = Math.Max(hwm, rssPeak);
        (string Name, bool Ok, string Value)[] checks =
        [
            ("no 5xx", serverErrors == 0, Inv($"{serverErrors} (503 memory budget/shutdown: {busy})")),
            ("/healthz answering", probeFailures == 0 && probes > 0, Inv($"{probeFailures} of {probes} probes failed")),
            ("peak RSS < 512 MiB", peak < RssLimit, Inv($"{Mb(peak)} MiB")),
            ("every acknowledged write readable", missing == 0 && readFailures == 0, Inv($"{missing} of {ackedEvents} missing")),
        ];
        foreach (var (name, ok, value) in checks) Console.WriteLine(Inv($"check {name}: {(ok ? "ok" : "FAILED")} ({value})"));
        Console.WriteLine(Inv($"RESULT requests={total} seconds={loadSeconds:F1} rps={total / loadSeconds:F0} acked_posts={ackedPosts} acked_events={ackedEvents} missing={missing} http5xx={serverErrors} http503={busy} transport_errors={errors.Values.Sum()} healthz_probes={probes} healthz_failures={probeFailures} healthz_max_ms={probeMaxMs:F0} rss_peak_sampled_mib={Mb(rssPeak)} vmhwm_mib={Mb(hwm)}"));
        return checks.All(c => c.Ok) ? 0 : 1;
    }

    private static void Bump<TKey>(Dictionary<TKey, long> counts, TKey key, long by = 1) where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + by;

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static string Mb(long bytes) => (bytes / (double)Kinds.MiB).ToString("F0", CultureInfo.InvariantCulture);

    private static string Describe(Exception e)
    {
        var text = new StringBuilder(e.GetType().Name).Append(": ").Append(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException) text.Append(" <- ").Append(inner.GetType().Name).Append(": ").Append(inner.Message);
        return text.ToString();
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>The server's resident set from /proc/PID/status.</summary>
internal static class Rss
{
    public static long Read(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // the process is gone
        }

        return 0;
    }

    public static async Task<(long Peak, double PeakAt, int Samples)> SampleAsync(int pid, TimeSpan every, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        long peak = 0;
        double peakAt = 0;
        var samples = 0;
        using var timer = new PeriodicTimer(every);
        try
        {
            do
            {
                var rss = Read(pid, "VmRSS:");
                samples++;
                if (rss > peak)
                {
                    peak = rss;
                    peakAt = clock.Elapsed.TotalSeconds;
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
            // sampling is over
        }

        return (peak, peakAt, samples);
    }
}
