using System.Security.Claims;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Server.Web;

/// <summary>
/// The browser pages (<c>/signin</c>, <c>/privacy</c>, <c>/sessions</c>, <c>/usage</c>, <c>/admin</c>): server-rendered HTML with
/// plain forms, signed in with an API key into a cookie session. Every action goes through the same internal methods
/// as the HTTP API, so a page cannot do anything the API would refuse, nor skip the audit log.
/// </summary>
internal static class WebPages
{
    /// <summary>Where the one stylesheet is served; the Content-Security-Policy allows styles from this origin only.</summary>
    public const string StylesheetPath = "/web/site.css";

    /// <summary>The sign-in cookie: a random token, never the API key.</summary>
    public const string SessionCookie = "custodian_session";

    /// <summary>The Content-Security-Policy of every response: no script at all, styles and forms from this origin only.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private const string CallerItem = "custodian.web.caller";

    /// <summary>Where the site icon is served (so browsers do not ask for a missing <c>/favicon.ico</c>).</summary>
    public const string IconPath = "/web/icon.svg";

    private static readonly Lazy<byte[]> Stylesheet = new(() => Resource("site.css"));

    private static readonly Lazy<byte[]> Icon = new(() => Resource("icon.svg"));

    /// <summary>Registers what the pages need: sign-in sessions and anti-forgery tokens.</summary>
    public static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<WebSessions>();
        // Anti-forgery tokens only need to outlive a page view, and sign-in sessions die with the process anyway:
        // ephemeral keys, and a key ring kept in memory (the key manager would still write one at start-up), keep key
        // material off the disk.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new InMemoryKeyRepository());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "custodian_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            // frame-ancestors 'none' and X-Frame-Options: DENY are set for every response below.
            o.SuppressXFrameOptionsHeader = true;
        });
    }

    /// <summary>Adds the security headers, cookie sign-in and anti-forgery middleware, and maps the pages.</summary>
    public static void Map(WebApplication app)
    {
        // The security headers are set for every response by the pipeline's first middleware (Internal/ResponseHeaders).
        app.Use(SignedInAccountAsync);
        app.UseAntiforgery();

        var web = app.MapGroup(string.Empty).ExcludeFromDescription();
        web.MapGet(StylesheetPath, () => Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8"));
        web.MapGet(IconPath, () => Results.Bytes(Icon.Value, "image/svg+xml"));
        web.MapGet("/", (HttpContext http) => Results.Redirect(CallerOf(http) is null ? "/signin" : "/privacy"));
        SignInPage.Map(web);

        // Everything else needs a signed-in browser; API clients keep getting 401 problem+json under /v1.
        var pages = web.MapGroup(string.Empty).AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            if (CallerOf(http) is not null) return await next(invocation);
            var path = http.Request.Path.Value ?? "/";
            return Results.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(path));
        });
        PrivacyPage.Map(pages);
        SessionsPage.Map(pages);
        AdminPage.Map(pages);
        UsagePage.Map(pages);
    }

    /// <summary>The signed-in account of a page request, or null.</summary>
    public static Caller? CallerOf(HttpContext http) => http.Items.TryGetValue(CallerItem, out var caller) ? caller as Caller : null;

    /// <summary>Marks a POST endpoint as needing a valid anti-forgery token (checked by the anti-forgery middleware).</summary>
    public static RouteHandlerBuilder RequireAntiforgery(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new RequireAntiforgeryTokenAttribute());

    /// <summary>
    /// The posted form, or null when it cannot be trusted: the anti-forgery middleware found no valid token, or the
    /// body is not a form. Fails closed: a request the middleware did not validate is not trusted either.
    /// </summary>
    public static async Task<IFormCollection?> ReadVerifiedFormAsync(HttpContext http)
    {
        if (http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true } || !http.Request.HasFormContentType) return null;
        return await http.Request.ReadFormAsync(http.RequestAborted);
    }

    /// <summary>The answer to a form post without a valid anti-forgery token: refused, nothing changed.</summary>
    public static IResult Forged(HttpContext http) => Html.Message(http, StatusCodes.Status400BadRequest,
        "This form could not be verified",
        "Nothing was changed. The form was not sent from this site's page, or the page was open too long. Reload the page and try again.",
        CallerOf(http));

    private static byte[] Resource(string name)
    {
        using var stream = typeof(WebPages).Assembly.GetManifestResourceStream("Custodian.Server.Web." + name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task SignedInAccountAsync(HttpContext http, RequestDelegate next)
    {
        // The cookie never authenticates the API: /v1 takes bearer keys only, so a cross-site request cannot ride on it.
        if (!http.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal)
            && http.Request.Cookies[SessionCookie] is { Length: > 0 } token
            && http.RequestServices.GetRequiredService<WebSessions>().Resolve(token) is { } accountId)
        {
            var store = http.RequestServices.GetRequiredService<ICustodianStore>();
            // Reloaded on every request, so a role or org policy change shows at once.
            if (await store.GetAccountAsync(accountId, http.RequestAborted) is { } account)
            {
                var org = account.OrgId is { } orgId ? await store.GetOrganizationAsync(orgId, http.RequestAborted) : null;
                http.Items[CallerItem] = new Caller(account, org);
                // Anti-forgery tokens issued to a signed-in browser are bound to its account.
                http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, account.Id)], "custodian-web"));
            }
        }

        await next(http);
    }
}
