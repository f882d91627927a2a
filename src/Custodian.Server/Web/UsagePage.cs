using System.Globalization;
using System.Text;
using Custodian.Server.Internal;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Web;

/// <summary>
/// <c>/usage</c> (OTL-7, CUS-82): tokens and cost per day as server-rendered SVG bar charts with the same numbers in a
/// table, usage by user (org admins and operators) and by model, and the survey results of the range. Everything
/// comes from the same reads as <c>GET /v1/usage</c> (CUS-80, CUS-81), for the same audience.
/// </summary>
internal static class UsagePage
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Map(RouteGroupBuilder pages) => pages.MapGet("/usage", RenderAsync);

    private static async Task<IResult> RenderAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = WebPages.CallerOf(http)!;
        var now = time.GetUtcNow();
        var (request, error) = UsageEndpoints.Parse(http.Request.Query, now);
        if (error is not null)
        {
            return Html.Message(http, StatusCodes.Status400BadRequest, "Usage can't be shown for that range", error, caller, rule: "CUS-80",
                backHref: "/usage", backText: "Back to the last 30 days");
        }

        var audience = caller.Audience;
        var wide = audience.AccountId is null;
        // One page view reads other accounts' usage once: one audit entry for all of its tables (ACC-2).
        await UsageEndpoints.AuditAsync(caller, request!, "page", store, now, http.RequestAborted);
        var days = await UsageEndpoints.ReportAsync(caller, request!, UsageGrouping.Day, store, now, http.RequestAborted);
        var models = await UsageEndpoints.ReportAsync(caller, request!, UsageGrouping.Model, store, now, http.RequestAborted);
        var users = wide ? await UsageEndpoints.ReportAsync(caller, request!, UsageGrouping.User, store, now, http.RequestAborted) : null;
        var ratings = await RatingsAsync(caller, request!, store, now, http.RequestAborted);

        var from = UsageEndpoints.Format(request!.From);
        var to = UsageEndpoints.Format(request.To);
        var whose = audience.AccountId is not null ? "Your usage"
            : audience.OrgId is { } org ? $"The usage of every account of organization {org}"
            : "The usage of every account on this server";
        var main = new StringBuilder(16384).Append("<h1>Usage</h1>\n")
            .Append("<p class=\"lead\">").Append(Html.E(whose)).Append(" from ").Append(Html.E(from)).Append(" to ").Append(Html.E(to))
            .Append(" (UTC days), counted from the telemetry Claude Code sends to this server").Append(Html.Prose(" (OTL-7).")).Append("</p>\n")
            .Append("<form method=\"get\" action=\"/usage\" class=\"card inline range\">\n")
            .Append("<div><label for=\"from\">From</label><input id=\"from\" name=\"from\" type=\"date\" value=\"").Append(from).Append("\"></div>\n")
            .Append("<div><label for=\"to\">To</label><input id=\"to\" name=\"to\" type=\"date\" value=\"").Append(to).Append("\"></div>\n")
            .Append("<button type=\"submit\">Show</button>\n</form>\n");

        var t = days.Totals;
        main.Append("<section class=\"card\" aria-labelledby=\"summary-heading\">\n<h2 id=\"summary-heading\">Summary</h2>\n<dl class=\"facts\" id=\"summary\">\n")
            .Append("<dt>Tokens</dt><dd>").Append(Count(t.Tokens)).Append("</dd>\n")
            .Append("<dt>Cost</dt><dd>").Append(Money(t.CostUsd)).Append("</dd>\n")
            .Append("<dt>Sessions</dt><dd>").Append(Count(t.Sessions)).Append("</dd>\n")
            .Append("<dt>Active time</dt><dd>").Append(Duration(t.ActiveSeconds ?? 0)).Append("</dd>\n</dl>\n")
            .Append("<p class=\"help\">Cost is Claude Code's own estimate. Tokens and cost that arrive as running totals are counted by how much they grew, never twice")
            .Append(Html.Prose(" (CUS-81).")).Append("</p>\n</section>\n");

        Chart(main, "tokens", "Tokens per day", "tokens", days.Rows, u => u.Tokens, v => Count((long)v) + " tokens");
        Chart(main, "cost", "Cost per day", "US dollars", days.Rows, u => u.CostUsd, Money);

        main.Append("<section class=\"card\" aria-labelledby=\"days-heading\">\n<h2 id=\"days-heading\">By day</h2>\n")
            .Append("<div class=\"table-wrap\"><table class=\"data\" id=\"by-day\">\n<caption class=\"visually-hidden\">Usage by day, the numbers of both charts</caption>\n")
            .Append("<thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Tokens</th><th scope=\"col\">Cost</th><th scope=\"col\">Sessions</th><th scope=\"col\">Active time</th></tr></thead>\n<tbody>\n");
        foreach (var row in days.Rows)
        {
            main.Append("<tr><th scope=\"row\"><time datetime=\"").Append(row.Key).Append("\">").Append(row.Key).Append("</time></th><td>")
                .Append(Count(row.Usage.Tokens)).Append("</td><td>").Append(Money(row.Usage.CostUsd)).Append("</td><td>").Append(Count(row.Usage.Sessions))
                .Append("</td><td>").Append(Duration(row.Usage.ActiveSeconds ?? 0)).Append("</td></tr>\n");
        }

        main.Append("</tbody>\n</table></div>\n</section>\n");
        if (users is not null) Groups(main, "users", "By user", "Account", users, activeTime: true);
        Groups(main, "models", "By model", "Model", models, activeTime: false);
        Survey(main, ratings);
        return Html.Page(http, "Usage", main.ToString(), caller);
    }

    /// <summary>The survey's ratings of the range that the caller may read, counted by answer in the store (SRV-1, OTL-7).</summary>
    private static Task<IReadOnlyList<long>> RatingsAsync(Caller caller, UsageRequest request, ICustodianStore store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (from, to) = UsageEndpoints.Instants(request);
        return store.CountRatingsAsync(caller.Audience, from, to, now, cancellationToken);
    }

    /// <summary>
    /// A bar chart of one value per day as inline SVG: no script, no style attribute (the CSP allows neither), colours
    /// from the stylesheet. Named by its title and description; each bar's title gives its day and value.
    /// </summary>
    private static void Chart(StringBuilder html, string id, string title, string unit, IReadOnlyList<UsageRow> days, Func<UsageTotals, double> value, Func<double, string> format)
    {
        const double width = 720, height = 240, left = 76, right = 8, top = 12, bottom = 28;
        const double plotWidth = width - left - right, plotHeight = height - top - bottom;
        var values = days.Select(d => value(d.Usage)).ToArray();
        var max = values.Length == 0 ? 0 : values.Max();
        var scale = max > 0 ? max : 1;
        var busiest = max > 0 ? days[Array.IndexOf(values, max)].Key : null;
        var description = max > 0
            ? $"{days.Count} days from {days[0].Key} to {days[^1].Key}; the most was {format(max)} on {busiest}. The numbers are in the table By day."
            : $"No {unit} in the {days.Count} days from {days[0].Key} to {days[^1].Key}.";

        html.Append("<section class=\"card\" aria-labelledby=\"").Append(id).Append("-heading\">\n<h2 id=\"").Append(id).Append("-heading\">").Append(Html.E(title)).Append("</h2>\n")
            .Append("<figure class=\"chart\">\n<svg id=\"").Append(id).Append("-chart\" class=\"chart ").Append(id).Append("\" viewBox=\"0 0 ")
            .Append(N(width)).Append(' ').Append(N(height)).Append("\" role=\"img\" aria-labelledby=\"").Append(id).Append("-title\" aria-describedby=\"").Append(id).Append("-desc\">\n")
            .Append("<title id=\"").Append(id).Append("-title\">").Append(Html.E(title)).Append("</title>\n")
            .Append("<desc id=\"").Append(id).Append("-desc\">").Append(Html.E(description)).Append("</desc>\n");
        // The scale: zero, half and the most of one day (only zero when there is nothing).
        foreach (var fraction in max > 0 ? new[] { 0.0, 0.5, 1.0 } : [0.0])
        {
            var y = top + plotHeight - (fraction * plotHeight);
            html.Append("<line class=\"grid\" x1=\"").Append(N(left)).Append("\" x2=\"").Append(N(width - right)).Append("\" y1=\"").Append(N(y)).Append("\" y2=\"").Append(N(y)).Append("\"/>")
                .Append("<text class=\"axis\" x=\"").Append(N(left - 6)).Append("\" y=\"").Append(N(y + 4)).Append("\" text-anchor=\"end\">")
                .Append(Html.E(format(fraction * max))).Append("</text>\n");
        }

        var slot = plotWidth / Math.Max(1, days.Count);
        for (var i = 0; i < days.Count; i++)
        {
            var barHeight = values[i] / scale * plotHeight;
            html.Append("<rect class=\"bar\" x=\"").Append(N(left + (i * slot) + (slot * 0.1))).Append("\" y=\"").Append(N(top + plotHeight - barHeight))
                .Append("\" width=\"").Append(N(slot * 0.8)).Append("\" height=\"").Append(N(barHeight)).Append("\"><title>")
                .Append(days[i].Key).Append(": ").Append(Html.E(format(values[i]))).Append("</title></rect>\n");
        }

        // The first and last day under the bars, and the middle one when there is room.
        var labelled = days.Count > 2 ? new[] { 0, days.Count / 2, days.Count - 1 } : Enumerable.Range(0, days.Count).ToArray();
        foreach (var i in labelled.Distinct())
        {
            var anchor = i == 0 ? "start" : i == days.Count - 1 ? "end" : "middle";
            var x = i == 0 ? left : i == days.Count - 1 ? width - right : left + ((i + 0.5) * slot);
            html.Append("<text class=\"axis\" x=\"").Append(N(x)).Append("\" y=\"").Append(N(height - 8)).Append("\" text-anchor=\"").Append(anchor).Append("\">")
                .Append(days[i].Key).Append("</text>\n");
        }

        html.Append("</svg>\n<figcaption class=\"help\">").Append(Html.E(description)).Append("</figcaption>\n</figure>\n</section>\n");
    }

    private static void Groups(StringBuilder html, string id, string title, string what, UsageReport report, bool activeTime)
    {
        html.Append("<section class=\"card\" aria-labelledby=\"").Append(id).Append("-heading\">\n<h2 id=\"").Append(id).Append("-heading\">").Append(Html.E(title)).Append("</h2>\n");
        if (report.Rows.Count == 0)
        {
            html.Append("<p>No usage in this range.</p>\n</section>\n");
            return;
        }

        html.Append("<div class=\"table-wrap\"><table class=\"data\" id=\"by-").Append(id).Append("\">\n<thead><tr><th scope=\"col\">").Append(what)
            .Append("</th><th scope=\"col\">Input</th><th scope=\"col\">Output</th><th scope=\"col\">Cache read</th><th scope=\"col\">Cache creation</th>")
            .Append("<th scope=\"col\">Cost</th><th scope=\"col\">Sessions</th>").Append(activeTime ? "<th scope=\"col\">Active time</th>" : string.Empty)
            .Append("</tr></thead>\n<tbody>\n");
        foreach (var row in report.Rows)
        {
            var u = row.Usage;
            html.Append("<tr><th scope=\"row\">").Append(row.Key.Length == 0 ? "<em>no model named</em>" : Html.E(row.Key)).Append("</th><td>")
                .Append(Count(u.InputTokens)).Append("</td><td>").Append(Count(u.OutputTokens)).Append("</td><td>").Append(Count(u.CacheReadTokens))
                .Append("</td><td>").Append(Count(u.CacheCreationTokens)).Append("</td><td>").Append(Money(u.CostUsd)).Append("</td><td>").Append(Count(u.Sessions))
                .Append("</td>").Append(activeTime ? "<td>" + Duration(u.ActiveSeconds ?? 0) + "</td>" : string.Empty).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
        if (report.Truncated) html.Append("<p class=\"help\">Only the ").Append(UsageEndpoints.MaxRows).Append(" largest by cost are shown.</p>\n");
        if (!activeTime) html.Append("<p class=\"help\">Active time is not counted per model: Claude Code reports it without one.</p>\n");
        html.Append("</section>\n");
    }

    private static void Survey(StringBuilder html, IReadOnlyList<long> byRating)
    {
        html.Append("<section class=\"card\" aria-labelledby=\"survey-heading\">\n<h2 id=\"survey-heading\">Survey results</h2>\n")
            .Append("<p class=\"help\">Answers to \"How is Claude doing this session?\" recorded in this range").Append(Html.Prose(" (SRV-1).")).Append("</p>\n")
            .Append("<table class=\"data\" id=\"survey\">\n<thead><tr><th scope=\"col\">Answer</th><th scope=\"col\">Ratings</th></tr></thead>\n<tbody>\n");
        foreach (var (rating, label) in new[] { (3, "3 Good"), (2, "2 Fine"), (1, "1 Bad"), (0, "0 Dismissed") })
        {
            html.Append("<tr><th scope=\"row\">").Append(label).Append("</th><td>").Append(Count(byRating[rating])).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static string Count(long n) => n.ToString("N0", Invariant);

    /// <summary>Dollars to the cent, and to a hundredth of a cent below one dollar (a session often costs less).</summary>
    private static string Money(double usd) => "$" + usd.ToString(usd is > 0 and < 1 ? "0.00##" : "#,0.00", Invariant);

    private static string Duration(double seconds)
    {
        if (seconds < 60) return seconds.ToString("0.#", Invariant) + " s";
        var whole = (long)Math.Round(seconds);
        return whole < 3600
            ? string.Create(Invariant, $"{whole / 60} min {whole % 60} s")
            : string.Create(Invariant, $"{whole / 3600} h {whole % 3600 / 60} min");
    }

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", Invariant);
}
