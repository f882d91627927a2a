using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Server;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;

namespace Custodian.Web.Tests;

/// <summary>A real Custodian server on a free 127.0.0.1 port, with its own SQLite database, for one test.</summary>
public sealed class WebServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private WebServer(string directory, SqliteCustodianStore store, WebApplication app, Uri address)
    {
        _directory = directory;
        Store = store;
        _app = app;
        BaseAddress = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public ICustodianStore Store { get; }

    public Uri BaseAddress { get; }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public static async Task<WebServer> StartAsync(TimeProvider? time = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "custodian-web-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var store = new SqliteCustodianStore(Path.Combine(directory, "custodian.db"));
        await store.InitializeAsync();
        var app = CustodianServer.Build(new ServerOptions
        {
            Store = store,
            Urls = ["http://127.0.0.1:0"],
            JsonConsoleLogs = false,
            Time = time ?? TimeProvider.System,
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        Assert.Equal("127.0.0.1", address.Host);
        return new WebServer(directory, store, app, address);
    }

    /// <summary>Provisions an account (and its org) as <c>custodian keys create</c> does; returns its new API key.</summary>
    public async Task<string> KeyAsync(string subject, Role role = Role.User, Plan plan = Plan.Pro, string? org = null)
    {
        if (org is not null) await Store.EnsureOrganizationAsync(new Organization(org, plan, false, false, false));
        await Store.EnsureAccountAsync(new Account(subject, role, org, plan, DateTimeOffset.UtcNow));
        using var random = RandomNumberGenerator.Create();
        var (key, hash) = ApiKeys.Create(random);
        await Store.AddApiKeyAsync(subject, hash, DateTimeOffset.UtcNow);
        return key;
    }

    /// <summary>An API call with a bearer key, answered as status and JSON body.</summary>
    public async Task<(int Status, JsonElement Body)> ApiAsync(HttpMethod method, string path, string key, object? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null) request.Content = JsonContent.Create(json);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>Posts session events through the API, as a client would.</summary>
    public async Task<JsonElement> PostEventsAsync(string key, string sessionId, params string[] texts)
    {
        var events = string.Join(",", texts.Select(t => JsonSerializer.Serialize(new { type = "user", text = t })));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sessions/{sessionId}/events")
        {
            Content = new StringContent("[" + events + "]", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Posts an OTLP/JSON export request to <c>/v1/metrics</c>, as Claude Code's exporter does, and asserts it was taken.</summary>
    public async Task PostMetricsAsync(string key, string otlpJson)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/metrics")
        {
            Content = new StringContent(otlpJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode && text == "{}", $"{(int)response.StatusCode} {text}");
    }

    /// <summary>A request without any credentials.</summary>
    public Task<HttpResponseMessage> GetAnonymousAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; a test must not fail over it.
        }
    }
}
