using System.Text;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Web;

/// <summary><c>/privacy</c>: the "allow data use for model improvement" switch and what it means for retention (TRN-1, TRN-3, RET-1/2).</summary>
internal static class PrivacyPage
{
    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/privacy", RenderAsync);
        pages.MapPost("/privacy", SaveAsync).RequireAntiforgery();
    }

    private static async Task<IResult> SaveAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var form = await WebPages.ReadVerifiedFormAsync(http);
        if (form is null) return WebPages.Forged(http);
        // A checkbox sends its value only when checked.
        var allow = string.Equals(form["allowModelImprovement"], "true", StringComparison.Ordinal);
        await AccountEndpoints.SetPrivacyAsync(WebPages.CallerOf(http)!, allow, store, time, http.RequestAborted);
        return Results.Redirect("/privacy?saved=1");
    }

    private static async Task<IResult> RenderAsync(HttpContext http, ICustodianStore store)
    {
        var caller = WebPages.CallerOf(http)!;
        // Exactly what GET /v1/me/privacy answers, so the page and the API cannot disagree.
        var view = await AccountEndpoints.PrivacyViewAsync(caller, store, http.RequestAborted);
        var allow = view.AllowModelImprovement;
        var since = view.Since;
        var plan = view.Plan;
        var consumer = view.Category == "consumer";
        var retention = view.SessionRetention;
        var retentionRule = view.SessionRetentionRule;
        var training = view.TrainingEligible;
        var trainingRule = view.TrainingRule;

        var main = new StringBuilder().Append("<h1>Privacy</h1>\n");
        if (http.Request.Query.ContainsKey("saved")) main.Append(Html.Notice("Saved. Applies to data captured from now on."));

        main.Append("<section aria-labelledby=\"training-heading\" class=\"card\">\n<h2 id=\"training-heading\">Model improvement</h2>\n")
            .Append("<form method=\"post\" action=\"/privacy\">\n").Append(Html.AntiforgeryField(http))
            .Append("<div class=\"switch\">\n<input type=\"checkbox\" role=\"switch\" id=\"allowModelImprovement\" name=\"allowModelImprovement\" value=\"true\"")
            .Append(allow ? " checked" : string.Empty).Append(" aria-describedby=\"allow-help\">\n")
            .Append("<label for=\"allowModelImprovement\">Allow data use for model improvement</label>\n</div>\n")
            .Append("<p id=\"allow-help\" class=\"help\">");
        if (consumer)
        {
            main.Append("On: session data you send from now on (prompts, code, outputs) may be used to train models, and is kept for 5 years. ")
                .Append("Off: it is not used for training, and is kept for 30 days.");
        }
        else
        {
            main.Append("Your plan (").Append(Html.E(plan)).Append(") is a commercial plan: session data is kept for 30 days and is not used for training ")
                .Append("unless your organization joined the Development Partner Program. This switch does not change that.");
        }

        main.Append("</p>\n<button type=\"submit\">Save</button>\n</form>\n")
            .Append("<p class=\"state\" id=\"current-state\">Currently <strong>").Append(allow ? "on" : "off").Append("</strong>, since ")
            .Append(Html.Time(since)).Append(".</p>\n</section>\n");

        main.Append("<section aria-labelledby=\"effect-heading\" class=\"card\">\n<h2 id=\"effect-heading\">What applies to data captured now</h2>\n<dl class=\"facts\">\n")
            .Append("<dt>Kept on the server for</dt><dd id=\"retention\">").Append(Html.E(Html.Period(retention)))
            .Append(" <span class=\"rule\">(").Append(Html.E(retention)).Append(", ").Append(Html.E(retentionRule)).Append(")</span></dd>\n")
            .Append("<dt>Used to train models</dt><dd id=\"training\">").Append(training ? "Yes" : "No")
            .Append(" <span class=\"rule\">(").Append(Html.E(trainingRule)).Append(")</span></dd>\n")
            .Append("<dt>Plan</dt><dd>").Append(Html.E(plan)).Append(consumer ? " (consumer)" : " (commercial)").Append("</dd>\n</dl>\n")
            .Append("<p>A change applies to data captured after it (TRN-3). Data already stored keeps the retention period it was captured with. ")
            .Append("It is used for training only if the setting was on both when it was captured and when training data is exported, ")
            .Append("so turning the setting off also keeps earlier data out of future training. Deleted or expired data is never used.</p>\n")
            .Append("<p><a href=\"/sessions\">See or delete your sessions</a></p>\n</section>");
        return Html.Page(http, "Privacy", main.ToString(), caller);
    }
}
