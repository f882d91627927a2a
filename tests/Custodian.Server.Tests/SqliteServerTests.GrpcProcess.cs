using System.Globalization;
using System.Net;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary><c>custodian serve --otlp-grpc-urls</c> as a process: the API beside the gRPC receiver speaks HTTP/1.1, warning-free.</summary>
public sealed partial class SqliteServerTests
{
    [Fact]
    [Trait("spec", "CUS-78")]
    public async Task Beside_a_gRPC_receiver_the_cleartext_API_is_declared_HTTP_1_1_and_the_server_starts_without_a_warning()
    {
        var grpcPort = PostgresCluster.FreePort();
        await using var server = await ServerProcess.StartAsync(Db.CliArgument, null,
            "--otlp-grpc-urls", "http://127.0.0.1:" + grpcPort.ToString(CultureInfo.InvariantCulture));
        using var http = new HttpClient { BaseAddress = server.Address };

        using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpVersion.Version11, health.Version);
        // Kestrel warns at start when an endpoint offers HTTP/2 without TLS to negotiate it (h2c needs prior knowledge).
        Assert.DoesNotContain("HTTP/2 is not enabled", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn", server.Output, StringComparison.OrdinalIgnoreCase);
    }
}
