using Custodian.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Custodian.Server.Internal;

/// <summary>Physically deletes expired data every sweep interval (RET-7); reads already hide it from the moment it expires.</summary>
internal sealed class RetentionSweeper(ICustodianStore store, ServerOptions options, TimeProvider time, ILogger<RetentionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        do
        {
            try
            {
                var report = await store.DeleteExpiredAsync(time.GetUtcNow(), stoppingToken);
                if (report.Events + report.Ratings + report.Feedback + report.Telemetry + report.PartitionsDropped > 0)
                {
                    // A dropped partition's rows are the planner's estimate when it had one (ExpiryReport.EventsEstimated).
                    logger.LogInformation(
                        "Retention sweep deleted {Approximately}{Events} events, {Telemetry} telemetry records, {Ratings} ratings, {Feedback} bundles ({Partitions} partitions dropped)",
                        report.EventsEstimated ? "about " : "", report.Events, report.Telemetry, report.Ratings, report.Feedback, report.PartitionsDropped);
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException)
            {
                logger.LogError(e, "Retention sweep failed; it runs again next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
