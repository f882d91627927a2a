using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Server.Tests;

/// <summary>An HTTP response, read whole.</summary>
public sealed record Reply(HttpStatusCode Status, string? MediaType, string Body)
{
    public int Code => (int)Status;

    public JsonElement Json
    {
        get
        {
            using var doc = JsonDocument.Parse(Body);
            return doc.RootElement.Clone();
        }
    }

    public override string ToString() => $"{Code} {MediaType}: {Body}";
}

/// <summary>
/// The server integration suite, run unchanged against each store (see <see cref="SqliteServerTests"/> and
/// <see cref="PostgresServerTests"/>). Every test gets its own database and its own server, started with
/// <see cref="CustodianServer.Build"/> on a free loopback port with a fake clock, and talks to it over real HTTP.
/// </summary>
public abstract partial class ServerSuite : IAsyncLifetime
{
    /// <summary>The fake clock's start: a Monday morning.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Longer than any single clock step a test takes unless it means to trigger the sweeper.</summary>
    protected static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromDays(45);

    private WebApplication? _app;

    protected FakeTimeProvider Time { get; } = new(T0);

    protected TestStore Db { get; private set; } = null!;

    protected ICustodianStore Store { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    protected Uri BaseAddress { get; private set; } = null!;

    /// <summary>The running server's services (its writer, its gRPC listeners).</summary>
    protected IServiceProvider Services => _app!.Services;

    protected abstract Task<TestStore> CreateTestStoreAsync();

    public async Task InitializeAsync()
    {
        Db = await CreateTestStoreAsync();
        Store = Db.Open();
        await Store.InitializeAsync();
        await StartServerAsync(o => o);
    }

    public async Task DisposeAsync()
    {
        await StopServerAsync();
        await Store.DisposeAsync();
        await Db.DisposeAsync();
    }

    /// <summary>(Re)starts the in-process server on <see cref="Store"/> with the default test options, adjusted.</summary>
    protected async Task StartServerAsync(Func<ServerOptions, ServerOptions> configure)
    {
        await StopServerAsync();
        var options = configure(new ServerOptions
        {
            Store = Store,
            Urls = ["http://127.0.0.1:0"],
            Time = Time,
            JsonConsoleLogs = false,
            SweepInterval = DefaultSweepInterval,
        });
        _app = CustodianServer.Build(options);
        await _app.StartAsync();
        // The API's address; the OTLP gRPC receiver's, when there is one, is apart (OtlpGrpcAddress).
        var grpc = _app.Services.GetRequiredService<Custodian.Server.Internal.OtlpGrpcListeners>().Addresses;
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => !grpc.Contains(a));
        BaseAddress = new Uri(address);
        Assert.Equal("127.0.0.1", BaseAddress.Host);
        Assert.NotEqual(0, BaseAddress.Port);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    protected async Task StopServerAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    // ---- accounts ----------------------------------------------------------------------------------------------

    /// <summary>Provisions an account (and its org) through the store, as <c>custodian keys create</c> does, and returns a new key.</summary>
    protected async Task<string> KeyAsync(string subject, Role role = Role.User, Plan plan = Plan.Pro, string? org = null)
    {
        if (org is not null) await Store.EnsureOrganizationAsync(new Organization(org, plan, false, false, false));
        await Store.EnsureAccountAsync(new Account(subject, role, org, plan, Time.GetUtcNow()));
        using var random = RandomNumberGenerator.Create();
        var (key, hash) = ApiKeys.Create(random);
        await Store.AddApiKeyAsync(subject, hash, Time.GetUtcNow());
        return key;
    }

    protected Task<string> OperatorAsync(string subject = "ops") => KeyAsync(subject, Role.Operator);

    // ---- HTTP ---------------------------------------------------------------------------------------------------

    protected async Task<Reply> SendAsync(
        HttpMethod method, string path, string? key, HttpContent? content = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    protected Task<Reply> GetAsync(string path, string? key) => SendAsync(HttpMethod.Get, path, key);

    protected Task<Reply> DeleteAsync(string path, string? key) => SendAsync(HttpMethod.Delete, path, key);

    protected Task<Reply> PutJsonAsync(string path, string? key, string json) =>
        SendAsync(HttpMethod.Put, path, key, new StringContent(json, Encoding.UTF8, "application/json"));

    protected Task<Reply> PostJsonAsync(string path, string? key, string json, IEnumerable<(string Name, string Value)>? headers = null) =>
        SendAsync(HttpMethod.Post, path, key, new StringContent(json, Encoding.UTF8, "application/json"), headers);

    /// <summary>Posts one event per marker (a JSON array), optionally naming the repository (ACC-1).</summary>
    protected Task<Reply> PostEventsAsync(string key, string session, IEnumerable<string> markers, string? repository = null) =>
        PostJsonAsync($"/v1/sessions/{session}/events", key, EventsJson(markers),
            repository is null ? null : [(SessionRepositoryHeader, repository)]);

    protected const string SessionRepositoryHeader = "Custodian-Repository";

    protected static string EventsJson(IEnumerable<string> markers) =>
        JsonSerializer.Serialize(markers.Select(m => new { type = "user", text = "prompt " + m, code = "print('" + m + "')" }));

    /// <summary>Posts events and asserts they were stored (201).</summary>
    protected async Task<JsonElement> CaptureAsync(string key, string session, params string[] markers)
    {
        var reply = await PostEventsAsync(key, session, markers);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.Equal(markers.Length, reply.Json.GetProperty("stored").GetInt32());
        return reply.Json;
    }

    protected async Task SetConsentAsync(string key, bool allow)
    {
        var reply = await PutJsonAsync("/v1/me/privacy", key, allow ? "{\"allowModelImprovement\":true}" : "{\"allowModelImprovement\":false}");
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal(allow, reply.Json.GetProperty("allowModelImprovement").GetBoolean());
    }

    protected Task<Reply> PostBundleAsync(string key, string kind, byte[] bundle)
    {
        var content = new ByteArrayContent(bundle);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return SendAsync(HttpMethod.Post, "/v1/feedback", key, content, [("Custodian-Bundle-Kind", kind)]);
    }

    protected async Task<Reply> RateAsync(string key, string session, int rating, string appearance = "appearance-1") =>
        await PostJsonAsync("/v1/survey/ratings", key,
            JsonSerializer.Serialize(new { sessionId = session, appearanceId = appearance, rating }));

    /// <summary>The training export as parsed NDJSON lines (asserting success).</summary>
    protected async Task<List<JsonElement>> ExportAsync(string operatorKey)
    {
        var reply = await GetAsync("/v1/export/training", operatorKey);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal("application/x-ndjson", reply.MediaType);
        return reply.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.Clone();
        }).ToList();
    }

    /// <summary>The markers of every event in a session as its owner reads it (asserting 200).</summary>
    protected async Task<List<JsonElement>> SessionEventsAsync(string key, string session)
    {
        var reply = await GetAsync($"/v1/sessions/{session}", key);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return [.. reply.Json.GetProperty("events").EnumerateArray()];
    }

    protected async Task<List<JsonElement>> AuditEntriesAsync(string operatorKey)
    {
        var reply = await GetAsync("/v1/audit", operatorKey);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.True(reply.Json.GetProperty("intact").GetBoolean(), reply.Body);
        return [.. reply.Json.GetProperty("entries").EnumerateArray()];
    }

    /// <summary>Asserts an RFC 9457 problem response with this status whose detail mentions <paramref name="detail"/>.</summary>
    protected static JsonElement AssertProblem(Reply reply, int status, string? detail = null, string? rule = null)
    {
        Assert.True(reply.Code == status, $"expected {status}, got {reply}");
        Assert.Equal("application/problem+json", reply.MediaType);
        var json = reply.Json;
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()), reply.Body);
        if (detail is not null) Assert.Contains(detail, json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (rule is not null) Assert.Equal(rule, json.GetProperty("rule").GetString());
        return json;
    }

    protected static string Marker(string what) => $"MARK-{what}-{Guid.NewGuid():N}";

    protected static bool Mentions(IEnumerable<JsonElement> lines, string marker) =>
        lines.Any(l => l.GetRawText().Contains(marker, StringComparison.Ordinal));

    /// <summary>Waits for a condition the background sweeper brings about (a liveness bound, not a timing assertion).</summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"never happened: {what}");
            await Task.Delay(50);
        }
    }
}
