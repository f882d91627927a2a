using System.Text;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Server.Web;

/// <summary>
/// <c>/admin</c>: an org admin's own organization policy (DPP-1/2, product feedback), and zero data retention, which
/// only operators change (RET-3). Authorization and every change go through the API's own methods (ACC-2).
/// </summary>
internal static class AdminPage
{
    private const string Dpp = "developmentPartnerProgram";
    private const string Feedback = "productFeedbackDisabled";
    private const string Zdr = "zeroDataRetention";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/admin", RenderAsync);
        pages.MapPost("/admin", ChangeAsync).RequireAntiforgery();
    }

    private static async Task<IResult> RenderAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = WebPages.CallerOf(http)!;
        var requested = http.Request.Query["org"].ToString();
        var orgId = requested.Length > 0 ? requested : caller.Account.OrgId;
        if (orgId is null && caller.Account.Role == Role.Operator) return ChooseOrg(http, caller, notice: null);
        var (org, refusal) = await AuthorizedOrgAsync(http, caller, orgId, store, time, "org.policy.read");
        if (refusal is not null) return refusal;

        // Exactly what GET /v1/orgs/{id}/policy answers, so the page and the API cannot disagree.
        var view = AccountEndpoints.OrgView(org!);
        var saved = http.Request.Query["saved"].ToString();
        return Render(http, caller, view, saved switch
        {
            Dpp => "Saved. The Development Partner Program is now " + (view.DevelopmentPartnerProgram ? "on." : "off."),
            Feedback => "Saved. Product feedback is now " + (view.ProductFeedbackDisabled ? "disabled" : "allowed") + " for the organization.",
            Zdr => "Saved. Zero data retention is now " + (view.ZeroDataRetention ? "on." : "off."),
            _ => null,
        });
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var form = await WebPages.ReadVerifiedFormAsync(http);
        if (form is null) return WebPages.Forged(http);
        var caller = WebPages.CallerOf(http)!;
        var (org, refusal) = await AuthorizedOrgAsync(http, caller, form["org"].ToString(), store, time, "org.policy.update");
        if (refusal is not null) return refusal;

        var setting = form["setting"].ToString();
        bool? value = form["value"].ToString() switch { "true" => true, "false" => false, _ => null };
        if (value is null || setting is not (Dpp or Feedback or Zdr))
            return Html.Message(http, StatusCodes.Status400BadRequest, "Nothing was changed", "The form named no setting this page knows.", caller, backHref: "/admin", backText: "Back to the organization policy");

        // The API's own policy change: the same role, plan and audit rules (DPP-1, DPP-2, RET-3).
        var (_, denied) = await AccountEndpoints.ChangeOrgPolicyAsync(caller, org!,
            setting == Dpp ? value : null, setting == Feedback ? value : null, setting == Zdr ? value : null, store, time, http.RequestServices.GetRequiredService<RefusalAudit>(), http.RequestAborted);
        if (denied is not null) return Refused(http, caller, denied, org!.Id);
        return Results.Redirect($"/admin?org={Uri.EscapeDataString(org!.Id)}&saved={setting}");
    }

    /// <summary>The organization, or the page that says why the caller may not see or change it.</summary>
    private static async Task<(Organization? Org, IResult? Refusal)> AuthorizedOrgAsync(
        HttpContext http, Caller caller, string? orgId, ICustodianStore store, TimeProvider time, string action)
    {
        // Refusals are audited by the API's own check (ACC-2), a user without any organization included.
        if (await AccountEndpoints.AuthorizeOrgAsync(caller, orgId ?? "-", http.RequestServices.GetRequiredService<RefusalAudit>(), action, http.RequestAborted) is not null)
        {
            var why = caller.Account.Role == Role.OrgAdmin
                ? "You are an admin of another organization. You can see and change only your own organization's policy."
                : $"This page is for your organization's admins and for the account team. Your account ({caller.Id}) is a user account: ask an admin of your organization to change its policy.";
            return (null, Html.Message(http, StatusCodes.Status403Forbidden, "You can't open the admin page", why, caller, rule: "ACC-2"));
        }

        var org = orgId is null ? null : await store.GetOrganizationAsync(orgId, http.RequestAborted);
        if (org is null)
        {
            return (null, caller.Account.Role == Role.Operator
                ? ChooseOrg(http, caller, $"There is no organization {orgId}.", StatusCodes.Status404NotFound)
                : Html.Message(http, StatusCodes.Status404NotFound, "No such organization", $"There is no organization {orgId}.", caller));
        }

        return (org, null);
    }

    private static IResult Refused(HttpContext http, Caller caller, IResult denied, string orgId)
    {
        var problem = (denied as ProblemHttpResult)?.ProblemDetails;
        var rule = problem?.Extensions.TryGetValue("rule", out var r) == true ? r as string : null;
        return Html.Message(http, problem?.Status ?? StatusCodes.Status403Forbidden, "Nothing was changed",
            problem?.Detail ?? "The change was refused.", caller, rule,
            backHref: "/admin?org=" + Uri.EscapeDataString(orgId), backText: "Back to the organization policy");
    }

    private static IResult ChooseOrg(HttpContext http, Caller caller, string? notice, int status = StatusCodes.Status200OK)
    {
        var main = new StringBuilder().Append("<h1>Organization policy</h1>\n");
        if (notice is not null) main.Append(Html.Alert(notice));
        OrgChooser(main, value: string.Empty);
        return Html.Page(http, "Organization policy", main.ToString(), caller, status);
    }

    private static void OrgChooser(StringBuilder main, string value) =>
        main.Append("<form method=\"get\" action=\"/admin\" class=\"card inline\">\n")
            .Append("<label for=\"org\">Organization id</label>\n")
            .Append("<input id=\"org\" name=\"org\" type=\"text\" required value=\"").Append(Html.E(value)).Append("\">\n")
            .Append("<button type=\"submit\">Open</button>\n</form>\n");

    private static IResult Render(HttpContext http, Caller caller, OrgPolicyView view, string? notice)
    {
        var orgId = view.Id;
        var plan = view.Plan;
        var dpp = view.DevelopmentPartnerProgram;
        var feedbackDisabled = view.ProductFeedbackDisabled;
        var zdr = view.ZeroDataRetention;
        var dppAvailable = view.DevelopmentPartnerProgramAvailable;
        var zdrAvailable = view.ZeroDataRetentionAvailable;
        var isAdmin = caller.Account.Role == Role.OrgAdmin;
        var isOperator = caller.Account.Role == Role.Operator;

        var main = new StringBuilder().Append("<h1>Organization policy</h1>\n");
        if (notice is not null) main.Append(Html.Notice(notice));
        if (isOperator) OrgChooser(main, orgId);
        main.Append("<p class=\"lead\">Organization <strong>").Append(Html.E(orgId)).Append("</strong>, plan <strong>").Append(Html.E(plan))
            .Append("</strong>. Changes apply to data captured from now on, and are recorded in the audit log.</p>\n");

        Control dppControl = !isAdmin ? new ReadOnly("Changed by the organization's admins (DPP-1).")
            : dppAvailable || dpp ? new Toggle(!dpp, dpp ? "Leave the program" : "Join the program")
            : new Disabled("Join the program",
                $"Not available: the Development Partner Program is only for first-party API organizations (plan api); this organization's plan is {plan} (DPP-2).");
        Setting(main, http, orgId, Dpp, "Development Partner Program", dpp ? "On" : "Off",
            "While on, the organization's session data may be used to train models (DPP-3); each record still needs to have been captured while the program was on (TRN-3).",
            dppControl);

        Control feedbackControl = !isAdmin ? new ReadOnly("Changed by the organization's admins.")
            : new Toggle(!feedbackDisabled, feedbackDisabled ? "Allow product feedback" : "Disable product feedback");
        Setting(main, http, orgId, Feedback, "Product feedback", feedbackDisabled ? "Disabled" : "Allowed",
            "When disabled, /feedback, the session quality survey and transcript sharing are off for everyone in the organization (FBK-2, SRV-3, SHR-2).",
            feedbackControl);

        Control zdrControl = !isOperator ? new ReadOnly("Set by the account team after an eligibility check; organization admins cannot change it (RET-3). Contact your account team.")
            : zdrAvailable || zdr ? new Toggle(!zdr, zdr ? "Turn off zero data retention" : "Turn on zero data retention")
            : new Disabled("Turn on zero data retention", $"Not available: zero data retention exists only for enterprise organizations; this one's plan is {plan} (RET-3).");
        Setting(main, http, orgId, Zdr, "Zero data retention", zdr ? "On" : "Off",
            "Under zero data retention no session content is stored on the server at all (P0D); /feedback and transcript sharing are off.",
            zdrControl);
        return Html.Page(http, "Organization policy", main.ToString(), caller);
    }

    private static void Setting(StringBuilder main, HttpContext http, string orgId, string key, string title, string state, string explanation, Control control)
    {
        main.Append("<section class=\"card\" aria-labelledby=\"").Append(key).Append("-heading\">\n")
            .Append("<h2 id=\"").Append(key).Append("-heading\">").Append(Html.E(title)).Append("</h2>\n")
            .Append("<p class=\"state\" id=\"").Append(key).Append("-state\">Currently <strong>").Append(Html.E(state)).Append("</strong></p>\n")
            .Append("<p class=\"help\">").Append(Html.Prose(explanation)).Append("</p>\n");
        switch (control)
        {
            case Toggle toggle:
                main.Append("<form method=\"post\" action=\"/admin\">\n").Append(Html.AntiforgeryField(http))
                    .Append("<input type=\"hidden\" name=\"org\" value=\"").Append(Html.E(orgId)).Append("\">\n")
                    .Append("<input type=\"hidden\" name=\"setting\" value=\"").Append(key).Append("\">\n")
                    .Append("<input type=\"hidden\" name=\"value\" value=\"").Append(toggle.Value ? "true" : "false").Append("\">\n")
                    .Append("<button type=\"submit\" id=\"").Append(key).Append("-button\">").Append(Html.E(toggle.Label)).Append("</button>\n</form>\n");
                break;
            case Disabled disabled:
                // Shown, so admins see the option exists, but disabled, with the reason right beside it.
                main.Append("<p><button type=\"button\" disabled id=\"").Append(key).Append("-button\" aria-describedby=\"").Append(key).Append("-why\">")
                    .Append(Html.E(disabled.Label)).Append("</button></p>\n")
                    .Append("<p class=\"why\" id=\"").Append(key).Append("-why\">").Append(Html.Prose(disabled.Why)).Append("</p>\n");
                break;
            case ReadOnly readOnly:
                main.Append("<p class=\"why\" id=\"").Append(key).Append("-why\">").Append(Html.Prose(readOnly.Why)).Append("</p>\n");
                break;
        }

        main.Append("</section>\n");
    }

    private abstract record Control;

    private sealed record Toggle(bool Value, string Label) : Control;

    private sealed record Disabled(string Label, string Why) : Control;

    private sealed record ReadOnly(string Why) : Control;
}
