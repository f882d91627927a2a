using System.Threading.Channels;
using Custodian.Policy;
using Custodian.Storage;
using Microsoft.Extensions.Logging;

namespace Custodian.Server.Internal;

/// <summary>What the ingestion writer did with one request: the store's outcome and the policy decisions it was made with.</summary>
/// <param name="Outcome">The store's outcome; null when the server is shutting down and the request was not taken.</param>
/// <param name="Decisions">The poster's policy decisions as of the commit (null when the account is unknown).</param>
internal sealed record Ingested(AppendOutcome? Outcome, PolicyDecisions? Decisions);

/// <summary>What the writer did with one telemetry batch.</summary>
internal enum TelemetryWrite
{
    /// <summary>Committed (<see cref="TelemetryWritten.Outcome"/> says how many were new).</summary>
    Stored,

    /// <summary>Not taken: as many telemetry records are queued as the writer holds (ServerOptions.MaxQueuedTelemetryRecords).</summary>
    Saturated,

    /// <summary>Not taken: the server is shutting down.</summary>
    ShuttingDown,
}

/// <summary>The outcome of <see cref="IngestionWriter.AppendTelemetryAsync"/>.</summary>
internal sealed record TelemetryWritten(TelemetryWrite Status, TelemetryAppendOutcome? Outcome);

/// <summary>
/// Group commit for <c>POST /v1/sessions/{id}/events</c> and for OTLP telemetry (OTL-6): requests queue their events or
/// telemetry records; one loop takes whatever is pending (up to <see cref="MaxEventsPerCommit"/> events and records)
/// and writes the events in one transaction of <see cref="ICustodianStore.AppendBatchAsync"/>, which reads consent, org
/// policy and session owners inside that transaction, and the telemetry in one of
/// <see cref="ICustodianStore.AppendTelemetryBatchAsync"/>. Each request is completed only after the commit, so an acknowledgement (201) still means the events are
/// durable; under light load a batch is one request and nothing waits for company. When a batch fails, its requests
/// are retried one transaction each, so one bad request fails alone. Disposal (after the host has drained in-flight
/// requests) stops taking requests and finishes what is queued.
/// </summary>
internal sealed class IngestionWriter : IAsyncDisposable
{
    /// <summary>Bounds one transaction: its size, and how long the requests in it wait for each other.</summary>
    internal const int MaxEventsPerCommit = 4096;

    private const int MaxRequestsPerCommit = 1024;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ICustodianStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestionWriter> _logger;
    private readonly long _maxQueuedTelemetry;
    private readonly Task _loop;
    private long _queuedTelemetry;

    public IngestionWriter(ICustodianStore store, TimeProvider time, ServerOptions options, ILogger<IngestionWriter> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _maxQueuedTelemetry = options.MaxQueuedTelemetryRecords;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Telemetry records queued and not yet committed (for tests and the 503's detail).</summary>
    public long QueuedTelemetry => Interlocked.Read(ref _queuedTelemetry);

    /// <summary>Queues one request's events and completes after the transaction that holds them committed (or failed).</summary>
    public Task<Ingested> AppendAsync(AppendRequest request, CancellationToken cancellationToken)
    {
        // Continuations run synchronously, but never on the writer's thread: see Complete.
        var pending = new PendingEvents(request, new TaskCompletionSource<Ingested>(), cancellationToken);
        return _queue.Writer.TryWrite(pending) ? pending.Completion.Task : Task.FromResult(new Ingested(null, null));
    }

    /// <summary>
    /// Queues one export request's telemetry and completes after the transaction that holds it committed (or failed,
    /// with the store's exception). Refused at once when the queue already holds
    /// <see cref="ServerOptions.MaxQueuedTelemetryRecords"/> records (a batch is always taken when none is queued), so a
    /// writer that falls behind answers 503 with <c>Retry-After</c> instead of holding ever more batches in memory.
    /// </summary>
    public Task<TelemetryWritten> AppendTelemetryAsync(TelemetryAppend request, CancellationToken cancellationToken)
    {
        var size = request.Records.Count;
        var after = Interlocked.Add(ref _queuedTelemetry, size);
        if (after > _maxQueuedTelemetry && after != size)
        {
            Interlocked.Add(ref _queuedTelemetry, -size);
            return Task.FromResult(new TelemetryWritten(TelemetryWrite.Saturated, null));
        }

        var pending = new PendingTelemetry(request, new TaskCompletionSource<TelemetryWritten>(), cancellationToken);
        if (_queue.Writer.TryWrite(pending)) return pending.Completion.Task;
        Interlocked.Add(ref _queuedTelemetry, -size);
        return Task.FromResult(new TelemetryWritten(TelemetryWrite.ShuttingDown, null));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>();
        Pending? carried = null;
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var events = 0;
            if (carried is { } first)
            {
                batch.Add(first);
                events = first.Size;
                carried = null;
            }

            while (batch.Count < MaxRequestsPerCommit && reader.TryRead(out var next))
            {
                if (next.Cancellation.IsCancellationRequested)
                {
                    // The client went away before its turn: nothing was acknowledged, nothing is written.
                    Cancel(next);
                    continue;
                }

                if (batch.Count > 0 && events + next.Size > MaxEventsPerCommit)
                {
                    carried = next;
                    break;
                }

                batch.Add(next);
                events += next.Size;
            }

            if (batch.Count == 0) continue;
            var posts = batch.OfType<PendingEvents>().ToList();
            var telemetry = batch.OfType<PendingTelemetry>().ToList();
            if (posts.Count > 0) await CommitAsync(posts).ConfigureAwait(false);
            if (telemetry.Count > 0) await CommitTelemetryAsync(telemetry).ConfigureAwait(false);
        }
    }

    private void Cancel(Pending pending)
    {
        switch (pending)
        {
            case PendingEvents events:
                Complete([events], _ => events.Completion.TrySetCanceled(events.Cancellation));
                break;
            case PendingTelemetry telemetry:
                Interlocked.Add(ref _queuedTelemetry, -telemetry.Size);
                Complete([telemetry], _ => telemetry.Completion.TrySetCanceled(telemetry.Cancellation));
                break;
        }
    }

    /// <summary>The telemetry of a group in one transaction; as for events, a failed group is retried one request at a time.</summary>
    private async Task CommitTelemetryAsync(List<PendingTelemetry> batch)
    {
        try
        {
            var outcomes = await _store.AppendTelemetryBatchAsync([.. batch.Select(p => p.Request)], CancellationToken.None).ConfigureAwait(false);
            Release(batch);
            Complete([.. batch], (p, i) => p.Completion.TrySetResult(new TelemetryWritten(TelemetryWrite.Stored, outcomes[i])));
            return;
        }
#pragma warning disable CA1031 // Whatever failed, the loop must go on and every waiting request must be answered.
        catch (Exception e) when (batch.Count > 1)
        {
            _logger.LogWarning(e, "A group commit of {Requests} telemetry batches failed; retrying them one transaction each", batch.Count);
        }
        catch (Exception e)
        {
            Release(batch);
            var failed = batch[0];
            Complete([failed], _ => failed.Completion.TrySetException(e));
            return;
        }

        foreach (var pending in batch)
        {
            try
            {
                var outcome = (await _store.AppendTelemetryBatchAsync([pending.Request], CancellationToken.None).ConfigureAwait(false))[0];
                Release([pending]);
                Complete([pending], _ => pending.Completion.TrySetResult(new TelemetryWritten(TelemetryWrite.Stored, outcome)));
            }
            catch (Exception e)
            {
                Release([pending]);
                Complete([pending], _ => pending.Completion.TrySetException(e));
            }
        }
#pragma warning restore CA1031
    }

    private void Release(IEnumerable<PendingTelemetry> done) => Interlocked.Add(ref _queuedTelemetry, -done.Sum(p => (long)p.Size));

    private async Task CommitAsync(List<PendingEvents> batch)
    {
        try
        {
            var (outcomes, decisions) = await WriteAsync(batch).ConfigureAwait(false);
            var results = new Ingested[batch.Count];
            for (var i = 0; i < batch.Count; i++) results[i] = Result(outcomes[i], decisions);
            Complete([.. batch], (p, i) => p.Completion.TrySetResult(results[i]));
            return;
        }
#pragma warning disable CA1031 // Whatever failed, the loop must go on and every waiting request must be answered.
        catch (Exception e) when (batch.Count > 1)
        {
            _logger.LogWarning(e, "A group commit of {Requests} requests failed; retrying them one transaction each", batch.Count);
        }
        catch (Exception e)
        {
            var failed = batch[0];
            Complete([failed], _ => failed.Completion.TrySetException(e));
            return;
        }

        foreach (var pending in batch)
        {
            try
            {
                var (outcomes, decisions) = await WriteAsync([pending]).ConfigureAwait(false);
                var result = Result(outcomes[0], decisions);
                Complete([pending], _ => pending.Completion.TrySetResult(result));
            }
            catch (Exception e)
            {
                Complete([pending], _ => pending.Completion.TrySetException(e));
            }
        }
#pragma warning restore CA1031
    }

    private static void Complete<T>(T[] completed, Action<T> complete)
        where T : Pending => Complete<T>(completed, (p, _) => complete(p));

    /// <summary>
    /// Completes a committed group's requests in one thread-pool work item: their continuations (writing the 201s) run
    /// there one after another, off the writer's thread, which goes on to the next group. One work item per group
    /// instead of one per request saves a thread wake-up per request, which on a small machine cost more than the SQL.
    /// </summary>
    private static void Complete<T>(T[] completed, Action<T, int> complete)
        where T : Pending =>
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            for (var i = 0; i < state.Completed.Length; i++) state.Complete(state.Completed[i], i);
        }, (Completed: completed, Complete: complete), preferLocal: false);

    private static Ingested Result(AppendOutcome outcome, Dictionary<string, PolicyDecisions> decisions) =>
        new(outcome, outcome.Subject is { } subject ? decisions.GetValueOrDefault(subject.Account.Id) : null);

    private async Task<(IReadOnlyList<AppendOutcome> Outcomes, Dictionary<string, PolicyDecisions> Decisions)> WriteAsync(List<PendingEvents> batch)
    {
        // One capture time for the whole transaction: the moment its policy is read.
        var now = _time.GetUtcNow();
        var decisions = new Dictionary<string, PolicyDecisions>(StringComparer.Ordinal);
        var outcomes = await _store.AppendBatchAsync([.. batch.Select(p => p.Request)], (accountId, subject) =>
        {
            if (subject is null) return null; // no such account (any more): nothing is stored
            var decided = ServerPolicy.Decide(subject.Org?.Plan ?? subject.Account.Plan, subject.Org?.Policy ?? OrganizationPolicy.Default, subject.Consent.AllowModelImprovement);
            decisions[accountId] = decided;
            var retention = decided.ServerRetention.SessionData.Value;
            // Zero data retention: acknowledged, never persisted (RET-3).
            return retention.IsZero ? null : new CapturePolicy(now, retention, decided.Training.SessionData.Value);
        }, CancellationToken.None).ConfigureAwait(false);
        return (outcomes, decisions);
    }

    /// <summary>A queued request: its size (events or records) counts toward <see cref="MaxEventsPerCommit"/>.</summary>
    private abstract record Pending(CancellationToken Cancellation)
    {
        public abstract int Size { get; }
    }

    private sealed record PendingEvents(AppendRequest Request, TaskCompletionSource<Ingested> Completion, CancellationToken Cancellation) : Pending(Cancellation)
    {
        public override int Size => Request.Events.Count;
    }

    private sealed record PendingTelemetry(TelemetryAppend Request, TaskCompletionSource<TelemetryWritten> Completion, CancellationToken Cancellation)
        : Pending(Cancellation)
    {
        public override int Size => Request.Records.Count;
    }
}
