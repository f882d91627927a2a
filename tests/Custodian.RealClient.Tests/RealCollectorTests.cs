using System.Security.Cryptography;
using Custodian.ClaudeCode.Testing;
using Custodian.Policy;
using Custodian.Server;
using Custodian.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.RealClient.Tests;

/// <summary>
/// The real client exporting its OpenTelemetry to Custodian's own collector (OTL-1): over http/protobuf, http/json
/// and grpc, with the key in <c>OTEL_EXPORTER_OTLP_HEADERS</c>. The prompt it sends (with <c>OTEL_LOG_USER_PROMPTS=1</c>)
/// holds a secret: it is stored redacted, and under zero data retention not at all (OTL-3).
/// </summary>
public sealed class RealCollectorTests
{
    [Theory]
    [InlineData("http/protobuf", false)]
    [InlineData("http/json", false)]
    [InlineData("grpc", false)]
    [InlineData("http/protobuf", true)]
    [Trait("spec", "OTL-1")]
    [Trait("spec", "OTL-2")]
    [Trait("spec", "OTL-3")]
    public async Task The_real_client_exports_to_custodian_serve_and_its_prompt_is_stored_redacted_or_under_ZDR_not_at_all(string protocol, bool zeroDataRetention)
    {
        var directory = Path.Combine(Path.GetTempPath(), "custodian-collector-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            await using var store = new SqliteCustodianStore(Path.Combine(directory, "custodian.db"));
            await store.InitializeAsync();
            var plan = zeroDataRetention ? Plan.Enterprise : Plan.Team;
            await store.EnsureOrganizationAsync(new Organization("acme", plan, false, false, zeroDataRetention));
            await store.EnsureAccountAsync(new Account("dev", Role.User, "acme", plan, DateTimeOffset.UtcNow));
            using var random = RandomNumberGenerator.Create();
            var (key, hash) = ApiKeys.Create(random);
            await store.AddApiKeyAsync("dev", hash, DateTimeOffset.UtcNow);

            await using var app = CustodianServer.Build(new ServerOptions
            {
                Store = store,
                Urls = ["http://127.0.0.1:0"],
                OtlpGrpcUrls = protocol == "grpc" ? ["http://127.0.0.1:0"] : [],
                JsonConsoleLogs = false,
            });
            await app.StartAsync();
            var grpc = app.Services.GetRequiredService<Custodian.Server.Internal.OtlpGrpcListeners>().Addresses;
            var api0 = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => !grpc.Contains(a));
            var endpoint = protocol == "grpc" ? Assert.Single(grpc) : api0;

            await using var api = await MessagesStandIn.StartAsync();
            using var sandbox = new ClaudeCodeSandbox(api);
            sandbox.Environment["CLAUDE_CODE_ENABLE_TELEMETRY"] = "1";
            sandbox.Environment["OTEL_LOGS_EXPORTER"] = "otlp";
            sandbox.Environment["OTEL_METRICS_EXPORTER"] = "otlp";
            sandbox.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
            sandbox.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint.TrimEnd('/');
            sandbox.Environment["OTEL_EXPORTER_OTLP_HEADERS"] = "Authorization=Bearer " + key;
            sandbox.Environment["OTEL_LOGS_EXPORT_INTERVAL"] = "200";
            sandbox.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
            sandbox.Environment["OTEL_LOG_USER_PROMPTS"] = "1";
            var prompt = $"Collector check, deploy with {RealClientKit.GitHubToken} and say ok";
            api.Script(prompt, ScriptedTurn.Text("ok"));

            var run = await sandbox.PrintAsync(prompt);
            Assert.False(run.IsError, run.Describe());

            IReadOnlyList<StoredTelemetry> telemetry = [];
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                telemetry = await store.GetSessionTelemetryAsync(run.SessionId, TelemetryAudience.Own("dev"), DateTimeOffset.UtcNow);
                if (telemetry.Any(t => t.Name == "claude_code.user_prompt") && telemetry.Any(t => t.Name == "claude_code.api_request")) break;
                await Task.Delay(100);
            }

            var userPrompt = Assert.Single(telemetry, t => t.Name == "claude_code.user_prompt");
            Assert.Contains(telemetry, t => t.Name == "claude_code.api_request");
            Assert.All(telemetry, t => Assert.Equal("dev", t.AccountId));
            Assert.All(telemetry, t => Assert.DoesNotContain(RealClientKit.GitHubToken, t.Payload, StringComparison.Ordinal));
            Assert.Contains("\"session.id\":\"" + run.SessionId + "\"", userPrompt.Payload, StringComparison.Ordinal);
            if (zeroDataRetention)
            {
                Assert.All(telemetry, t => Assert.DoesNotContain("Collector check", t.Payload, StringComparison.Ordinal));
                Assert.DoesNotContain("\"prompt\":", userPrompt.Payload, StringComparison.Ordinal);
                Assert.Contains("\"prompt_length\":", userPrompt.Payload, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("\"prompt\":\"Collector check, deploy with [REDACTED:", userPrompt.Payload, StringComparison.Ordinal);
            }

            await app.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
