using Custodian.Otlp;
using Custodian.Redaction;
using Custodian.Storage;
using Microsoft.Extensions.Logging;

namespace Custodian.Server.Internal;

/// <summary>How an export request ended.</summary>
internal enum IngestStatus
{
    /// <summary>Stored (maybe partly: <see cref="Ingestion.Rejected"/>); answer 200 with the (partial) success.</summary>
    Stored,

    /// <summary>The writer's queue is full: answer 503 (UNAVAILABLE) with <c>Retry-After</c>; nothing stored.</summary>
    Saturated,

    /// <summary>The server is stopping: answer 503; nothing stored.</summary>
    ShuttingDown,

    /// <summary>The store failed the transaction: answer 503 so the exporter retries; nothing stored.</summary>
    StoreFailed,
}

/// <summary>The outcome of one export request.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Stored">Records stored now.</param>
/// <param name="Duplicates">Records an earlier delivery had stored already (a retry, OTL-6).</param>
/// <param name="Rejected">Records or points refused (a partial success).</param>
/// <param name="Message">Why they were refused.</param>
internal sealed record Ingestion(IngestStatus Status, int Stored, int Duplicates, long Rejected, string? Message);

/// <summary>
/// The one path OTLP telemetry takes to the store, for HTTP and gRPC alike: the caller's policy now (OTL-3: retention
/// fixed at capture, RET-6; zero data retention keeps no content, CUS-74), the policy applied to every record, then the
/// group-commit writer; the answer comes only after the commit (OTL-6).
/// </summary>
internal sealed class TelemetryIngestion(ICustodianStore store, IngestionWriter writer, TimeProvider time, ILogger<TelemetryIngestion> logger)
{
    /// <summary>How long an exporter refused for overload is asked to wait (seconds).</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>
    /// Decodes an export request and starts storing it; a request that does not decode is the problem instead. Not
    /// async on purpose: the decoded batch (several KB a record) is referenced only by the capture below and is garbage
    /// once the records are captured, rather than staying reachable from an awaiting frame while its group commit
    /// waits, which would carry it into the collector's oldest generation.
    /// </summary>
    public (Task<Ingestion>? Stored, OtlpProblem? Problem) Start(Caller caller, OtlpSignal signal, ReadOnlySpan<byte> payload, OtlpEncoding encoding, CancellationToken cancellationToken)
    {
        if (signal == OtlpSignal.Logs)
        {
            var logs = OtlpDecoder.DecodeLogs(payload, encoding);
            return logs.Problem is { } problem ? (null, problem) : (LogsAsync(caller, logs.Value!, cancellationToken), null);
        }

        var metrics = OtlpDecoder.DecodeMetrics(payload, encoding);
        return metrics.Problem is { } bad ? (null, bad) : (MetricsAsync(caller, metrics.Value!, cancellationToken), null);
    }

    public Task<Ingestion> LogsAsync(Caller caller, OtlpLogBatch batch, CancellationToken cancellationToken) =>
        StoreAsync(caller, (zdr, survey, now) => TelemetryCapture.Logs(batch, zdr, survey, now, Redactor.Default), cancellationToken);

    public Task<Ingestion> MetricsAsync(Caller caller, OtlpMetricBatch batch, CancellationToken cancellationToken) =>
        StoreAsync(caller, (zdr, _, now) => TelemetryCapture.Metrics(batch, zdr, now, Redactor.Default), cancellationToken);

    private async Task<Ingestion> StoreAsync(Caller caller, Func<bool, bool, DateTimeOffset, CapturedTelemetry> capture, CancellationToken cancellationToken)
    {
        // Consent and the org's policy as they are now (never cached, CUS-27): the policy in force at capture.
        var decisions = await caller.DecisionsAsync(store, cancellationToken);
        var now = time.GetUtcNow();
        var zeroDataRetention = decisions.ServerRetention.SessionData.Value.IsZero;
        // What is left under ZDR is no content, so it is kept as ratings are (CUS-18): 30 days (CUS-74).
        var retention = decisions.ServerRetention.Telemetry;
        // A survey answer is a rating only where the account's survey may appear at all (OTL-4, CUS-79): an org that
        // turned product feedback off gets the record as telemetry, never as a rating, as POST /v1/survey/ratings refuses it.
        var captured = capture(zeroDataRetention, decisions.Survey.Enabled.Value, now);
        // The capture holds the decoded batch: let it go before waiting for the group commit (see Start).
        capture = null!;
        if (captured.Records.Count == 0) return new Ingestion(IngestStatus.Stored, 0, 0, captured.Rejected, captured.Message);

        TelemetryWritten written;
        try
        {
            // Telemetry is never training data (OTL-5): stored with training off, and no export reads it.
            written = await writer.AppendTelemetryAsync(new TelemetryAppend(caller.Id, new CapturePolicy(now, retention, false), captured.Records), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Storing {Records} telemetry records of {Account} failed; the exporter is asked to retry", captured.Records.Count, caller.Id);
            return new Ingestion(IngestStatus.StoreFailed, 0, 0, 0, null);
        }

        return written.Status switch
        {
            TelemetryWrite.Saturated => new Ingestion(IngestStatus.Saturated, 0, 0, 0, null),
            TelemetryWrite.ShuttingDown => new Ingestion(IngestStatus.ShuttingDown, 0, 0, 0, null),
            _ => new Ingestion(IngestStatus.Stored, written.Outcome!.Stored, written.Outcome.Duplicates, captured.Rejected, captured.Message),
        };
    }

    /// <summary>The one-line reason of a 503, by status.</summary>
    public static string Unavailable(IngestStatus status, long queueLimit) => status switch
    {
        IngestStatus.Saturated =>
            $"the server's telemetry writer is saturated ({queueLimit} records waiting, MaxQueuedTelemetryRecords); nothing was stored, retry after {RetryAfterSeconds} s",
        IngestStatus.ShuttingDown => "the server is shutting down; nothing was stored",
        _ => $"the store could not take the batch; nothing was stored, retry after {RetryAfterSeconds} s",
    };
}
