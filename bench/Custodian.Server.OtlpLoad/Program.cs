using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Custodian.Otlp;
using Google.Protobuf;

// The load generator of bench/server/otlp-ingest.sh:
//   Custodian.Server.OtlpLoad --url URL [--key KEY] [--connections N] [--duration S] [--warmup S] [--batch RECORDS]
// Builds one OTLP/protobuf ExportLogsServiceRequest of BATCH (512) Claude Code events up front (user_prompt,
// api_request, tool_result in the proportions of a real session, with session.id, prompt.id, prompt text, model, token
// counts, tool names, and now and then a GitHub token in a prompt for the redactor to find). Each of N (32) workers posts
// it as application/x-protobuf on its own connection for WARMUP (3) and then DURATION (20) seconds; before every post
// the worker writes a fresh time_unix_nano into each record (a fixed64 at a known offset), so no record is ever the
// same as another and the server's idempotency (CUS-76) stores every one. A 200 acknowledges the batch's records less
// the partial success's rejected count. Prints one RESULT line (measured phase) and one TOTAL line (warm-up included,
// for the durability check against the store).
var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Custodian.Server.OtlpLoad --url URL [--key KEY] [--connections N] [--duration S] [--warmup S] [--batch RECORDS]");
    return 2;
}

var template = ClaudeCodeBatch.Build(options.Batch);
if (Environment.GetEnvironmentVariable("OTLP_LOAD_DUMP") is { Length: > 0 } dump)
{
    // For in-process profiling of the server's stages: the request body, and the offsets of its time_unix_nano fields.
    await File.WriteAllBytesAsync(dump, template.Body.ToArray());
    await File.WriteAllLinesAsync(dump + ".offsets", template.TimeOffsets.Select(o => o.ToString(CultureInfo.InvariantCulture)));
    return 0;
}

Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"batch: {options.Batch} records, {template.Body.Length} bytes ({template.Body.Length / options.Batch} bytes/record)"));

using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Connections,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseProxy = false,
    AutomaticDecompression = DecompressionMethods.None,
};
using var client = new HttpClient(handler) { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(60) };
var endpoint = new Uri("v1/logs", UriKind.Relative);

var warmup = await Phase.RunAsync(client, endpoint, options, template, TimeSpan.FromSeconds(options.WarmupSeconds), sequenceBase: 0);
var measured = await Phase.RunAsync(client, endpoint, options, template, TimeSpan.FromSeconds(options.DurationSeconds), sequenceBase: 1L << 30);

var seconds = measured.Elapsed.TotalSeconds;
var latencies = measured.LatenciesMs.Order().ToArray();
double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT posts={measured.Posts} seconds={seconds:F3} acked_records={measured.Acked} records_per_s={measured.Acked / seconds:F0} rejected={measured.Rejected} " +
    $"status={string.Join(',', measured.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}:{s.Value}"))} errors={measured.Errors} " +
    $"p50_ms={Percentile(0.50):F1} p99_ms={Percentile(0.99):F1} bytes_per_post={template.Body.Length}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"TOTAL acked_records={warmup.Acked + measured.Acked} warmup_acked={warmup.Acked}"));
return 0;

internal sealed record LoadOptions(string Url, string? Key, int Connections, int DurationSeconds, int WarmupSeconds, int Batch)
{
    public static LoadOptions? Parse(string[] args)
    {
        string? url = null, key = null;
        int connections = 32, duration = 20, warmup = 3, batch = 512;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--url": url = value.EndsWith('/') ? value : value + "/"; break;
                case "--key": key = value.Length == 0 ? null : value; break;
                case "--connections": connections = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--duration": duration = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }

        return url is null || connections < 1 || duration < 1 || warmup < 0 || batch < 1 ? null
            : new LoadOptions(url, key, connections, duration, warmup, batch);
    }
}

/// <summary>One timed phase: every worker posts until the deadline; the phase ends when the last post is answered.</summary>
internal sealed class Phase
{
    private long _posts, _acked, _rejected, _errors;
    private readonly Dictionary<int, long> _statuses = [];
    private readonly List<double> _latencies = [];

    public long Posts => _posts;
    public long Acked => _acked;
    public long Rejected => _rejected;
    public long Errors => _errors;
    public IReadOnlyDictionary<int, long> Statuses => _statuses;
    public IReadOnlyList<double> LatenciesMs => _latencies;
    public TimeSpan Elapsed { get; private set; }

    public static async Task<Phase> RunAsync(HttpClient client, Uri endpoint, LoadOptions options, ClaudeCodeBatch template, TimeSpan length, long sequenceBase)
    {
        var phase = new Phase();
        if (length <= TimeSpan.Zero) return phase;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, options.Connections)
            .Select(w => Task.Run(() => phase.WorkAsync(client, endpoint, options, template, clock, length, sequenceBase + ((long)w << 24))))
            .ToArray();
        await Task.WhenAll(workers);
        phase.Elapsed = clock.Elapsed;
        return phase;
    }

    private async Task WorkAsync(HttpClient client, Uri endpoint, LoadOptions options, ClaudeCodeBatch template, Stopwatch clock, TimeSpan length, long sequence)
    {
        var body = template.Body.ToArray();
        var latencies = new List<double>();
        var statuses = new Dictionary<int, long>();
        // A real exporter's clock: records a little in the past, each worker's nanoseconds its own.
        var baseNanos = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000) * 1_000_000UL;
        while (clock.Elapsed < length)
        {
            foreach (var offset in template.TimeOffsets)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(offset), baseNanos + (ulong)sequence++);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            if (options.Key is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var started = clock.Elapsed;
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                var answer = await response.Content.ReadAsByteArrayAsync();
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                var code = (int)response.StatusCode;
                statuses[code] = statuses.GetValueOrDefault(code) + 1;
                Interlocked.Increment(ref _posts);
                if (code == 200)
                {
                    var (rejected, _) = OtlpResponses.Decode(OtlpSignal.Logs, OtlpEncoding.Protobuf, answer);
                    Interlocked.Add(ref _acked, template.Records - rejected);
                    Interlocked.Add(ref _rejected, rejected);
                }
                else if (code is 429 or 503)
                {
                    // The exporter's backoff, shortened: the point is the server's rate, not the client's patience.
                    await Task.Delay(50);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _errors);
            }
        }

        lock (_latencies)
        {
            _latencies.AddRange(latencies);
            foreach (var (code, count) in statuses) _statuses[code] = _statuses.GetValueOrDefault(code) + count;
        }
    }
}

/// <summary>
/// One ExportLogsServiceRequest of Claude Code events, encoded by hand with the OTLP field numbers
/// (docs: claude-code-otel.md §5, §7.3), with the offset of every record's <c>time_unix_nano</c> payload.
/// </summary>
internal sealed class ClaudeCodeBatch
{
    private ClaudeCodeBatch(byte[] body, int[] timeOffsets, int records)
    {
        Body = body;
        TimeOffsets = timeOffsets;
        Records = records;
    }

    public ReadOnlyMemory<byte> Body { get; }
    public IReadOnlyList<int> TimeOffsets { get; }
    public int Records { get; }

    private static readonly string[] Prompts =
    [
        "Refactor the retry loop in src/net/client.ts so that it honours Retry-After and add a unit test for the 503 case.",
        "Why does `npm test` fail on CI but not locally? The error is: TypeError: Cannot read properties of undefined (reading 'map') at parseRows (src/csv.ts:88:17).",
        "Add a --dry-run flag to the deploy script; it should print the kubectl commands instead of running them.",
        "Summarise what changed in the last three commits and draft a changelog entry.",
        "The migration 0042_add_index is slow on the production copy (40 min). Can we build the index concurrently instead?",
        "Write a README section explaining how to run the service locally with docker compose, including the seed data step.",
        "Look at the flaky test OrderServiceTests.Cancels_pending_orders and tell me whether it is a race or a time zone problem.",
        "Rename UserDto to AccountSummary everywhere, including the OpenAPI document, and keep the JSON field names unchanged.",
    ];

    private static readonly string[] Tools = ["Read", "Edit", "Bash", "Grep", "Glob", "Write", "WebFetch", "mcp_tool"];
    private static readonly string[] Models = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"];

    public static ClaudeCodeBatch Build(int records)
    {
        var random = new Random(20261202);
        const int sessions = 16;
        var sessionIds = Enumerable.Range(0, sessions).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var promptIds = Enumerable.Range(0, sessions).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var sequence = new int[sessions];

        var recordBytes = new List<byte[]>(records);
        for (var i = 0; i < records; i++)
        {
            var s = random.Next(sessions);
            // Per prompt, a session makes a few API requests and many tool calls: 1 : 3 : 6.
            var kind = (i % 10) switch { 0 => "user_prompt", 1 or 2 or 3 => "api_request", _ => "tool_result" };
            if (kind == "user_prompt") promptIds[s] = Guid.NewGuid().ToString();
            var attributes = new List<(string Key, object Value)>
            {
                ("event.name", kind),
                ("event.timestamp", DateTimeOffset.UtcNow.AddSeconds(-60 + i * 0.1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
                ("event.sequence", (long)sequence[s]++),
                ("session.id", sessionIds[s]),
                ("prompt.id", promptIds[s]),
                ("app.version", "2.1.328"),
                ("organization.id", "0f5c1d7e-3a2b-4c8d-9e6f-1a2b3c4d5e6f"),
                ("user.account_uuid", "a3f9c2e1-7b4d-4e8a-9c1f-2d3e4f5a6b7c"),
                ("user.id", "4c6e8a0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c"),
                ("user.email", "dev" + s.ToString(CultureInfo.InvariantCulture) + "@example.com"),
                ("terminal.type", "vscode"),
            };
            switch (kind)
            {
                case "user_prompt":
                    var prompt = Prompts[random.Next(Prompts.Length)];
                    // Now and then a prompt carries a credential, as real ones do; the collector must redact it.
                    if (random.Next(8) == 0) prompt += " Use this token for the API: ghp_" + RandomToken(random, 36);
                    attributes.Add(("prompt", prompt));
                    attributes.Add(("prompt_length", (long)prompt.Length));
                    break;
                case "api_request":
                    attributes.Add(("model", Models[random.Next(Models.Length)]));
                    attributes.Add(("cost_usd", Math.Round(random.NextDouble() * 0.05, 6)));
                    attributes.Add(("duration_ms", (long)random.Next(800, 20_000)));
                    attributes.Add(("input_tokens", (long)random.Next(10, 4_000)));
                    attributes.Add(("output_tokens", (long)random.Next(50, 3_000)));
                    attributes.Add(("cache_read_tokens", (long)random.Next(0, 90_000)));
                    attributes.Add(("cache_creation_tokens", (long)random.Next(0, 8_000)));
                    attributes.Add(("request_id", "req_011C" + RandomToken(random, 20)));
                    attributes.Add(("speed", "normal"));
                    attributes.Add(("query_source", "main"));
                    break;
                default:
                    var tool = Tools[random.Next(Tools.Length)];
                    attributes.Add(("tool_name", tool));
                    attributes.Add(("tool_use_id", "toolu_01" + RandomToken(random, 22)));
                    attributes.Add(("success", random.Next(12) == 0 ? "false" : "true"));
                    attributes.Add(("duration_ms", random.Next(2, 9_000).ToString(CultureInfo.InvariantCulture)));
                    attributes.Add(("decision_type", "accept"));
                    attributes.Add(("decision_source", "config"));
                    attributes.Add(("tool_result_size_bytes", (long)random.Next(40, 60_000)));
                    break;
            }

            recordBytes.Add(LogRecord("claude_code." + kind, attributes));
        }

        // ScopeLogs { scope = 1; log_records = 2 }: each record's time payload is 1 byte (its tag) into the record.
        using var scopeLogs = new MemoryStream();
        var scopeOffsets = new int[records];
        Write(scopeLogs, 1, Message(w => { String(w, 1, "com.anthropic.claude_code.events"); String(w, 2, "2.1.328"); }));
        for (var i = 0; i < records; i++)
        {
            var header = LengthHeader(2, recordBytes[i].Length);
            scopeLogs.Write(header);
            scopeOffsets[i] = (int)scopeLogs.Position + 1;
            scopeLogs.Write(recordBytes[i]);
        }

        // ResourceLogs { resource = 1; scope_logs = 2 } inside ExportLogsServiceRequest { resource_logs = 1 }.
        var resource = Message(w =>
        {
            foreach (var (k, v) in new[] { ("service.name", "claude-code"), ("service.version", "2.1.328"), ("os.type", "linux"), ("os.version", "6.8.0-45-generic"), ("host.arch", "amd64") })
            {
                w.WriteTag(1, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(KeyValue(k, v)));
            }
        });
        using var resourceLogs = new MemoryStream();
        Write(resourceLogs, 1, resource);
        var scopeBytes = scopeLogs.ToArray();
        resourceLogs.Write(LengthHeader(2, scopeBytes.Length));
        var scopeStart = (int)resourceLogs.Position;
        resourceLogs.Write(scopeBytes);
        var resourceBytes = resourceLogs.ToArray();

        var outer = LengthHeader(1, resourceBytes.Length);
        var body = new byte[outer.Length + resourceBytes.Length];
        outer.CopyTo(body, 0);
        resourceBytes.CopyTo(body, outer.Length);
        var offsets = scopeOffsets.Select(o => outer.Length + scopeStart + o).ToArray();
        foreach (var o in offsets)
        {
            if (body[o - 1] != 0x09) throw new InvalidOperationException("time_unix_nano is not where it was written");
        }

        return new ClaudeCodeBatch(body, offsets, records);
    }

    /// <summary>LogRecord { time_unix_nano = 1 (fixed64, first); observed_time_unix_nano = 11; body = 5; attributes = 6 }.</summary>
    private static byte[] LogRecord(string bodyText, List<(string Key, object Value)> attributes) => Message(w =>
    {
        w.WriteTag(1, WireFormat.WireType.Fixed64);
        w.WriteFixed64(0);
        w.WriteTag(11, WireFormat.WireType.Fixed64);
        w.WriteFixed64((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL);
        w.WriteTag(5, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(AnyValue(bodyText)));
        foreach (var (key, value) in attributes)
        {
            w.WriteTag(6, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(KeyValue(key, value)));
        }
    });

    private static byte[] KeyValue(string key, object value) => Message(w =>
    {
        String(w, 1, key);
        w.WriteTag(2, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(AnyValue(value)));
    });

    /// <summary>AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4 }.</summary>
    private static byte[] AnyValue(object value) => Message(w =>
    {
        switch (value)
        {
            case string s: String(w, 1, s); break;
            case bool b: w.WriteTag(2, WireFormat.WireType.Varint); w.WriteBool(b); break;
            case long l: w.WriteTag(3, WireFormat.WireType.Varint); w.WriteInt64(l); break;
            case double d: w.WriteTag(4, WireFormat.WireType.Fixed64); w.WriteDouble(d); break;
            default: throw new ArgumentException("unsupported attribute value", nameof(value));
        }
    });

    private static void String(CodedOutputStream w, int field, string value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteString(value);
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(w);
        }

        return buffer.ToArray();
    }

    private static void Write(Stream stream, int field, byte[] message)
    {
        stream.Write(LengthHeader(field, message.Length));
        stream.Write(message);
    }

    private static byte[] LengthHeader(int field, int length) => Message(w =>
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteLength(length);
    });

    private static string RandomToken(Random random, int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var s = new StringBuilder(length);
        for (var i = 0; i < length; i++) s.Append(alphabet[random.Next(alphabet.Length)]);
        return s.ToString();
    }
}
