using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Custodian.Otlp;
using Custodian.Policy;
using Custodian.Server.Tests.Infrastructure;
using Custodian.Storage;
using Google.Protobuf;

namespace Custodian.Server.Tests;

public abstract partial class ServerSuite
{
    /// <summary>
    /// One request of the OpenAPI conformance table: the operation it exercises (method and route pattern, as the
    /// document names it), the concrete path and body for a caller (<c>{me}</c> is the caller's slug, so each caller
    /// works on sessions of its own), and any extra headers.
    /// </summary>
    private sealed record ApiCall(
        string Method, string Route, string Path, string What, Func<string, HttpContent?>? Body = null, (string Name, string Value)[]? Headers = null);

    private const int ConformanceBodyLimit = 8 * 1024;

    private static HttpContent JsonContent(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static HttpContent Content(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static string Oversized => new(' ', ConformanceBodyLimit + 4096);

    /// <summary>Every route of the API with valid, invalid, oversized, foreign and policy-refused requests.</summary>
    private static readonly ApiCall[] ConformanceCalls =
    [
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/s-{me}/events", "a JSON array", _ => JsonContent(EventsJson(["a", "b"]))),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/s-{me}/events", "NDJSON",
            _ => Content(Encoding.UTF8.GetBytes("{\"type\":\"user\"}\n{\"type\":\"assistant\"}\n"), "application/x-ndjson")),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/s-{me}/events", "invalid JSON", _ => JsonContent("[{\"type\":")),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/s-{me}/events", "an array of numbers", _ => JsonContent("[1,2]")),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/bad%20id/events", "an invalid session id", _ => JsonContent(EventsJson(["a"]))),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/s-user/events", "the user's session", _ => JsonContent(EventsJson(["x"]))),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/r-{me}/events", "repository one", _ => JsonContent(EventsJson(["a"])),
            [(SessionRepositoryHeader, "github.com/acme/one")]),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/r-{me}/events", "repository two", _ => JsonContent(EventsJson(["a"])),
            [(SessionRepositoryHeader, "github.com/acme/two")]),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/t-{me}/events", "text/plain",
            _ => Content(Encoding.UTF8.GetBytes(EventsJson(["a"])), "text/plain")),
        new("POST", "/v1/sessions/{id}/events", "/v1/sessions/s-{me}/events", "an oversized body", _ => JsonContent("[" + Oversized + "]")),
        new("POST", "/v1/logs", "/v1/logs", "protobuf logs", me => Content(OtlpRequests.Logs(OtlpRequests.UserPrompt("o-" + me, "hi")).ToByteArray(), "application/x-protobuf")),
        new("POST", "/v1/logs", "/v1/logs", "JSON logs", me => JsonContent(Encoding.UTF8.GetString(JsonFor(OtlpRequests.Logs(OtlpRequests.UserPrompt("o-" + me, "hi", 2)))))),
        new("POST", "/v1/logs", "/v1/logs", "a partial success",
            _ => JsonContent(Encoding.UTF8.GetString(JsonFor(OtlpRequests.Logs(OtlpRequests.UserPrompt("not a session id", "x")))))),
        new("POST", "/v1/logs", "/v1/logs", "truncated protobuf", _ => Content([0x0A, 0x05, 0x01], "application/x-protobuf")),
        new("POST", "/v1/logs", "/v1/logs", "text/plain", _ => Content("hello"u8.ToArray(), "text/plain")),
        new("POST", "/v1/logs", "/v1/logs", "an oversized body", _ => Content(new byte[ConformanceBodyLimit + 4096], "application/x-protobuf")),
        new("POST", "/v1/metrics", "/v1/metrics", "protobuf metrics", me => Content(OtlpRequests.Metrics("o-" + me, 1, 2).ToByteArray(), "application/x-protobuf")),
        new("POST", "/v1/metrics", "/v1/metrics", "JSON metrics", me => JsonContent(Encoding.UTF8.GetString(JsonFor(OtlpRequests.Metrics("o-" + me, 3, 4))))),
        new("POST", "/v1/metrics", "/v1/metrics", "not an object", _ => JsonContent("[]")),
        new("POST", "/v1/metrics", "/v1/metrics", "an oversized body", _ => JsonContent("{" + Oversized + "}")),
        new("GET", "/v1/sessions/{id}/telemetry", "/v1/sessions/o-{me}/telemetry", "own telemetry"),
        new("GET", "/v1/sessions/{id}/telemetry", "/v1/sessions/missing/telemetry", "no such session"),
        new("GET", "/v1/usage", "/v1/usage", "the last 30 days by day"),
        new("GET", "/v1/usage", "/v1/usage?from=2026-03-01&to=2026-03-02&by=user", "by user"),
        new("GET", "/v1/usage", "/v1/usage?by=model", "by model"),
        new("GET", "/v1/usage", "/v1/usage?from=2026-03-02&to=2026-03-01", "from after to"),
        new("GET", "/v1/usage", "/v1/usage?by=week", "an unknown grouping"),
        new("GET", "/v1/sessions", "/v1/sessions", "the list"),
        new("GET", "/v1/sessions/{id}", "/v1/sessions/s-{me}", "an own session"),
        new("GET", "/v1/sessions/{id}", "/v1/sessions/s-user", "the user's session"),
        new("GET", "/v1/sessions/{id}", "/v1/sessions/missing", "no such session"),
        new("POST", "/v1/survey/ratings", "/v1/survey/ratings", "a rating",
            me => JsonContent(JsonSerializer.Serialize(new { sessionId = "s-" + me, appearanceId = "a1", rating = 3 }))),
        new("POST", "/v1/survey/ratings", "/v1/survey/ratings", "rating 9",
            me => JsonContent(JsonSerializer.Serialize(new { sessionId = "s-" + me, appearanceId = "a1", rating = 9 }))),
        new("POST", "/v1/survey/ratings", "/v1/survey/ratings", "an unknown field",
            me => JsonContent(JsonSerializer.Serialize(new { sessionId = "s-" + me, appearanceId = "a1", rating = 1, text = "no" }))),
        new("POST", "/v1/survey/ratings", "/v1/survey/ratings", "the user's session",
            _ => JsonContent(JsonSerializer.Serialize(new { sessionId = "s-user", appearanceId = "a1", rating = 3 }))),
        new("POST", "/v1/survey/ratings", "/v1/survey/ratings", "not JSON", _ => JsonContent("rating=3")),
        new("POST", "/v1/survey/ratings", "/v1/survey/ratings", "an oversized body", _ => JsonContent("{" + Oversized + "}")),
        new("GET", "/v1/survey/ratings", "/v1/survey/ratings", "the ratings"),
        new("GET", "/v1/survey/ratings", "/v1/survey/ratings?limit=0", "limit 0"),
        new("POST", "/v1/feedback", "/v1/feedback", "a feedback bundle",
            me => Content(Bundles.Build("feedback", ["s-" + me], "it broke"), "application/gzip"), [("Custodian-Bundle-Kind", "feedback")]),
        new("POST", "/v1/feedback", "/v1/feedback", "a transcript share",
            me => Content(Bundles.Build("transcript-share", ["s-" + me], "look"), "application/gzip"), [("Custodian-Bundle-Kind", "transcript-share")]),
        new("POST", "/v1/feedback", "/v1/feedback", "no bundle kind", me => Content(Bundles.Build("feedback", ["s-" + me], "x"), "application/gzip")),
        new("POST", "/v1/feedback", "/v1/feedback", "not gzip",
            _ => Content(Encoding.UTF8.GetBytes("plain text"), "application/gzip"), [("Custodian-Bundle-Kind", "feedback")]),
        new("POST", "/v1/feedback", "/v1/feedback", "an oversized body",
            _ => Content([0x1f, 0x8b, .. Encoding.UTF8.GetBytes(Oversized)], "application/gzip"), [("Custodian-Bundle-Kind", "feedback")]),
        new("GET", "/v1/me/privacy", "/v1/me/privacy", "the privacy view"),
        new("PUT", "/v1/me/privacy", "/v1/me/privacy", "consent on", _ => JsonContent("{\"allowModelImprovement\":true}")),
        new("PUT", "/v1/me/privacy", "/v1/me/privacy", "a string", _ => JsonContent("{\"allowModelImprovement\":\"yes\"}")),
        new("PUT", "/v1/me/privacy", "/v1/me/privacy", "an oversized body", _ => JsonContent("{" + Oversized + "}")),
        new("GET", "/v1/orgs/{id}/policy", "/v1/orgs/acme/policy", "the admin's org"),
        new("GET", "/v1/orgs/{id}/policy", "/v1/orgs/nope/policy", "no such org"),
        new("PUT", "/v1/orgs/{id}/policy", "/v1/orgs/acme/policy", "DPP on", _ => JsonContent("{\"developmentPartnerProgram\":true}")),
        new("PUT", "/v1/orgs/{id}/policy", "/v1/orgs/acme/policy", "ZDR on an api org", _ => JsonContent("{\"zeroDataRetention\":true}")),
        new("PUT", "/v1/orgs/{id}/policy", "/v1/orgs/acme/policy", "an unknown flag", _ => JsonContent("{\"telemetry\":true}")),
        new("PUT", "/v1/orgs/{id}/policy", "/v1/orgs/acme/policy", "an oversized body", _ => JsonContent("{" + Oversized + "}")),
        new("PUT", "/v1/orgs/{id}/policy", "/v1/orgs/nope/policy", "no such org", _ => JsonContent("{\"productFeedbackDisabled\":true}")),
        new("GET", "/v1/export/training", "/v1/export/training", "the export"),
        new("GET", "/v1/audit", "/v1/audit", "the log"),
        new("DELETE", "/v1/sessions/{id}", "/v1/sessions/missing", "no such session"),
        new("DELETE", "/v1/sessions/{id}", "/v1/sessions/s-{me}", "an own session"),
        new("GET", "/v1/config", "/v1/config", "the config"),
        new("GET", "/healthz", "/healthz", "health"),
    ];

    [Fact]
    [Trait("spec", "CUS-42")]
    [Trait("spec", "ACC-2")]
    public async Task Every_response_of_every_route_for_every_role_is_one_the_OpenAPI_document_declares()
    {
        await StartServerAsync(o => o with { MaxRequestBodyBytes = ConformanceBodyLimit });
        await Store.EnsureOrganizationAsync(new Organization("vault", Plan.Enterprise, false, false, ZeroDataRetention: true));
        var unknownKey = "cust_" + new string('A', 43);
        var callers = new (string Slug, string? Key)[]
        {
            ("user", await KeyAsync("alice")),
            ("org-admin", await KeyAsync("bob", Role.OrgAdmin, Plan.Api, org: "acme")),
            ("operator", await OperatorAsync()),
            ("zdr-user", await KeyAsync("zoe", Role.User, Plan.Enterprise, org: "vault")),
            ("no-key", null),
            ("unknown-key", unknownKey),
        };
        using var document = JsonDocument.Parse((await GetAsync("/openapi/v1.json", key: null)).Body);
        var paths = document.RootElement.GetProperty("paths");

        // Every operation the document lists is exercised by the table, and the table exercises nothing else.
        var documented = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(documented.Order(StringComparer.Ordinal), ConformanceCalls.Select(c => $"{c.Method} {c.Route}").Distinct().Order(StringComparer.Ordinal));

        var seen = new HashSet<int>();
        var failures = new List<string>();
        foreach (var (slug, key) in callers)
        {
            foreach (var call in ConformanceCalls)
            {
                using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path.Replace("{me}", slug, StringComparison.Ordinal))
                {
                    Content = call.Body?.Invoke(slug),
                };
                if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                foreach (var (name, value) in call.Headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
                HttpResponseMessage response;
                try
                {
                    response = await Http.SendAsync(request);
                }
                catch (HttpRequestException e)
                {
                    failures.Add($"{slug}: {call.Method} {call.Path} ({call.What}) got no answer: {e.InnerException?.Message ?? e.Message}");
                    continue;
                }

                using var owned = response;
                var body = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                seen.Add(status);
                var label = $"{slug}: {call.Method} {call.Path} ({call.What}) answered {status} {mediaType}";
                var declared = paths.GetProperty(call.Route).GetProperty(call.Method.ToLowerInvariant()).GetProperty("responses");
                if (!declared.TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var answer))
                {
                    failures.Add($"{label}, which the document does not declare (it declares {string.Join(", ", declared.EnumerateObject().Select(r => r.Name))}): {body}");
                    continue;
                }

                if (answer.TryGetProperty("content", out var content))
                {
                    if (mediaType is null || !content.TryGetProperty(mediaType, out var media))
                    {
                        failures.Add($"{label}; declared media types: {string.Join(", ", content.EnumerateObject().Select(c => c.Name))}");
                    }
                    else if (mediaType == "application/x-protobuf")
                    {
                        // A binary message: OTLP's empty success, or a partial success that reads back.
                        if (body.Length > 0 && status == 200) _ = OtlpResponses.Decode(call.Route == "/v1/logs" ? OtlpSignal.Logs : OtlpSignal.Metrics, OtlpEncoding.Protobuf, await response.Content.ReadAsByteArrayAsync());
                    }
                    else
                    {
                        // The body matches the declared schema; NDJSON line by line.
                        var schema = media.GetProperty("schema");
                        var documents = mediaType == "application/x-ndjson" ? body.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [body];
                        foreach (var text in documents)
                        {
                            using var json = JsonDocument.Parse(text);
                            foreach (var mismatch in SchemaMismatches(document.RootElement, schema, json.RootElement, "$"))
                                failures.Add($"{label}: {mismatch}: {text}");
                        }
                    }
                }
                else if (mediaType is not null || body.Length > 0)
                {
                    failures.Add($"{label} with content, but the document declares none");
                }

                // Every error is problem+json, every 401 names the bearer scheme, every answer has the CUS-26 headers.
                if (status >= 400 && mediaType != "application/problem+json") failures.Add($"{label}: an error that is not problem+json");
                if (status == 401 && !response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer")) failures.Add($"{label} without WWW-Authenticate: Bearer");
                foreach (var header in new[] { "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy" })
                {
                    if (!response.Headers.Contains(header)) failures.Add($"{label} without {header}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The table reaches every kind of answer, so the check above is not vacuous.
        Assert.Superset(new HashSet<int> { 200, 201, 202, 204, 400, 401, 403, 404, 413, 422 }, seen);
    }

    [Fact]
    [Trait("spec", "CUS-42")]
    public async Task The_OpenAPI_document_declares_bodies_errors_and_the_bearer_scheme_for_every_operation()
    {
        using var document = JsonDocument.Parse((await GetAsync("/openapi/v1.json", key: null)).Body);
        var root = document.RootElement;
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.True(root.GetProperty("components").GetProperty("schemas").TryGetProperty("Problem", out _));

        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name} {path.Name}";
                var op = operation.Value;
                var open = path.Name is "/healthz" or "/v1/config";
                Assert.True(open != op.TryGetProperty("security", out _), $"{name}: security requirement");
                var responses = op.GetProperty("responses").EnumerateObject().ToList();
                Assert.True(responses.Count > 1, $"{name} declares only {responses[0].Name}");
                foreach (var response in responses.Where(r => r.Name[0] is '4' or '5' && !(path.Name == "/healthz" && r.Name == "503")))
                {
                    Assert.True(response.Value.GetProperty("content").TryGetProperty("application/problem+json", out var problem), $"{name} {response.Name}");
                    Assert.Equal("#/components/schemas/Problem", problem.GetProperty("schema").GetProperty("$ref").GetString());
                }

                if (!open) Assert.True(responses.Any(r => r.Name == "401"), $"{name} without 401");
                if (operation.Name is "post" or "put")
                {
                    var body = op.GetProperty("requestBody").GetProperty("content");
                    Assert.NotEmpty(body.EnumerateObject());
                    foreach (var media in body.EnumerateObject()) Assert.True(media.Value.TryGetProperty("schema", out _), $"{name} {media.Name}");
                    foreach (var status in new[] { "400", "413", "415", "503" }) Assert.True(responses.Any(r => r.Name == status), $"{name} without {status}");
                }
            }
        }

        // The schema check of the conformance test sees a missing, a retyped and an unknown field.
        using (var reference = JsonDocument.Parse("{\"$ref\":\"#/components/schemas/Problem\"}"))
        using (var wrong = JsonDocument.Parse("{\"status\":\"400\",\"bogus\":1}"))
        {
            Assert.Equal(3, SchemaMismatches(root, reference.RootElement, wrong.RootElement, "$").Count());
        }

        // Schemas the document names all exist.
        var schemas = root.GetProperty("components").GetProperty("schemas");
        foreach (var reference in Refs(root))
        {
            Assert.StartsWith("#/components/schemas/", reference, StringComparison.Ordinal);
            Assert.True(schemas.TryGetProperty(reference["#/components/schemas/".Length..], out _), reference);
        }
    }

    /// <summary>
    /// Where <paramref name="value"/> departs from <paramref name="schema"/>: the part of JSON Schema the document uses
    /// ($ref, type, enum, required, properties, items). Enough to catch a field renamed, dropped or retyped.
    /// </summary>
    private static IEnumerable<string> SchemaMismatches(JsonElement root, JsonElement schema, JsonElement value, string at)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!["#/components/schemas/".Length..];
            foreach (var mismatch in SchemaMismatches(root, root.GetProperty("components").GetProperty("schemas").GetProperty(name), value, at)) yield return mismatch;
            yield break;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            var actual = value.ValueKind switch
            {
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                JsonValueKind.String => "string",
                JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                _ => "null",
            };
            if (!allowed.Contains(actual) && !(actual == "integer" && allowed.Contains("number")))
            {
                yield return $"{at} is {actual}, the schema says {string.Join("|", allowed)}";
                yield break;
            }
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetRawText() == value.GetRawText()))
            yield return $"{at} = {value.GetRawText()} is not one of {values.GetRawText()}";
        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(n => !value.TryGetProperty(n, out _)))
                    yield return $"{at}.{name} is missing";
            }

            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in value.EnumerateObject())
                {
                    if (!properties.TryGetProperty(property.Name, out var propertySchema))
                    {
                        yield return $"{at}.{property.Name} is not in the schema";
                        continue;
                    }

                    foreach (var mismatch in SchemaMismatches(root, propertySchema, property.Value, $"{at}.{property.Name}")) yield return mismatch;
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                foreach (var mismatch in SchemaMismatches(root, items, item, $"{at}[{index}]")) yield return mismatch;
                index++;
            }
        }
    }

    private static IEnumerable<string> Refs(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : Refs(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Refs),
        _ => [],
    };
}
