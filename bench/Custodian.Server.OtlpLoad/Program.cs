using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Custodian.Otlp.Proto.Collector.Logs;
using Custodian.Otlp.Proto.Common;
using Custodian.Otlp.Proto.Logs;
using Custodian.Otlp.Proto.Resource;
using Google.Protobuf;

// OTLP/HTTP protobuf log batches against an endpoint, as Claude Code exports them: each request a distinct batch of
// BATCH records (user_prompt with prompt text, api_request, tool_result), distinct by session and event.sequence so
// that no record is a retry of another. Prints one line: requests, acknowledged records and their rate, 429/503s,
// other failures, and latency percentiles.
//   Custodian.Server.OtlpLoad URL KEY CONNECTIONS SECONDS BATCH [WARMUP]
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: Custodian.Server.OtlpLoad URL KEY CONNECTIONS SECONDS BATCH [WARMUP_SECONDS]");
    return 2;
}

var url = new Uri(new Uri(args[0]), "/v1/logs");
var key = args[1];
var connections = int.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
var batch = int.Parse(args[4], CultureInfo.InvariantCulture);
var warmup = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 2;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    Timeout = TimeSpan.FromMinutes(2),
};

long nextBatch = 0;
var run = Guid.NewGuid().ToString("N")[..8];

byte[] Build(long index)
{
    var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code.events", Version = "2.1.328" } };
    var session = $"{run}-{index % 997:D4}";
    var baseNanos = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL;
    for (var i = 0; i < batch; i++)
    {
        var sequence = index * batch + i;
        var record = new LogRecord { TimeUnixNano = baseNanos + (ulong)i * 1000, ObservedTimeUnixNano = baseNanos + (ulong)i * 1000 };
        void Add(string k, string v) => record.Attributes.Add(new KeyValue { Key = k, Value = new AnyValue { StringValue = v } });
        void AddInt(string k, long v) => record.Attributes.Add(new KeyValue { Key = k, Value = new AnyValue { IntValue = v } });
        var kind = i % 3;
        var name = kind switch { 0 => "user_prompt", 1 => "api_request", _ => "tool_result" };
        record.Body = new AnyValue { StringValue = "claude_code." + name };
        Add("event.name", name);
        Add("event.timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        AddInt("event.sequence", sequence);
        Add("session.id", session);
        Add("user.id", "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");
        Add("user.email", "dev@acme.dev");
        Add("organization.id", "6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        Add("terminal.type", "tmux");
        Add("prompt.id", $"p-{sequence}");
        switch (kind)
        {
            case 0:
                // One prompt in sixteen holds a secret to redact; the rest are ordinary text of the same length.
                var prompt = sequence % 16 == 0
                    ? "deploy with ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK and then run the migration on staging please"
                    : "fix the flaky test in the payments service and explain what was wrong with the retry logic";
                Add("prompt_length", prompt.Length.ToString(CultureInfo.InvariantCulture));
                Add("prompt", prompt);
                break;
            case 1:
                Add("model", "claude-sonnet-4-5");
                AddInt("input_tokens", 1200 + i);
                AddInt("output_tokens", 80);
                AddInt("cache_read_tokens", 4000);
                AddInt("cache_creation_tokens", 0);
                Add("cost_usd", "0.0123");
                Add("duration_ms", "950");
                Add("request_id", $"req_{sequence}");
                break;
            default:
                Add("tool_name", "Bash");
                Add("success", "true");
                Add("duration_ms", "120");
                Add("decision", "accept");
                Add("source", "config");
                AddInt("tool_result_size_bytes", 2048);
                break;
        }

        scope.LogRecords.Add(record);
    }

    var resource = new ResourceLogs
    {
        Resource = new Resource
        {
            Attributes =
            {
                new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "claude-code" } },
                new KeyValue { Key = "service.version", Value = new AnyValue { StringValue = "2.1.328" } },
                new KeyValue { Key = "os.type", Value = new AnyValue { StringValue = "linux" } },
                new KeyValue { Key = "host.arch", Value = new AnyValue { StringValue = "amd64" } },
            },
        },
    };
    resource.ScopeLogs.Add(scope);
    return new ExportLogsServiceRequest { ResourceLogs = { resource } }.ToByteArray();
}

var sample = Build(-1);
var measuring = false;
long acknowledged = 0, requests = 0, overloaded = 0, failed = 0;
var latencies = new List<double>();
var gate = new object();
var stop = Stopwatch.StartNew();
var total = TimeSpan.FromSeconds(warmup + seconds);
Stopwatch? window = null;

async Task WorkerAsync()
{
    while (stop.Elapsed < total)
    {
        var body = Build(Interlocked.Increment(ref nextBatch));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var started = Stopwatch.GetTimestamp();
        HttpStatusCode status;
        try
        {
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!Volatile.Read(ref measuring)) continue;
        lock (gate)
        {
            requests++;
            latencies.Add(elapsed);
            if (status == HttpStatusCode.OK) acknowledged += batch;
            else if (status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) overloaded++;
            else failed++;
        }

        if (status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) await Task.Delay(100);
    }
}

var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(WorkerAsync)).ToArray();
await Task.Delay(TimeSpan.FromSeconds(warmup));
Volatile.Write(ref measuring, true);
window = Stopwatch.StartNew();
await Task.WhenAll(workers);
var measured = window.Elapsed.TotalSeconds;
latencies.Sort();
double P(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"requests={requests} records={acknowledged} records_per_s={acknowledged / measured:F0} overloaded={overloaded} failed={failed} p50_ms={P(0.5):F1} p99_ms={P(0.99):F1} seconds={measured:F1} batch_bytes={sample.Length}"));
return failed == 0 ? 0 : 1;
