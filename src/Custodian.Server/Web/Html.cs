using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Encodings.Web;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Custodian.Server.Web;

/// <summary>
/// Renders the pages: one layout, everything HTML-encoded, no inline script or style (the Content-Security-Policy
/// allows neither), and plain forms that work with the keyboard and without JavaScript.
/// </summary>
internal static partial class Html
{
    /// <summary>HTML-encodes text for element content and attribute values alike.</summary>
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    /// <summary>A whole page: the layout around <paramref name="main"/>, answered with <paramref name="status"/>.</summary>
    public static IResult Page(HttpContext http, string title, string main, Caller? caller, int status = StatusCodes.Status200OK)
    {
        var html = new StringBuilder(4096);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(title)).Append(" · Custodian</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"").Append(WebPages.StylesheetPath).Append("\">\n")
            .Append("<link rel=\"icon\" href=\"").Append(WebPages.IconPath).Append("\" type=\"image/svg+xml\">\n")
            .Append("</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"site\">\n<div class=\"bar\">\n")
            .Append("<a class=\"brand\" href=\"/\">Custodian</a>\n");
        if (caller is not null)
        {
            html.Append("<nav aria-label=\"Main\"><ul>");
            NavLink(html, http, "/privacy", "Privacy");
            NavLink(html, http, "/sessions", "Sessions");
            NavLink(html, http, "/usage", "Usage");
            if (caller.Account.Role is Role.OrgAdmin or Role.Operator) NavLink(html, http, "/admin", "Admin");
            html.Append("</ul></nav>\n<form class=\"signout\" method=\"post\" action=\"/signout\">")
                .Append(AntiforgeryField(http))
                .Append("<span class=\"who\">").Append(E(caller.Id)).Append("</span> ")
                .Append("<button type=\"submit\" class=\"link\">Sign out</button></form>\n");
        }

        html.Append("</div>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n").Append(main).Append("\n</main>\n</body>\n</html>\n");
        // Pages show private data: never cached, by the browser or anything in between.
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>A page that explains a refusal or a problem, with a way back.</summary>
    public static IResult Message(HttpContext http, int status, string title, string explanation, Caller? caller, string? rule = null, string backHref = "/privacy", string backText = "Back to your privacy settings")
    {
        var main = new StringBuilder()
            .Append("<h1>").Append(E(title)).Append("</h1>\n<p>").Append(E(explanation)).Append("</p>\n");
        if (rule is not null) main.Append("<p class=\"rule\">Rule: ").Append(E(rule)).Append("</p>\n");
        main.Append("<p><a href=\"").Append(E(backHref)).Append("\">").Append(E(backText)).Append("</a></p>");
        return Page(http, title, main.ToString(), caller, status);
    }

    /// <summary>Encodes prose, keeping each rule reference such as <c>(FBK-2, SRV-3)</c> on one line.</summary>
    public static string Prose(string text) => RuleReference().Replace(E(text), "<span class=\"ref\">$0</span>");

    /// <summary>The hidden anti-forgery field every form carries.</summary>
    public static string AntiforgeryField(HttpContext http)
    {
        var antiforgery = (IAntiforgery)http.RequestServices.GetService(typeof(IAntiforgery))!;
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    /// <summary>A status message after an action, announced to screen readers.</summary>
    public static string Notice(string text) => $"<p class=\"notice\" role=\"status\">{E(text)}</p>\n";

    /// <summary>An error message, announced at once.</summary>
    public static string Alert(string text) => $"<p class=\"alert\" role=\"alert\">{E(text)}</p>\n";

    /// <summary>A point in time as people read it, with the machine-readable value beside it.</summary>
    public static string Time(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return $"<time datetime=\"{utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\">"
            + E(utc.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture)) + "</time>";
    }

    /// <summary>A byte count in the unit people expect (1 KB = 1024 bytes).</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        string[] units = ["KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>An ISO 8601 retention period as words: <c>P5Y</c> is "5 years".</summary>
    public static string Period(string iso) => iso switch
    {
        "P5Y" => "5 years",
        "P30D" => "30 days",
        "P6M" => "6 months",
        "P0D" => "not stored at all",
        _ => iso,
    };

    private static void NavLink(StringBuilder html, HttpContext http, string href, string text)
    {
        var current = http.Request.Path.StartsWithSegments(href, StringComparison.Ordinal);
        html.Append("<li><a href=\"").Append(href).Append('"').Append(current ? " aria-current=\"page\"" : string.Empty)
            .Append('>').Append(E(text)).Append("</a></li>");
    }

    [GeneratedRegex(@"\([A-Z]{3}-\d+(?:, [A-Z]{3}-\d+)*\)")]
    private static partial Regex RuleReference();
}
