using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Custodian.Policy;
using Custodian.Server;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;

namespace Custodian.Feedback.Tests;

/// <summary>
/// <c>custodian feedback</c> against the real server, in-process on 127.0.0.1: uploads with the right kind when the
/// policy and credentials allow; otherwise the local archive or a refusal, and the server receives nothing.
/// </summary>
public sealed class FeedbackUploadTests : IAsyncLifetime
{
    private readonly BundleTree _tree = new();
    private SqliteCustodianStore _store = null!;
    private WebApplication _app = null!;
    private string _url = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteCustodianStore(Path.Combine(_tree.Root, "server.db"));
        await _store.InitializeAsync();
        _app = CustodianServer.Build(new ServerOptions { Store = _store, Urls = ["http://127.0.0.1:0"], JsonConsoleLogs = false });
        await _app.StartAsync();
        _url = _app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", _url, StringComparison.Ordinal);

        await _store.EnsureAccountAsync(new Account("alice", Role.User, null, Plan.Pro, DateTimeOffset.UtcNow));
        using var random = RandomNumberGenerator.Create();
        var (key, hash) = ApiKeys.Create(random);
        await _store.AddApiKeyAsync("alice", hash, DateTimeOffset.UtcNow);
        _key = key;

        _tree.AddSession("s-current", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 1, log: true);
        _tree.AddSession("s-earlier", "session_b.jsonl", TimeSpan.FromHours(6));
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _store.DisposeAsync();
        _tree.Dispose();
    }

    private void WithServer()
    {
        _tree.Environment["CUSTODIAN_SERVER_URL"] = _url;
        _tree.Environment["CUSTODIAN_API_KEY"] = _key;
    }

    private Task<IReadOnlyList<FeedbackRecord>> StoredAsync() => _store.ListFeedbackAsync("alice", DateTimeOffset.UtcNow);

    [Fact]
    [Trait("spec", "FBK-1")]
    [Trait("spec", "FBK-4")]
    [Trait("spec", "FLW-5")]
    public async Task With_server_credentials_the_bundle_is_uploaded_as_feedback_and_nothing_stays_local()
    {
        WithServer();

        var result = await _tree.RunAsync("feedback", "--yes", "--json", "--scope", "24h");

        Assert.True(result.ExitCode == 0, result.ToString());
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("uploaded", (string)doc["result"]!);
        Assert.Equal("upload", (string)doc["destination"]!);
        var stored = Assert.Single(await StoredAsync());
        Assert.Equal((string)doc["serverId"]!, stored.Id);
        Assert.Equal(FeedbackKind.Feedback, stored.Kind);
        Assert.Equal(["s-current", "s-earlier"], stored.SessionIds);
        Assert.Equal((long)doc["bundleBytes"]!, stored.Bytes);
        Assert.Empty(_tree.ArchiveFiles()); // no final bundle, no temporary file
        Assert.DoesNotContain(_key, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "FBK-5")]
    [Trait("spec", "RET-4")]
    public async Task The_receipt_carries_the_servers_retention_and_training_decision()
    {
        WithServer();

        var doc = JsonNode.Parse((await _tree.RunAsync("feedback", "--yes", "--json")).Stdout)!;

        // A pro user who did not allow model improvement: kept 5 years, not training data (FBK-5 under TRN-1).
        Assert.Equal("P5Y", (string)doc["retention"]!);
        Assert.False((bool)doc["trainingEligible"]!);
        Assert.False(Assert.Single(await StoredAsync()).TrainingEligible);
    }

    [Theory]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "SHR-4")]
    [InlineData("CLAUDE_CODE_USE_BEDROCK")]
    [InlineData("CLAUDE_CODE_USE_VERTEX")]
    [InlineData("CLAUDE_CODE_USE_FOUNDRY")]
    [InlineData("CUSTODIAN_GATEWAY")]
    public async Task Third_party_platforms_and_gateway_sessions_write_the_local_archive_and_send_nothing(string variable)
    {
        WithServer();
        _tree.Environment[variable] = "1";

        var result = await _tree.RunAsync("feedback", "--yes", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("local-archive", (string)doc["destination"]!);
        Assert.Equal("FBK-3", (string)doc["rule"]!);
        Assert.Single(_tree.FinalBundles());
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    [Trait("spec", "FBK-3")]
    public async Task Without_credentials_the_bundle_goes_to_the_local_archive_and_the_server_receives_nothing()
    {
        var result = await _tree.RunAsync("feedback", "--yes", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("local-archive", (string)JsonNode.Parse(result.Stdout)!["destination"]!);
        Assert.Single(_tree.FinalBundles());
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "CUS-20")]
    public async Task Signed_in_to_claude_but_without_a_custodian_server_url_it_stays_local()
    {
        _tree.WriteConfigFile(".credentials.json", """{"claudeAiOauth": {"accessToken": "tok", "subscriptionType": "max"}}""");
        _tree.Environment["CUSTODIAN_API_KEY"] = _key;

        var result = await _tree.RunAsync("feedback", "--yes", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("local-archive", (string)doc["destination"]!);
        Assert.Equal("FBK-3", (string)doc["rule"]!);
        Assert.Contains("CUSTODIAN_SERVER_URL", (string)doc["because"]!, StringComparison.Ordinal);
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    [Trait("spec", "CUS-20")]
    public async Task A_custodian_key_alone_is_server_credentials_for_the_policy()
    {
        WithServer();

        var policy = JsonNode.Parse((await _tree.RunAsync("policy", "--json")).Stdout)!;
        _tree.Environment.Clear();
        var without = JsonNode.Parse((await _tree.RunAsync("policy", "--json")).Stdout)!;

        Assert.Equal("upload", (string)policy["feedbackCommand"]!["destination"]!);
        Assert.Equal("local-archive", (string)without["feedbackCommand"]!["destination"]!);
    }

    [Theory]
    [Trait("spec", "FBK-2")]
    [InlineData("DISABLE_FEEDBACK_COMMAND")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")]
    public async Task Disabled_feedback_is_refused_and_the_server_receives_nothing(string variable)
    {
        WithServer();
        _tree.Environment[variable] = "1";

        var result = await _tree.RunAsync("feedback", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FBK-2", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(await StoredAsync());
        Assert.Empty(_tree.ArchiveFiles());
    }

    [Fact]
    [Trait("spec", "SRV-4")]
    [Trait("spec", "CUS-16")]
    public async Task In_otel_override_mode_feedback_stays_local()
    {
        WithServer();
        _tree.Environment["DISABLE_TELEMETRY"] = "1";
        _tree.Environment["CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL"] = "1";

        var result = await _tree.RunAsync("feedback", "--yes", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("local-archive", (string)JsonNode.Parse(result.Stdout)!["destination"]!);
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    public async Task A_refused_upload_fails_and_keeps_nothing()
    {
        WithServer();
        _tree.Environment["CUSTODIAN_API_KEY"] = "cust_not-a-real-key";

        var result = await _tree.RunAsync("feedback", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HTTP 401", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("cust_not-a-real-key", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(await StoredAsync());
        Assert.Empty(_tree.ArchiveFiles());
    }

    [Fact]
    public async Task An_unreachable_server_fails_and_keeps_nothing()
    {
        WithServer();
        _tree.Environment["CUSTODIAN_SERVER_URL"] = "http://127.0.0.1:9";

        var result = await _tree.RunAsync("feedback", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("could not reach", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_tree.ArchiveFiles());
    }
}
