using System.Net.Http.Headers;
using System.Security.Cryptography;
using Custodian.ClaudeCode.Testing;
using Custodian.Policy;
using Custodian.Postgres.Testing;
using Custodian.Server;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.RealClient.Tests;

/// <summary>The tests that need PostgreSQL share one cluster.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}

/// <summary>
/// <c>custodian serve</c> in-process on 127.0.0.1 as an organization's collector, on SQLite in a temporary folder or on
/// a database of its own in the test PostgreSQL cluster: organization <c>acme</c> (Team, or Enterprise under zero data
/// retention) with the user <c>dev</c>, whose key the client exports with, and the user <c>other</c> of the same
/// organization.
/// </summary>
public sealed class CollectorServer : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly PostgresCluster? _cluster;
    private readonly string? _database;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private CollectorServer(ICustodianStore store, WebApplication app, string? directory, PostgresCluster? cluster, string? database, string devKey, string otherKey, string api, string? grpc)
    {
        Store = store;
        _app = app;
        _directory = directory;
        _cluster = cluster;
        _database = database;
        DevKey = devKey;
        OtherKey = otherKey;
        ApiAddress = api;
        GrpcAddress = grpc;
        _http = new HttpClient { BaseAddress = new Uri(api) };
    }

    /// <summary>The server's store.</summary>
    public ICustodianStore Store { get; }

    /// <summary>The key of <c>dev</c>, the user whose client exports.</summary>
    public string DevKey { get; }

    /// <summary>The key of <c>other</c>, another user of the organization.</summary>
    public string OtherKey { get; }

    /// <summary>The API's address (OTLP/HTTP too).</summary>
    public string ApiAddress { get; }

    /// <summary>The OTLP gRPC receiver's address, when started with one.</summary>
    public string? GrpcAddress { get; }

    /// <summary>Starts a collector on <paramref name="cluster"/> (PostgreSQL) or, when null, on SQLite.</summary>
    public static async Task<CollectorServer> StartAsync(PostgresCluster? cluster, bool zeroDataRetention = false, bool grpc = false)
    {
        string? directory = null, database = null;
        ICustodianStore store;
        if (cluster is null)
        {
            directory = Path.Combine(Path.GetTempPath(), "custodian-collector-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            store = new SqliteCustodianStore(Path.Combine(directory, "custodian.db"));
        }
        else
        {
            database = await cluster.CreateDatabaseAsync();
            store = new PostgresCustodianStore(database);
        }

        await store.InitializeAsync();
        var plan = zeroDataRetention ? Plan.Enterprise : Plan.Team;
        await store.EnsureOrganizationAsync(new Organization("acme", plan, false, false, zeroDataRetention));
        using var random = RandomNumberGenerator.Create();
        async Task<string> UserAsync(string id)
        {
            await store.EnsureAccountAsync(new Account(id, Role.User, "acme", plan, DateTimeOffset.UtcNow));
            var (key, hash) = ApiKeys.Create(random);
            await store.AddApiKeyAsync(id, hash, DateTimeOffset.UtcNow);
            return key;
        }

        var dev = await UserAsync("dev");
        var other = await UserAsync("other");
        var app = CustodianServer.Build(new ServerOptions
        {
            Store = store,
            Urls = ["http://127.0.0.1:0"],
            OtlpGrpcUrls = grpc ? ["http://127.0.0.1:0"] : [],
            JsonConsoleLogs = false,
        });
        await app.StartAsync();
        var grpcAddresses = app.Services.GetRequiredService<Custodian.Server.Internal.OtlpGrpcListeners>().Addresses;
        var api = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => !grpcAddresses.Contains(a));
        return new CollectorServer(store, app, directory, cluster, database, dev, other, api, grpc ? grpcAddresses.Single() : null);
    }

    /// <summary>Points the sandbox's client at this collector with <c>dev</c>'s key, exporting often.</summary>
    public void ExportFrom(ClaudeCodeSandbox sandbox, string protocol)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var endpoint = protocol == "grpc" ? GrpcAddress ?? throw new InvalidOperationException("started without a gRPC receiver") : ApiAddress;
        sandbox.Environment["CLAUDE_CODE_ENABLE_TELEMETRY"] = "1";
        sandbox.Environment["OTEL_LOGS_EXPORTER"] = "otlp";
        sandbox.Environment["OTEL_METRICS_EXPORTER"] = "otlp";
        sandbox.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
        sandbox.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint.TrimEnd('/');
        sandbox.Environment["OTEL_EXPORTER_OTLP_HEADERS"] = "Authorization=Bearer " + DevKey;
        sandbox.Environment["OTEL_LOGS_EXPORT_INTERVAL"] = "200";
        sandbox.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
    }

    /// <summary>Sends a request to the API with <paramref name="key"/>; returns the status and the body.</summary>
    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string key)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls until <paramref name="done"/> holds for the result of <paramref name="read"/>, or 30 s pass; returns the last result.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var result = await read();
        while (!done(result) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            result = await read();
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }

        if (_cluster is not null && _database is not null) await _cluster.DropDatabaseAsync(_database);
    }
}
