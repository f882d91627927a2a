using System.Net.Sockets;
using System.Text;

namespace Custodian.Server.Tests;

public abstract partial class ServerSuite
{
    private static readonly string[] SecurityHeaders = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"];

    [Fact]
    [Trait("spec", "CUS-40")]
    public async Task A_401_challenges_for_a_bearer_key_and_says_when_the_one_sent_was_invalid()
    {
        var valid = await KeyAsync("alice");
        foreach (var (authorization, expected) in new (string?, string)[]
        {
            (null, "Bearer realm=\"custodian\""),
            ("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + valid)), "Bearer realm=\"custodian\""),
            ("Bearer " + valid[..^4] + "zzzz", "Bearer realm=\"custodian\", error=\"invalid_token\", error_description=\"the API key is not valid\""),
            ("Bearer ", "Bearer realm=\"custodian\", error=\"invalid_token\", error_description=\"the API key is not valid\""),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions");
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await Http.SendAsync(request);

            Assert.Equal(401, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(expected, string.Join(", ", response.Headers.GetValues("WWW-Authenticate")));
        }

        // A revoked key is a key that was sent and refused.
        Assert.True(await Store.RevokeApiKeyAsync(ApiKeys.Hash(valid)));
        using var revoked = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions");
        revoked.Headers.TryAddWithoutValidation("Authorization", "Bearer " + valid);
        using var refused = await Http.SendAsync(revoked);
        Assert.Equal(401, (int)refused.StatusCode);
        Assert.Contains("error=\"invalid_token\"", string.Join(", ", refused.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "CUS-41")]
    public async Task Errors_Kestrel_raises_inside_the_pipeline_are_problems_with_the_security_headers()
    {
        var alice = await KeyAsync("alice");

        // A chunked body that is not chunked: Kestrel throws while the handler reads it, so the exception handler answers.
        var response = await RawAsync(
            "PUT /v1/me/privacy HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + alice + "\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", response.StatusLine, StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.Contains("\"status\":400", response.Body, StringComparison.Ordinal);
        foreach (var header in SecurityHeaders) Assert.NotNull(response.Header(header));

        // Routing's own refusals (no such route, wrong method) are too.
        foreach (var request in new[]
        {
            "GET /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            "GET /openapi/nope.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            "PATCH /v1/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        })
        {
            var answer = await RawAsync(request);
            Assert.Matches("^HTTP/1.1 40[45] ", answer.StatusLine);
            Assert.Equal("application/problem+json", answer.Header("Content-Type"));
            foreach (var header in SecurityHeaders) Assert.NotNull(answer.Header(header));
        }
    }

    [Fact]
    [Trait("spec", "CUS-41")]
    public async Task A_refusal_of_a_request_whose_unread_body_is_over_the_limit_says_it_closes_the_connection()
    {
        await StartServerAsync(o => o with { MaxRequestBodyBytes = 1024 });
        var body = "{\"allowModelImprovement\":true" + new string(' ', 4096) + "}";

        // Refused by the bearer filter before the body is read: Kestrel will drop the connection while draining it.
        var response = await RawAsync("PUT /v1/me/privacy HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + $"Content-Length: {body.Length}\r\n\r\n{body}");

        Assert.StartsWith("HTTP/1.1 401 ", response.StatusLine, StringComparison.Ordinal);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
    }

    /// <summary>
    /// What Kestrel answers before the application sees a request cannot be shaped: no middleware, status code page
    /// or problem details service runs for it. The test pins what it is, so a change (for better or worse) is seen:
    /// a status line, an empty body and a closed connection — no content for the security headers to protect.
    /// </summary>
    [Theory]
    [InlineData("malformed request line", "GARBAGE\r\n\r\n", 400)]
    [InlineData("URI too long", "GET /{long} HTTP/1.1\r\nHost: localhost\r\n\r\n", 414)]
    [InlineData("headers too large", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Filler: {huge}\r\n\r\n", 431)]
    [InlineData("invalid Host header", "GET /healthz HTTP/1.1\r\nHost: bad host\r\n\r\n", 400)]
    [InlineData("no Host header", "GET /healthz HTTP/1.1\r\n\r\n", 400)]
    [InlineData("unsupported HTTP version", "GET /healthz HTTP/1.5\r\nHost: localhost\r\n\r\n", 505)]
    [Trait("spec", "CUS-41")]
    public async Task Kestrels_own_rejections_before_the_pipeline_have_no_body_and_close_the_connection(string what, string request, int status)
    {
        var response = await RawAsync(request.Replace("{long}", new string('a', 9_000), StringComparison.Ordinal)
            .Replace("{huge}", new string('a', 40_000), StringComparison.Ordinal));

        Assert.True(response.StatusLine.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{what}: {response.StatusLine}");
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.Equal("close", response.Header("Connection"));
        Assert.Null(response.Header("Content-Type"));
        Assert.Equal(string.Empty, response.Body);
    }

    private sealed record RawResponse(string StatusLine, IReadOnlyList<(string Name, string Value)> Headers, string Body)
    {
        public string? Header(string name) =>
            Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
    }

    /// <summary>Sends bytes as they are over a new TCP connection and reads until the server closes it.</summary>
    private async Task<RawResponse> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(BaseAddress.Host, BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException)
        {
            // A reset after the answer: what was read is the answer.
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no response head: " + text);
        var lines = text[..split].Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => (p[0].Trim(), p[1].Trim())).ToList();
        var body = text[(split + 4)..];
        if (headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))) body = Unchunk(body);
        return new RawResponse(lines[0], headers, body);
    }

    private static string Unchunk(string chunked)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..end].Split(';')[0], 16);
            if (size == 0) return result.ToString();
            result.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
    }
}
