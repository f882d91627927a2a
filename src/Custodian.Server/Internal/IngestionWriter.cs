using System.Threading.Channels;
using Custodian.Policy;
using Custodian.Storage;
using Microsoft.Extensions.Logging;

namespace Custodian.Server.Internal;

/// <summary>What the ingestion writer did with one request: the store's outcome and the policy decisions it was made with.</summary>
/// <param name="Outcome">The store's outcome; null when the server is shutting down and the request was not taken.</param>
/// <param name="Decisions">The poster's policy decisions as of the commit (null when the account is unknown).</param>
internal sealed record Ingested(AppendOutcome? Outcome, PolicyDecisions? Decisions);

/// <summary>
/// Group commit for <c>POST /v1/sessions/{id}/events</c>: requests queue their events; one loop takes whatever is
/// pending (up to <see cref="MaxEventsPerCommit"/> events) and writes it in one transaction of
/// <see cref="ICustodianStore.AppendBatchAsync"/>, which reads consent, org policy and session owners inside that
/// transaction. Each request is completed only after the commit, so an acknowledgement (201) still means the events are
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
    private readonly Task _loop;

    public IngestionWriter(ICustodianStore store, TimeProvider time, ILogger<IngestionWriter> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues one request's events and completes after the transaction that holds them committed (or failed).</summary>
    public Task<Ingested> AppendAsync(AppendRequest request, CancellationToken cancellationToken)
    {
        // Continuations run synchronously, but never on the writer's thread: see Complete.
        var pending = new Pending(request, new TaskCompletionSource<Ingested>(), cancellationToken);
        return _queue.Writer.TryWrite(pending) ? pending.Completion.Task : Task.FromResult(new Ingested(null, null));
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
                events = first.Request.Events.Count;
                carried = null;
            }

            while (batch.Count < MaxRequestsPerCommit && reader.TryRead(out var next))
            {
                if (next.Cancellation.IsCancellationRequested)
                {
                    // The client went away before its turn: nothing was acknowledged, nothing is written.
                    Complete([next], _ => next.Completion.TrySetCanceled(next.Cancellation));
                    continue;
                }

                if (batch.Count > 0 && events + next.Request.Events.Count > MaxEventsPerCommit)
                {
                    carried = next;
                    break;
                }

                batch.Add(next);
                events += next.Request.Events.Count;
            }

            if (batch.Count > 0) await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<Pending> batch)
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

    private static void Complete(Pending[] completed, Action<Pending> complete) => Complete(completed, (p, _) => complete(p));

    /// <summary>
    /// Completes a committed group's requests in one thread-pool work item: their continuations (writing the 201s) run
    /// there one after another, off the writer's thread, which goes on to the next group. One work item per group
    /// instead of one per request saves a thread wake-up per request, which on a small machine cost more than the SQL.
    /// </summary>
    private static void Complete(Pending[] completed, Action<Pending, int> complete) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            for (var i = 0; i < state.Completed.Length; i++) state.Complete(state.Completed[i], i);
        }, (Completed: completed, Complete: complete), preferLocal: false);

    private static Ingested Result(AppendOutcome outcome, Dictionary<string, PolicyDecisions> decisions) =>
        new(outcome, outcome.Subject is { } subject ? decisions.GetValueOrDefault(subject.Account.Id) : null);

    private async Task<(IReadOnlyList<AppendOutcome> Outcomes, Dictionary<string, PolicyDecisions> Decisions)> WriteAsync(List<Pending> batch)
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

    private sealed record Pending(AppendRequest Request, TaskCompletionSource<Ingested> Completion, CancellationToken Cancellation);
}
