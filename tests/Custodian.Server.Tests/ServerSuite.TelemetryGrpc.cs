using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Custodian.Otlp;
using Custodian.Server.Internal;
using Custodian.Server.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Server.Tests;

/// <summary>The OTLP gRPC receiver on <c>--otlp-grpc-urls</c> (OTL-1, CUS-78): same key check, bounds, policy and store path.</summary>
public abstract partial class ServerSuite
{
    private async Task<Uri> StartWithGrpcAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        await StartServerAsync(o => (configure ?? (x => x))(o with { OtlpGrpcUrls = ["http://127.0.0.1:0"] }));
        var grpc = new Uri(Assert.Single(Services.GetRequiredService<OtlpGrpcListeners>().Addresses));
        Assert.Equal("127.0.0.1", grpc.Host);
        Assert.NotEqual(BaseAddress.Port, grpc.Port);
        return grpc;
    }

    /// <summary>One unary gRPC call over cleartext HTTP/2, framed by hand: the status, its message and the response message.</summary>
    private static async Task<(int Status, string Message, byte[] Response)> GrpcExportAsync(Uri address, string service, byte[] message, string? key)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{service}/Export")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string? Header(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.First()
            : response.Headers.TryGetValues(name, out var header) ? header.First() : null;
        var status = int.Parse(Header("grpc-status") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        return (status, Uri.UnescapeDataString(Header("grpc-message") ?? string.Empty), body.Length >= 5 ? body[5..] : []);
    }

    [Fact]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "CUS-78")]
    public async Task The_OpenTelemetry_exporter_over_gRPC_is_stored_redacted_by_the_same_path_as_OTLP_HTTP()
    {
        var grpc = await StartWithGrpcAsync();
        var alice = await KeyAsync("alice");

        using (var exporter = new OtelExporter(grpc, alice, OpenTelemetry.Exporter.OtlpExportProtocol.Grpc))
        {
            exporter.Event("claude_code.user_prompt", ("event.name", "user_prompt"), ("session.id", "grpc-1"), ("prompt", "use " + GitHubToken), ("prompt_length", 44L));
            exporter.Count("claude_code.token.usage", 77, ("session.id", "grpc-1"), ("type", "input"));
            Assert.True(exporter.Flush(), "the exporter could not deliver");
        }

        var telemetry = await TelemetryAsync(alice, "grpc-1");
        var prompt = SingleEvent(telemetry, "claude_code.user_prompt").GetProperty("attributes").GetProperty("prompt").GetString();
        Assert.StartsWith("use [REDACTED:", prompt, StringComparison.Ordinal);
        Assert.Equal(0, await TelemetryRowsAsync(GitHubToken));
        Assert.Equal(77, Assert.Single(telemetry.GetProperty("metrics").EnumerateArray()).GetProperty("value").GetDouble());
        // The API is still served on --urls beside it, and OTLP/HTTP too.
        await ExportLogsAsync(alice, OtlpRequests.UserPrompt("http-beside-grpc", "hello"));
        Assert.Single((await TelemetryAsync(alice, "http-beside-grpc")).GetProperty("events").EnumerateArray());
    }

    [Fact]
    [Trait("spec", "OTL-6")]
    [Trait("spec", "OTL-2")]
    [Trait("spec", "CUS-78")]
    public async Task gRPC_answers_in_gRPC_statuses_refuses_without_a_key_names_malformed_requests_and_is_idempotent()
    {
        var grpc = await StartWithGrpcAsync(o => o with { MaxRequestBodyBytes = 64 * 1024 });
        var alice = await KeyAsync("alice");
        var logs = OtlpRequests.Logs(OtlpRequests.UserPrompt("g1", "hello"), OtlpRequests.UserPrompt("bad id!", "refused")).ToByteArray();

        var anonymous = await GrpcExportAsync(grpc, OtlpGrpc.LogsService, logs, null);
        Assert.Equal(16, anonymous.Status); // UNAUTHENTICATED
        Assert.Equal(16, (await GrpcExportAsync(grpc, OtlpGrpc.LogsService, logs, "cust_" + new string('B', 43))).Status);

        var stored = await GrpcExportAsync(grpc, OtlpGrpc.LogsService, logs, alice);
        Assert.True(stored.Status == 0, stored.Message);
        var (rejected, message) = OtlpResponses.Decode(OtlpSignal.Logs, OtlpEncoding.Protobuf, stored.Response);
        Assert.Equal(1, rejected);
        Assert.Contains("session.id", message, StringComparison.Ordinal);
        Assert.Equal(0, (await GrpcExportAsync(grpc, OtlpGrpc.LogsService, logs, alice)).Status);
        Assert.Equal(1, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'g1' AND account_id = 'alice'"));

        var metrics = await GrpcExportAsync(grpc, OtlpGrpc.MetricsService, OtlpRequests.Metrics("g1", 5, 6).ToByteArray(), alice);
        Assert.True(metrics.Status == 0, metrics.Message);
        Assert.Empty(metrics.Response);
        Assert.Equal(2, (await TelemetryAsync(alice, "g1")).GetProperty("metrics").GetArrayLength());

        var malformed = await GrpcExportAsync(grpc, OtlpGrpc.LogsService, logs[..^3], alice);
        Assert.Equal(3, malformed.Status); // INVALID_ARGUMENT
        Assert.Contains("runs past the end", malformed.Message, StringComparison.Ordinal);
        var tooMany = OtlpRequests.Logs([.. Enumerable.Range(0, 1100).Select(i => OtlpRequests.Event("x", "g2", i))]).ToByteArray();
        var tooLarge = await GrpcExportAsync(grpc, OtlpGrpc.LogsService, tooMany, alice);
        Assert.NotEqual(0, tooLarge.Status); // over the message size limit: gRPC's own RESOURCE_EXHAUSTED
        Assert.Equal(0, await Db.ScalarAsync("SELECT COALESCE(SUM(records), 0) FROM telemetry WHERE session_id = 'g2'"));
    }

    [Fact]
    [Trait("spec", "OTL-3")]
    [Trait("spec", "CUS-74")]
    [Trait("spec", "CUS-78")]
    public async Task gRPC_telemetry_under_zero_data_retention_keeps_no_content()
    {
        var grpc = await StartWithGrpcAsync();
        var zoe = await ZeroDataRetentionUserAsync();
        var secret = Marker("grpc-zdr");

        var reply = await GrpcExportAsync(grpc, OtlpGrpc.LogsService, OtlpRequests.Logs(OtlpRequests.UserPrompt("gz", secret), OtlpRequests.ApiRequest("gz")).ToByteArray(), zoe);

        Assert.True(reply.Status == 0, reply.Message);
        Assert.Equal(0, await TelemetryRowsAsync(secret));
        var telemetry = await TelemetryAsync(zoe, "gz");
        Assert.False(SingleEvent(telemetry, "claude_code.user_prompt").GetProperty("attributes").TryGetProperty("prompt", out _));
        Assert.Equal("claude-sonnet-4-5", SingleEvent(telemetry, "claude_code.api_request").GetProperty("attributes").GetProperty("model").GetString());
    }
}
