using System.Net;
using System.Text;

namespace Custodian.Server.Tests;

public abstract partial class ServerSuite
{
    [Fact]
    public async Task Healthz_reports_the_store_and_needs_no_key()
    {
        var reply = await GetAsync("/healthz", key: null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("ok", reply.Json.GetProperty("status").GetString());
        Assert.True(reply.Json.GetProperty("storeReachable").GetBoolean());
        Assert.Equal(Store.Description, reply.Json.GetProperty("store").GetString());
        Assert.StartsWith(Db.Kind + ":", Store.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_api()
    {
        var reply = await GetAsync("/openapi/v1.json", key: null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        Assert.StartsWith("3.", reply.Json.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = reply.Json.GetProperty("paths");
        foreach (var path in new[] { "/v1/sessions/{id}/events", "/v1/sessions", "/v1/sessions/{id}", "/v1/survey/ratings", "/v1/feedback",
                     "/v1/me/privacy", "/v1/orgs/{id}/policy", "/v1/export/training", "/v1/audit", "/healthz", "/v1/config" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from {reply.Body}");
        }
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public async Task Config_publishes_the_survey_rate_to_anyone()
    {
        var reply = await GetAsync("/v1/config", key: null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(0.005, reply.Json.GetProperty("feedbackSurveyRate").GetDouble());
    }

    [Theory]
    [InlineData("GET", "/v1/sessions")]
    [InlineData("GET", "/v1/sessions/s1")]
    [InlineData("DELETE", "/v1/sessions/s1")]
    [InlineData("POST", "/v1/sessions/s1/events")]
    [InlineData("POST", "/v1/survey/ratings")]
    [InlineData("POST", "/v1/feedback")]
    [InlineData("GET", "/v1/me/privacy")]
    [InlineData("PUT", "/v1/me/privacy")]
    [InlineData("GET", "/v1/orgs/acme/policy")]
    [InlineData("PUT", "/v1/orgs/acme/policy")]
    [InlineData("GET", "/v1/export/training")]
    [InlineData("GET", "/v1/audit")]
    [Trait("spec", "ACC-2")]
    public async Task Every_api_endpoint_refuses_a_missing_or_unknown_key_with_401_problem(string method, string path)
    {
        var valid = await KeyAsync("alice");
        var unknown = valid[..^4] + (valid.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        foreach (var (label, headers) in new (string, (string, string)[])[]
        {
            ("no header", []),
            ("unknown key", [("Authorization", "Bearer " + unknown)]),
            ("not a bearer key", [("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + valid)))]),
            ("empty bearer", [("Authorization", "Bearer ")]),
        })
        {
            var content = method is "POST" or "PUT" ? new StringContent("[{\"type\":\"user\"}]", Encoding.UTF8, "application/json") : null;
            var reply = await SendAsync(new HttpMethod(method), path, key: null, content, headers);
            AssertProblem(reply, 401, "Bearer");
            Assert.False(reply.Body.Contains(valid, StringComparison.Ordinal), label);
        }

        Assert.Empty(await Db.TextsAsync("SELECT id FROM sessions"));
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task Keys_are_stored_only_as_hashes()
    {
        var key = await KeyAsync("alice");

        var reply = await GetAsync("/v1/me/privacy", key);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM api_keys WHERE account_id = 'alice'"));
        var dump = string.Join("|", await Db.TextsAsync("SELECT account_id FROM api_keys"));
        Assert.DoesNotContain(key, dump, StringComparison.Ordinal);
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM api_keys WHERE hash = @h", ("h", ApiKeys.Hash(key))));
    }

    [Theory]
    [InlineData("GET", "/nothing-here")]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("GET", "/v1/sessions/s1/events/extra")]
    public async Task Unknown_routes_get_404_problem(string method, string path)
    {
        var key = await KeyAsync("alice");

        var reply = await SendAsync(new HttpMethod(method), path, key);

        AssertProblem(reply, 404, path);
    }

    [Fact]
    public async Task Unknown_route_without_a_key_is_404_not_401()
    {
        var reply = await GetAsync("/nope/nope", key: null);

        AssertProblem(reply, 404, "no such resource: GET /nope/nope");
    }

    [Fact]
    public async Task Wrong_method_is_405_problem()
    {
        var key = await KeyAsync("alice");

        var reply = await SendAsync(HttpMethod.Patch, "/v1/sessions", key);
        AssertProblem(reply, 405, "PATCH");

        reply = await SendAsync(HttpMethod.Post, "/v1/sessions/s1", key);
        AssertProblem(reply, 405, "POST");
    }
}
