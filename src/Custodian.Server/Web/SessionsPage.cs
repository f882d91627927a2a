using System.Globalization;
using System.Text;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Server.Web;

/// <summary><c>/sessions</c>: the signed-in user's server-side sessions, and permanent deletion behind a confirmation step (DEL-1).</summary>
internal static class SessionsPage
{
    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/sessions", RenderAsync);
        pages.MapGet("/sessions/{id}/delete", ConfirmAsync);
        pages.MapPost("/sessions/{id}/delete", DeleteAsync).RequireAntiforgery();
    }

    private static async Task<IResult> RenderAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = WebPages.CallerOf(http)!;
        var sessions = await store.ListSessionsAsync(caller.Id, time.GetUtcNow(), http.RequestAborted);
        var main = new StringBuilder().Append("<h1>Sessions</h1>\n");
        if (http.Request.Query["deleted"].ToString() is { Length: > 0 } deleted)
            main.Append(Html.Notice($"Session {deleted} was deleted permanently."));
        main.Append("<p class=\"lead\">The sessions stored on the server for your account (").Append(Html.E(caller.Id)).Append("). ")
            .Append("Deleting one removes its events, its shared transcripts and the feedback bundles that contain it, for good.</p>\n");
        if (sessions.Count == 0)
        {
            main.Append("<p class=\"empty\">You have no sessions stored on the server.</p>");
            return Html.Page(http, "Sessions", main.ToString(), caller);
        }

        main.Append("<ul class=\"sessions\">\n");
        foreach (var s in sessions.OrderByDescending(s => s.LastCapturedAt))
        {
            var headingId = "session-" + Html.E(s.Id);
            main.Append("<li class=\"card\" aria-labelledby=\"").Append(headingId).Append("\">\n<h2 id=\"").Append(headingId).Append("\">")
                .Append(Html.E(s.Id)).Append("</h2>\n");
            Facts(main, s);
            main.Append("<p><a class=\"danger-link\" href=\"/sessions/").Append(Uri.EscapeDataString(s.Id)).Append("/delete\">Delete<span class=\"visually-hidden\"> session ")
                .Append(Html.E(s.Id)).Append("</span>…</a></p>\n</li>\n");
        }

        main.Append("</ul>");
        return Html.Page(http, "Sessions", main.ToString(), caller);
    }

    private static async Task<IResult> ConfirmAsync(string id, HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = WebPages.CallerOf(http)!;
        var sessions = await store.ListSessionsAsync(caller.Id, time.GetUtcNow(), http.RequestAborted);
        // Another user's session is "not found", as in the API (CUS-17).
        if (sessions.FirstOrDefault(s => s.Id == id) is not { } session) return NotFound(http, caller, id);
        var main = new StringBuilder()
            .Append("<h1>Delete session ").Append(Html.E(id)).Append("?</h1>\n")
            .Append("<div class=\"warning\" role=\"note\"><p><strong>This is permanent and cannot be undone.</strong> ")
            .Append("Deleting removes the session's events, its shared transcripts and the feedback bundles that contain it from the server. ")
            .Append("No later read, export or backup will contain them; the deletion itself is recorded in the audit log, without the content.</p></div>\n");
        Facts(main, session);
        main.Append("<form method=\"post\" action=\"/sessions/").Append(Uri.EscapeDataString(id)).Append("/delete\" class=\"actions\">\n")
            .Append(Html.AntiforgeryField(http))
            .Append("<button type=\"submit\" class=\"danger\">Delete permanently</button>\n")
            .Append("<a href=\"/sessions\">Cancel, keep it</a>\n</form>");
        return Html.Page(http, "Delete session " + id, main.ToString(), caller);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, ICustodianStore store, TimeProvider time)
    {
        if (await WebPages.ReadVerifiedFormAsync(http) is null) return WebPages.Forged(http);
        var caller = WebPages.CallerOf(http)!;
        // The API's own deletion path: the store's erasure plus the audit entry (DEL-1, DEL-2).
        if (!await SessionEndpoints.DeleteSessionAsync(caller, id, store, time, http.RequestServices.GetRequiredService<RefusalAudit>(), http.RequestAborted)) return NotFound(http, caller, id);
        return Results.Redirect("/sessions?deleted=" + Uri.EscapeDataString(id));
    }

    private static IResult NotFound(HttpContext http, Caller caller, string id) => Html.Message(http, StatusCodes.Status404NotFound,
        "No such session", $"You have no session {id} on the server. It may have been deleted already, or it expired.", caller,
        backHref: "/sessions", backText: "Back to your sessions");

    private static void Facts(StringBuilder main, StoredSession s)
    {
        main.Append("<dl class=\"facts\">\n")
            .Append("<dt>Last activity</dt><dd>").Append(Html.Time(s.LastCapturedAt)).Append("</dd>\n")
            .Append("<dt>Size</dt><dd>").Append(Html.E(Html.Size(s.Bytes))).Append(" in ")
            .Append(s.Events.ToString(CultureInfo.InvariantCulture)).Append(s.Events == 1 ? " event" : " events").Append("</dd>\n");
        if (s.Repository is not null) main.Append("<dt>Repository</dt><dd>").Append(Html.E(s.Repository)).Append("</dd>\n");
        main.Append("<dt>Kept until</dt><dd>").Append(Html.Time(s.ExpiresAt)).Append("</dd>\n</dl>\n");
    }
}
