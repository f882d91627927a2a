using System.IO.Compression;
using Custodian.Otlp;
using Custodian.Storage;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Net.Compression;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Custodian.Server.Internal;

/// <summary>An export request as the gRPC marshaller hands it over: its bytes, decoded only once the caller is known.</summary>
internal sealed record GrpcExportRequest(byte[] Payload);

/// <summary>What an export answers: nothing rejected, or a partial success.</summary>
internal sealed record GrpcExportResponse(OtlpSignal Signal, long Rejected, string? Message);

/// <summary>
/// The OTLP gRPC services (<c>opentelemetry.proto.collector.logs.v1.LogsService/Export</c>,
/// <c>…metrics.v1.MetricsService/Export</c>) on their own cleartext HTTP/2 endpoint (<c>--otlp-grpc-urls</c>). Bound
/// by hand with marshallers of their own, so a request is decoded by <see cref="OtlpDecoder"/> within its bounds
/// (CUS-73), after the caller's key was checked, and stored by the same path as OTLP/HTTP (OTL-1..6, CUS-78).
/// </summary>
internal static class OtlpGrpc
{
    public const string LogsService = "opentelemetry.proto.collector.logs.v1.LogsService";

    public const string MetricsService = "opentelemetry.proto.collector.metrics.v1.MetricsService";

    /// <summary>The request's bytes, copied out of gRPC's buffer (which is reused once this returns).</summary>
    public static readonly Marshaller<GrpcExportRequest> Request = Marshallers.Create(
        static (GrpcExportRequest _, SerializationContext _) => throw new NotSupportedException("export requests are only received"),
        static (DeserializationContext context) => new GrpcExportRequest(System.Buffers.BuffersExtensions.ToArray(context.PayloadAsReadOnlySequence())));

    public static readonly Marshaller<GrpcExportResponse> Response = Marshallers.Create(
        static (GrpcExportResponse response, SerializationContext context) =>
            context.Complete(OtlpResponses.Encode(response.Signal, OtlpEncoding.Protobuf, response.Rejected, response.Message)),
        static (DeserializationContext _) => throw new NotSupportedException("export responses are only sent"));

    public static readonly Method<GrpcExportRequest, GrpcExportResponse> ExportLogs = new(MethodType.Unary, LogsService, "Export", Request, Response);

    public static readonly Method<GrpcExportRequest, GrpcExportResponse> ExportMetrics = new(MethodType.Unary, MetricsService, "Export", Request, Response);

    /// <summary>gRPC's own options: messages up to the body limit, gzip (a client's <c>grpc-encoding</c>) decompressed within it.</summary>
    public static void Configure(GrpcServiceOptions grpc, ServerOptions options)
    {
        var limit = (int)Math.Min(options.MaxRequestBodyBytes, int.MaxValue);
        grpc.MaxReceiveMessageSize = limit;
        grpc.EnableDetailedErrors = false;
        grpc.CompressionProviders.Clear();
        grpc.CompressionProviders.Add(new BoundedGzipProvider(limit));
    }

    /// <summary>One export, for either signal: authenticate, decode, store, answer.</summary>
    public static async Task<GrpcExportResponse> ExportAsync(
        OtlpSignal signal, GrpcExportRequest request, ServerCallContext context, ICustodianStore store, KeyCache keys, TelemetryIngestion ingestion, BodyBudget budget,
        ServerOptions options)
    {
        var http = context.GetHttpContext();
        // The `authorization` metadata is the HTTP/2 header the OTLP exporter sends from OTEL_EXPORTER_OTLP_HEADERS.
        var caller = await Caller.AuthenticateAsync(http, store, keys)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "send 'authorization: Bearer <api key>' metadata (see 'custodian keys create')"));
        using var reservation = new BodyReservation(budget);
        if (!reservation.TryGrow((long)request.Payload.Length * BodyLimits.EventsCostPerByte))
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"the server is holding as many request bodies as its memory budget allows ({budget.Capacity} bytes); nothing was stored, retry"));
        }

        var (stored, problem) = ingestion.Start(caller, signal, request.Payload, OtlpEncoding.Protobuf, context.CancellationToken);
        if (problem is not null) throw Refused(problem);
        var outcome = await stored!;

        // UNAVAILABLE is what an OTLP gRPC exporter retries (with backoff), as HTTP exporters retry 503.
        if (outcome.Status != IngestStatus.Stored)
            throw new RpcException(new Status(StatusCode.Unavailable, TelemetryIngestion.Unavailable(outcome.Status, options.MaxQueuedTelemetryRecords)));
        return new GrpcExportResponse(signal, outcome.Rejected, outcome.Message);
    }

    /// <summary>INVALID_ARGUMENT and RESOURCE_EXHAUSTED (without retry information) are not retried by exporters.</summary>
    private static RpcException Refused(OtlpProblem problem) => new(new Status(
        problem.Kind == OtlpProblemKind.TooLarge ? StatusCode.ResourceExhausted : StatusCode.InvalidArgument,
        "not a valid OTLP export request: " + problem.Message));

    /// <summary>gzip whose output stops at the message size limit, so a small compressed message cannot expand without bound.</summary>
    private sealed class BoundedGzipProvider(long limit) : ICompressionProvider
    {
        public string EncodingName => "gzip";

        public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
            new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

        public Stream CreateDecompressionStream(Stream stream) => new LimitedStream(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true), limit);
    }

    /// <summary>Reads through to <paramref name="inner"/> and fails once more than <paramref name="limit"/> bytes came out.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw new InvalidDataException($"the gzip message expands beyond the {limit} bytes the server accepts") : read;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// The logs service as gRPC binds it: gRPC looks for an override of <see cref="Export"/>, declared on the type that
/// names the binding method (as generated service bases do).
/// </summary>
[BindServiceMethod(typeof(OtlpLogsServiceBase), nameof(BindService))]
internal abstract class OtlpLogsServiceBase
{
    public static void BindService(ServiceBinderBase binder, OtlpLogsServiceBase? service) =>
        binder.AddMethod(OtlpGrpc.ExportLogs, service is null ? null : service.Export);

    public abstract Task<GrpcExportResponse> Export(GrpcExportRequest request, ServerCallContext context);
}

/// <summary><c>opentelemetry.proto.collector.logs.v1.LogsService</c>.</summary>
internal sealed class OtlpLogsService(ICustodianStore store, KeyCache keys, TelemetryIngestion ingestion, BodyBudget budget, ServerOptions options)
    : OtlpLogsServiceBase
{
    public override Task<GrpcExportResponse> Export(GrpcExportRequest request, ServerCallContext context) =>
        OtlpGrpc.ExportAsync(OtlpSignal.Logs, request, context, store, keys, ingestion, budget, options);
}

/// <summary>The metrics service as gRPC binds it.</summary>
[BindServiceMethod(typeof(OtlpMetricsServiceBase), nameof(BindService))]
internal abstract class OtlpMetricsServiceBase
{
    public static void BindService(ServiceBinderBase binder, OtlpMetricsServiceBase? service) =>
        binder.AddMethod(OtlpGrpc.ExportMetrics, service is null ? null : service.Export);

    public abstract Task<GrpcExportResponse> Export(GrpcExportRequest request, ServerCallContext context);
}

/// <summary><c>opentelemetry.proto.collector.metrics.v1.MetricsService</c>.</summary>
internal sealed class OtlpMetricsService(ICustodianStore store, KeyCache keys, TelemetryIngestion ingestion, BodyBudget budget, ServerOptions options)
    : OtlpMetricsServiceBase
{
    public override Task<GrpcExportResponse> Export(GrpcExportRequest request, ServerCallContext context) =>
        OtlpGrpc.ExportAsync(OtlpSignal.Metrics, request, context, store, keys, ingestion, budget, options);
}

/// <summary>The Kestrel endpoints of the gRPC receiver, whose addresses (ports bound at start) are known once the server runs.</summary>
internal sealed class OtlpGrpcListeners
{
    private readonly List<ListenOptions> _endpoints = [];

    public void Add(IEnumerable<ListenOptions> endpoints) => _endpoints.AddRange(endpoints);

    /// <summary>The bound addresses, e.g. <c>http://127.0.0.1:4317</c>.</summary>
    public IReadOnlyList<string> Addresses => [.. _endpoints.Select(e => e.IPEndPoint is { } ip ? $"http://{ip}" : e.ToString() ?? string.Empty)];
}
