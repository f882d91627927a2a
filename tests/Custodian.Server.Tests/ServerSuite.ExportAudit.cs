using System.Net;
using Custodian.Policy;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>The training export is audited when it starts, and its end (records sent, complete or aborted) too (ACC-2, CUS-37).</summary>
public abstract partial class ServerSuite
{
    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-37")]
    public async Task A_training_export_is_audited_when_it_starts_and_when_it_completes()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        await CaptureAsync(alice, "s1", Marker("one"), Marker("two"));

        var lines = await ExportAsync(ops);

        Assert.Equal(2, lines.Count);
        var audit = await StoredAuditAsync();
        var start = Assert.Single(audit, e => e.Action == "export.training");
        var end = Assert.Single(audit, e => e.Action == "export.training.end");
        Assert.Equal("ops", start.Actor);
        Assert.StartsWith("started", start.Details, StringComparison.Ordinal);
        Assert.Equal(start.Target, end.Target);
        Assert.True(start.Seq < end.Seq);
        Assert.Equal("records=2 complete", end.Details);
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-37")]
    public async Task An_operator_who_drops_the_connection_mid_export_is_audited_and_the_export_recorded_as_aborted()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        // More than the socket buffers hold (the client's pinned below), so the server is still writing when the client leaves.
        const int Records = 32;
        var policy = new CapturePolicy(Time.GetUtcNow(), RetentionPeriod.FiveYears, TrainingEligible: true);
        for (var batch = 0; batch < 4; batch++)
        {
            var events = Enumerable.Range(0, Records / 4)
                .Select(i => $"{{\"type\":\"user\",\"text\":\"{batch}-{i} {new string('x', 1024 * 1024)}\"}}").ToList();
            await Store.AppendEventsAsync("alice", "big", null, events, policy);
        }

        // Kestrel drops writes to a connection the client has reset some time before it cancels RequestAborted: on a
        // busy machine the server can get through the rest of the export in that time and record it complete. So the
        // drop is tried up to three times; one that is noticed must be recorded as aborted (and every try is audited).
        AuditEntry? end = null;
        for (var attempt = 0; attempt < 3 && (end is null || end.Details.EndsWith(" complete", StringComparison.Ordinal)); attempt++)
        {
            end = await DropMidExportAsync(ops);
        }

        Assert.Equal("ops", end!.Actor);
        Assert.EndsWith(" aborted", end.Details, StringComparison.Ordinal);
        var sent = int.Parse(end.Details.AsSpan("records=".Length, end.Details.IndexOf(' ', StringComparison.Ordinal) - "records=".Length),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(sent, 0, Records - 1);
        Assert.Equal(0, (await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument)).ExitCode);

        async Task<AuditEntry> DropMidExportAsync(string operatorKey)
        {
            string exportId;
            // The client's receive buffer is pinned small: Linux autotunes a loopback socket's up to tcp_rmem's maximum
            // (32 MiB here), which can swallow the whole export before the client leaves and make it complete.
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancel) =>
                {
                    var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
                    try
                    {
                        await socket.ConnectAsync(context.DnsEndPoint, cancel);
                        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            using (var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = BaseAddress })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/export/training");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorKey);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync();
                var first = new byte[64 * 1024];
                Assert.True(await body.ReadAsync(first) > 0);

                // While the stream is still open, the export is already in the log (the latest start: one per try).
                var start = (await StoredAuditAsync()).Last(e => e.Action == "export.training");
                Assert.Equal("ops", start.Actor);
                exportId = start.Target;
            }

            AuditEntry? ended = null;
            await EventuallyAsync(async () =>
            {
                ended = (await StoredAuditAsync()).SingleOrDefault(e => e.Action == "export.training.end" && e.Target == exportId);
                return ended is not null;
            }, "the export's end is audited");
            return ended!;
        }
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-37")]
    public async Task A_training_export_whose_start_cannot_be_audited_sends_nothing()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        var marker = Marker("not-exported");
        await CaptureAsync(alice, "s1", marker);
        await Db.ExecuteAsync(Db.Kind == "sqlite"
            ? "CREATE TRIGGER audit_down BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END"
            : "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;"
              + " CREATE TRIGGER audit_down BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_down()");

        var reply = await GetAsync("/v1/export/training", ops);

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.DoesNotContain(marker, reply.Body, StringComparison.Ordinal);
    }
}
