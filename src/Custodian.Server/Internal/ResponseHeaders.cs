using Custodian.Server.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Custodian.Server.Internal;

/// <summary>
/// The first middleware of the pipeline: the security headers of CUS-26 on every response the application sends, and
/// RFC 6750's <c>WWW-Authenticate</c> on every 401 (CUS-40, CUS-41). It runs before the exception handler and status
/// code pages so that their responses carry the headers too.
/// </summary>
internal static class ResponseHeaders
{
    /// <summary>The challenge of a 401 to a request without a bearer key.</summary>
    public const string Challenge = "Bearer realm=\"custodian\"";

    /// <summary>The challenge of a 401 to a request whose bearer key was not accepted (unknown, revoked, empty, too long).</summary>
    public const string InvalidTokenChallenge = "Bearer realm=\"custodian\", error=\"invalid_token\", error_description=\"the API key is not valid\"";

    public static Task ApplyAsync(HttpContext http, RequestDelegate next)
    {
        // On starting, because the exception handler clears the headers of the response it replaces.
        http.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = WebPages.ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (http.Response.StatusCode == StatusCodes.Status401Unauthorized && headers.WWWAuthenticate.Count == 0)
            {
                // Any 401 the server sends has one cause: no acceptable bearer key (the web sign-in's wrong key included,
                // whose form sends no Authorization header). A credential of another scheme is no bearer key at all.
                headers.WWWAuthenticate = SentBearerKey(http.Request) ? InvalidTokenChallenge : Challenge;
            }

            // A refusal sent before the body was read (401, 403, 404) leaves it on the wire; Kestrel drains it to keep the
            // connection, and drops the connection once the drain passes the body limit. Said in advance, a keep-alive
            // client does not send its next request into a connection that is about to close.
            if (http.Request.ContentLength is { } length
                && length > (http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue))
            {
                headers.Connection = "close";
            }

            return Task.CompletedTask;
        }, http);
        return next(http);
    }

    private static bool SentBearerKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase)
            && (header.Length == "Bearer".Length || header["Bearer".Length] == ' ');
    }
}
