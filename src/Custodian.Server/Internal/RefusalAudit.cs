using System.Globalization;
using System.Text;
using Custodian.Storage;
using Microsoft.Extensions.Logging;

namespace Custodian.Server.Internal;

/// <summary>
/// Audits refusals (ACC-2, CUS-38), bounded per caller: in each <see cref="Window"/> from a caller's first refusal, the
/// first <see cref="EntriesPerWindow"/> refusals are written as entries of their own and the rest only counted; when
/// the window has passed, one <c>audit.refusals.suppressed</c> entry records how many of each action were left out.
/// A caller who is refused a million times a minute costs the log eleven entries a minute, not a million, and the
/// count still says what happened. Entries go through the store's ordinary hash chain, so <c>audit verify</c> holds.
/// </summary>
internal sealed class RefusalAudit : IAsyncDisposable
{
    /// <summary>Refusals written per caller and window; beyond it they are counted.</summary>
    internal const int EntriesPerWindow = 10;

    /// <summary>The action of the entry that counts a window's suppressed refusals.</summary>
    internal const string SuppressedAction = "audit.refusals.suppressed";

    /// <summary>How long a caller's window lasts.</summary>
    internal static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ICustodianStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Tally> _tallies = new(StringComparer.Ordinal);
    private readonly ITimer _timer;
    private readonly HashSet<Task> _flushes = [];

    public RefusalAudit(ICustodianStore store, TimeProvider time, ILoggerFactory logs)
    {
        _store = store;
        _time = time;
        _log = logs.CreateLogger("Custodian.Server.Audit");
        // Closes windows nobody is refused in any more, so a burst's count is written even if the caller goes quiet.
        _timer = time.CreateTimer(_ => Track(FlushAsync(closedOnly: true)), null, Window, Window);
    }

    /// <summary>
    /// Records a refusal: appended now (the caller waits for it, as for every audited action), or counted when the
    /// caller's window is full. A window that has ended is closed first, its count written before the new entry.
    /// Not on the request's token: a client that hangs up at once must not escape the log.
    /// </summary>
    public async Task RefusedAsync(string actor, string action, string target, string details)
    {
        var now = _time.GetUtcNow();
        Tally? closed = null;
        bool write;
        lock (_lock)
        {
            if (_tallies.TryGetValue(actor, out var tally) && now >= tally.Start + Window)
            {
                _tallies.Remove(actor);
                if (tally.Suppressed.Count > 0) closed = tally;
                tally = null;
            }

            if (tally is null)
            {
                tally = new Tally(now);
                _tallies[actor] = tally;
            }

            write = tally.Written < EntriesPerWindow;
            if (write) tally.Written++;
            else tally.Suppressed[action] = tally.Suppressed.GetValueOrDefault(action) + 1;
        }

        if (closed is not null) await WriteSuppressedAsync(actor, closed, CancellationToken.None);
        if (write) await _store.AppendAuditAsync(actor, action, target, details, now, CancellationToken.None);
    }

    /// <summary>Writes the counts of windows that have ended (or, at shutdown, of every window).</summary>
    private async Task FlushAsync(bool closedOnly)
    {
        var now = _time.GetUtcNow();
        var due = new List<(string Actor, Tally Tally)>();
        lock (_lock)
        {
            foreach (var (actor, tally) in _tallies)
            {
                if (closedOnly && now < tally.Start + Window) continue;
                due.Add((actor, tally));
            }

            foreach (var (actor, _) in due) _tallies.Remove(actor);
        }

        foreach (var (actor, tally) in due)
        {
            if (tally.Suppressed.Count == 0) continue;
            try
            {
                await WriteSuppressedAsync(actor, tally, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nobody is waiting for this entry; the log says what could not be written.
                _log.LogError(e, "Could not audit {Count} suppressed refusals of {Actor}", tally.Suppressed.Values.Sum(), actor);
            }
        }
    }

    private Task WriteSuppressedAsync(string actor, Tally tally, CancellationToken cancellationToken)
    {
        var details = new StringBuilder();
        foreach (var (action, count) in tally.Suppressed.OrderBy(p => p.Key, StringComparer.Ordinal))
            details.Append(details.Length == 0 ? "" : " ").Append(action).Append('=').Append(count.ToString(CultureInfo.InvariantCulture));
        details.Append(" from=").Append(tally.Start.ToString("O", CultureInfo.InvariantCulture))
            .Append(" to=").Append((tally.Start + Window).ToString("O", CultureInfo.InvariantCulture));
        var end = tally.Start + Window;
        var at = end < _time.GetUtcNow() ? end : _time.GetUtcNow();
        return _store.AppendAuditAsync(actor, SuppressedAction, "-", details.ToString(), at, cancellationToken);
    }

    private void Track(Task flush)
    {
        lock (_lock) _flushes.Add(flush);
        _ = flush.ContinueWith(t =>
        {
            lock (_lock) _flushes.Remove(t);
        }, TaskScheduler.Default);
    }

    /// <summary>At shutdown: every count not yet written is written, windows still open included.</summary>
    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        Task[] running;
        lock (_lock) running = [.. _flushes];
        await Task.WhenAll(running);
        await FlushAsync(closedOnly: false);
    }

    private sealed class Tally(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Written { get; set; }

        public Dictionary<string, int> Suppressed { get; } = new(StringComparer.Ordinal);
    }
}
