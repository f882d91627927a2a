using System.Collections.Concurrent;
using System.Security.Cryptography;
using Custodian.Policy;
using Custodian.Server;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custodian.Feedback.Tests;

/// <summary>The real Custodian server in-process on 127.0.0.1 with a SQLite store, recording every request path it receives.</summary>
internal sealed class LoopbackCustodianServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private readonly ConcurrentQueue<string> _requests;

    private LoopbackCustodianServer(WebApplication app, SqliteCustodianStore store, string directory, Uri address, ConcurrentQueue<string> requests)
    {
        _app = app;
        Store = store;
        _directory = directory;
        Address = address;
        _requests = requests;
    }

    public SqliteCustodianStore Store { get; }

    public Uri Address { get; }

    public static async Task<LoopbackCustodianServer> StartAsync()
    {
        var directory = SurveyTestKit.TempDir();
        var store = new SqliteCustodianStore(Path.Combine(directory, "custodian.db"));
        await store.InitializeAsync();
        var app = CustodianServer.Build(new ServerOptions { Store = store, Urls = ["http://127.0.0.1:0"], JsonConsoleLogs = false });
        var requests = new ConcurrentQueue<string>();
        // Minimal-API apps run app.Use middleware before routing to endpoints, so this sees every request.
        app.Use(async (context, next) =>
        {
            requests.Enqueue(context.Request.Method + " " + context.Request.Path);
            await next(context);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new LoopbackCustodianServer(app, store, directory, address, requests);
    }

    /// <summary>Every request the server received so far, as <c>METHOD /path</c>.</summary>
    public IReadOnlyList<string> Received => [.. _requests];

    /// <summary>Provisions a user as <c>custodian keys create</c> does and returns their new key.</summary>
    public async Task<string> KeyAsync(string subject, Plan plan = Plan.Pro)
    {
        await Store.EnsureAccountAsync(new Account(subject, Role.User, null, plan, DateTimeOffset.UtcNow));
        using var random = RandomNumberGenerator.Create();
        var (key, hash) = ApiKeys.Create(random);
        await Store.AddApiKeyAsync(subject, hash, DateTimeOffset.UtcNow);
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A tiny OTLP/HTTP receiver on 127.0.0.1: <c>POST /v1/logs</c>, <c>/v1/traces</c>, <c>/v1/metrics</c>, keeping the raw protobuf bodies.</summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, Uri endpoint, ConcurrentQueue<(string Path, byte[] Body)> received)
    {
        _app = app;
        Endpoint = endpoint;
        ReceivedQueue = received;
    }

    public Uri Endpoint { get; }

    private ConcurrentQueue<(string Path, byte[] Body)> ReceivedQueue { get; }

    public IReadOnlyList<(string Path, byte[] Body)> Received => [.. ReceivedQueue];

    /// <summary>Every body received on <paramref name="path"/>, as text (protobuf keeps strings as raw UTF-8).</summary>
    public string Text(string path = "/v1/logs") =>
        string.Concat(Received.Where(r => r.Path == path).Select(r => System.Text.Encoding.UTF8.GetString(r.Body)));

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var received = new ConcurrentQueue<(string, byte[])>();
        foreach (var signal in new[] { "logs", "traces", "metrics" })
        {
            app.MapPost("/v1/" + signal, async (HttpContext context) =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                received.Enqueue((context.Request.Path, buffer.ToArray()));
                // An empty Export*ServiceResponse is a zero-length protobuf message: full success.
                return Results.Bytes([], "application/x-protobuf");
            });
        }

        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new OtlpReceiver(app, address, received);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
