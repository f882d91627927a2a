using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Custodian.Policy;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>Malformed requests: bad JSON, wrong types, unknown fields, bad bundles, oversized bodies.</summary>
public abstract partial class ServerSuite
{
    public static TheoryData<string, string, string, string> BadBodies => new()
    {
        { "POST", "/v1/sessions/s1/events", "[{\"type\":\"user\"},", "invalid JSON" },
        { "POST", "/v1/sessions/s1/events", "[1, 2]", "event [0] is not a JSON object" },
        { "POST", "/v1/sessions/s1/events", "[{\"a\":1}, \"text\"]", "event [1] is not a JSON object" },
        { "POST", "/v1/sessions/s1/events", "{\"a\":1}\n{\"b\":\n", "NDJSON line 2: invalid JSON" },
        { "POST", "/v1/sessions/s1/events", "{\"a\":1}\n[2]\n", "NDJSON line 2 is not a JSON object" },
        { "POST", "/v1/sessions/s1/events", "   ", "the body is empty" },
        { "POST", "/v1/sessions/s1/events", "[]", "no events" },
        { "POST", "/v1/sessions/bad%20id/events", "[{\"a\":1}]", "session id" },
        { "PUT", "/v1/me/privacy", "{\"allowModelImprovement\":", "invalid JSON" },
        { "PUT", "/v1/me/privacy", "{\"allowModelImprovement\":\"yes\"}", "allowModelImprovement: required, true or false" },
        { "PUT", "/v1/me/privacy", "{\"allowModelImprovement\":1}", "allowModelImprovement: required, true or false" },
        { "PUT", "/v1/me/privacy", "{}", "allowModelImprovement: required" },
        { "PUT", "/v1/me/privacy", "{\"allowModelImprovement\":true,\"trainOnEverything\":true}", "trainOnEverything: unknown field" },
        { "PUT", "/v1/me/privacy", "[true]", "expected a JSON object" },
        { "POST", "/v1/survey/ratings", "{\"sessionId\":\"s1\",\"appearanceId\":\"a\",\"rating\":\"3\"}", "rating: required" },
        { "POST", "/v1/survey/ratings", "{\"sessionId\":\"s1\",\"appearanceId\":\"a\",\"rating\":4}", "rating: required, 0 (dismiss)" },
        { "POST", "/v1/survey/ratings", "{\"sessionId\":\"s1\",\"appearanceId\":\"a\",\"rating\":2.5}", "rating: required" },
        { "POST", "/v1/survey/ratings", "{\"sessionId\":7,\"appearanceId\":\"a\",\"rating\":2}", "sessionId: required" },
        { "POST", "/v1/survey/ratings", "{\"sessionId\":\"s1\",\"rating\":2}", "appearanceId: required" },
        { "POST", "/v1/survey/ratings", "not json", "invalid JSON" },
        { "PUT", "/v1/orgs/org/policy", "{\"zeroDataRetention\":\"yes\"}", "zeroDataRetention: must be true or false" },
        { "PUT", "/v1/orgs/org/policy", "{\"developmentPartnerProgram\":null}", "developmentPartnerProgram: must be true or false" },
        { "PUT", "/v1/orgs/org/policy", "{\"shareEverything\":true}", "shareEverything: unknown field" },
        { "PUT", "/v1/orgs/org/policy", "{\"developmentPartnerProgram\":tru}", "invalid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_json_wrong_types_and_unknown_fields_are_400_problems_naming_the_problem(string method, string path, string body, string detail)
    {
        var key = path.Contains("/orgs/", StringComparison.Ordinal) ? await KeyAsync("admin", Role.OrgAdmin, Plan.Api, "org") : await KeyAsync("alice");

        var reply = await SendAsync(new HttpMethod(method), path, key, new StringContent(body, Encoding.UTF8, "application/json"));

        AssertProblem(reply, 400, detail);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM ratings"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM consents"));
        if (path.Contains("/orgs/", StringComparison.Ordinal))
            Assert.Equal(new Organization("org", Plan.Api, false, false, false), await Store.GetOrganizationAsync("org"));
    }

    [Fact]
    public async Task Ndjson_events_are_accepted_line_by_line()
    {
        var alice = await KeyAsync("alice");
        var content = new StringContent("{\"n\":1}\n\n{\"n\":2}\r\n{\"n\":3}", Encoding.UTF8, "application/x-ndjson");

        var reply = await SendAsync(HttpMethod.Post, "/v1/sessions/s1/events", alice, content);

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.Equal(3, reply.Json.GetProperty("stored").GetInt32());
        Assert.Equal([1, 2, 3], (await SessionEventsAsync(alice, "s1")).Select(e => e.GetProperty("event").GetProperty("n").GetInt32()));
    }

    public static TheoryData<string, string?, string> BadBundles => new()
    {
        { "no kind header", null, "Custodian-Bundle-Kind: required" },
        { "unknown kind", "bug-report", "Custodian-Bundle-Kind: required, 'feedback' or 'transcript-share'" },
        { "not gzip", "feedback", "not a gzip-compressed tar bundle" },
        { "gzip but not tar", "feedback", "the bundle" },
        { "manifest not first", "feedback", "first entry must be manifest.json" },
        { "no session ids", "feedback", "sessionIds: required" },
    };

    [Theory]
    [MemberData(nameof(BadBundles))]
    [Trait("spec", "FBK-1")]
    public async Task Malformed_bundles_are_400_problems(string what, string? kind, string detail)
    {
        var alice = await KeyAsync("alice");
        var body = what switch
        {
            "not gzip" => Encoding.UTF8.GetBytes("{\"sessionIds\":[\"s1\"]}"),
            "gzip but not tar" => Gzip(Encoding.UTF8.GetBytes(new string('z', 1000))),
            "manifest not first" => Bundles.Build("feedback", ["s1"], "x", manifestFirst: false),
            "no session ids" => BundleWithManifest("{\"formatVersion\":1,\"kind\":\"feedback\"}"),
            _ => Bundles.Build("feedback", ["s1"], "x"),
        };
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");

        var reply = await SendAsync(HttpMethod.Post, "/v1/feedback", alice, content, kind is null ? null : [("Custodian-Bundle-Kind", kind)]);

        AssertProblem(reply, 400, detail);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback"));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] BundleWithManifest(string manifest)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
        using (var tar = new System.Formats.Tar.TarWriter(gzip))
        {
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "manifest.json")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifest)),
            });
        }

        return output.ToArray();
    }

    [Fact]
    public async Task Oversized_bodies_are_413_problems_and_nothing_is_stored()
    {
        await StartServerAsync(o => o with { MaxRequestBodyBytes = 4096 });
        var alice = await KeyAsync("alice");
        var admin = await KeyAsync("admin", Role.OrgAdmin, Plan.Api, "org");
        var big = Marker("big") + new string('x', 8192);

        // With a Content-Length ...
        AssertProblem(await PostEventsAsync(alice, "s1", [big]), 413, "4096 bytes");
        AssertProblem(await PostBundleAsync(alice, "feedback", Bundles.Build("feedback", ["s1"], RandomText(20_000))), 413);
        AssertProblem(await PutJsonAsync("/v1/me/privacy", alice, "{\"allowModelImprovement\":true" + new string(' ', 5000) + "}"), 413);
        AssertProblem(await PutJsonAsync("/v1/orgs/org/policy", admin, "{\"productFeedbackDisabled\":true" + new string(' ', 5000) + "}"), 413);
        AssertProblem(await PostJsonAsync("/v1/survey/ratings", alice, "{\"sessionId\":\"s1\"" + new string(' ', 5000) + "}"), 413);

        // ... and chunked, where the size is only known while reading.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(EventsJson([big]))));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions/s1/events") { Content = chunked })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice);
            request.Headers.TransferEncodingChunked = true;
            using var response = await Http.SendAsync(request);
            AssertProblem(new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync()), 413);
        }

        // A body under the limit still goes through on the same server.
        await CaptureAsync(alice, "s1", Marker("small"));
        Assert.Equal(1, await Db.ScalarAsync("SELECT COUNT(*) FROM events"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM feedback"));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM consents"));
        Assert.False((await Store.GetOrganizationAsync("org"))!.ProductFeedbackDisabled);
    }

    private static string RandomText(int length)
    {
        var random = new Random(42);
        return new string([.. Enumerable.Range(0, length).Select(_ => (char)random.Next('a', 'z' + 1))]);
    }
}
