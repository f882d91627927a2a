using System.Text;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Web;

/// <summary><c>/signin</c> (an API key in, a cookie session out) and <c>/signout</c>.</summary>
internal static class SignInPage
{
    private static readonly string[] Destinations = ["/privacy", "/sessions", "/admin"];

    public static void Map(RouteGroupBuilder web)
    {
        web.MapGet("/signin", (HttpContext http) => Render(http, ReturnUrl(http.Request.Query["returnUrl"]), error: null,
            notice: http.Request.Query.ContainsKey("signedout") ? "You are signed out." : null));
        web.MapPost("/signin", SignInAsync).RequireAntiforgery();
        web.MapPost("/signout", SignOutAsync).RequireAntiforgery();
    }

    private static async Task<IResult> SignInAsync(HttpContext http, ICustodianStore store, WebSessions sessions, TimeProvider time)
    {
        var form = await WebPages.ReadVerifiedFormAsync(http);
        if (form is null) return WebPages.Forged(http);
        var returnUrl = ReturnUrl(form["returnUrl"]);
        // The same key check as the API's bearer authentication.
        var caller = await Caller.AuthenticateKeyAsync(form["apiKey"].ToString().Trim(), store, http.RequestAborted);
        if (caller is null)
            return Render(http, returnUrl, "That API key was not recognized. Check that you copied all of it, starting with cust_.", notice: null, StatusCodes.Status401Unauthorized);

        // A fresh token on every sign-in, and the browser's previous session (if any) ended: no session fixation.
        sessions.Remove(http.Request.Cookies[WebPages.SessionCookie]);
        var token = sessions.Create(caller.Id);
        http.Response.Cookies.Append(WebPages.SessionCookie, token, CookieOptions(http));
        await store.AppendAuditAsync(caller.Id, "web.signin", caller.Id, "browser session", time.GetUtcNow(), http.RequestAborted);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, ICustodianStore store, WebSessions sessions, TimeProvider time)
    {
        if (await WebPages.ReadVerifiedFormAsync(http) is null) return WebPages.Forged(http);
        sessions.Remove(http.Request.Cookies[WebPages.SessionCookie]);
        http.Response.Cookies.Delete(WebPages.SessionCookie, CookieOptions(http));
        if (WebPages.CallerOf(http) is { } caller)
            await store.AppendAuditAsync(caller.Id, "web.signout", caller.Id, "browser session", time.GetUtcNow(), http.RequestAborted);
        return Results.Redirect("/signin?signedout=1");
    }

    private static CookieOptions CookieOptions(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        IsEssential = true,
        // No Expires: the cookie ends with the browser; the server ends the session sooner (WebSessions).
    };

    /// <summary>Only the site's own pages: a sign-in link must not be able to send people elsewhere.</summary>
    private static string ReturnUrl(string? requested) =>
        Destinations.FirstOrDefault(d => string.Equals(d, requested, StringComparison.Ordinal)) ?? "/privacy";

    private static IResult Render(HttpContext http, string returnUrl, string? error, string? notice, int status = StatusCodes.Status200OK)
    {
        var main = new StringBuilder()
            .Append("<h1>Sign in</h1>\n");
        if (notice is not null) main.Append(Html.Notice(notice));
        if (error is not null) main.Append(Html.Alert(error));
        main.Append("<form class=\"card\" method=\"post\" action=\"/signin\">\n")
            .Append(Html.AntiforgeryField(http))
            .Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(Html.E(returnUrl)).Append("\">\n")
            .Append("<label for=\"apiKey\">API key</label>\n")
            .Append("<input id=\"apiKey\" name=\"apiKey\" type=\"password\" autocomplete=\"off\" spellcheck=\"false\" required")
            .Append(error is null ? string.Empty : " aria-invalid=\"true\"")
            .Append(" aria-describedby=\"apiKey-help\">\n")
            .Append("<p id=\"apiKey-help\" class=\"help\">The key that <code>custodian keys create</code> printed; it starts with <code>cust_</code>. ")
            .Append("Your browser does not keep the key: it gets a sign-in session that ends when you sign out, close the browser, or leave it unused for ")
            .Append(WebSessions.IdleTimeout.TotalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" minutes.</p>\n")
            .Append("<button type=\"submit\">Sign in</button>\n</form>");
        return Html.Page(http, "Sign in", main.ToString(), caller: null, status);
    }
}
