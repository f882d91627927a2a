using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Custodian.Otlp;
using Custodian.Policy;
using Custodian.Redaction;
using Custodian.Server.Internal;
using Custodian.Storage;

namespace Custodian.Benchmarks;

/// <summary>
/// The OTLP ingestion path's stages on bench/server/otlp-ingest.sh's own 512-record Claude Code batch (issue 16): the
/// bounded protobuf decode; the capture (policy, redaction, each record's payload); and the three with the SQLite
/// store's append (a transaction a batch, in a temporary directory; fresh record times each time, so every record is
/// new), all in one process without HTTP. Per record = Mean / 512. The script measures the server whole.
/// </summary>
[MemoryDiagnoser]
public class OtlpIngestBenchmarks
{
    private static readonly DateTimeOffset CapturedAt = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private ClaudeCodeBatch template = null!;
    private byte[] body = [];
    private OtlpLogBatch batch = null!;
    private string directory = "";
    private SqliteCustodianStore store = null!;
    private ulong nanos = (ulong)CapturedAt.ToUnixTimeMilliseconds() * 1_000_000UL;

    [GlobalSetup]
    public void Setup()
    {
        template = ClaudeCodeBatch.Build(512);
        body = template.Body.ToArray();
        batch = OtlpDecoder.DecodeLogs(body, OtlpEncoding.Protobuf).Value!;
        directory = Directory.CreateTempSubdirectory("custodian-bench-otlp-").FullName;
        store = new SqliteCustodianStore(Path.Combine(directory, "custodian.db"));
        store.InitializeAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark]
    public int Decode() => OtlpDecoder.DecodeLogs(body, OtlpEncoding.Protobuf).Value!.Records.Count;

    [Benchmark]
    public int Capture() => TelemetryCapture.Logs(batch, zeroDataRetention: false, surveyEnabled: true, CapturedAt, Redactor.Default).Records.Count;

    [Benchmark]
    public int CaptureUnderZeroDataRetention() => TelemetryCapture.Logs(batch, zeroDataRetention: true, surveyEnabled: true, CapturedAt, Redactor.Default).Records.Count;

    [Benchmark]
    public async Task<int> DecodeCaptureAndStore()
    {
        foreach (var offset in template.TimeOffsets) BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(offset), nanos++);
        var decoded = OtlpDecoder.DecodeLogs(body, OtlpEncoding.Protobuf).Value!;
        var captured = TelemetryCapture.Logs(decoded, zeroDataRetention: false, surveyEnabled: true, CapturedAt, Redactor.Default);
        var outcomes = await store.AppendTelemetryBatchAsync([new TelemetryAppend("bench", new CapturePolicy(CapturedAt, RetentionPeriod.ThirtyDays, false), captured.Records)]);
        return outcomes[0].Stored;
    }
}
