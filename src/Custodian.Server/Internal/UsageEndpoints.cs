using System.Globalization;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Custodian.Server.Internal;

/// <summary>What <c>GET /v1/usage</c> was asked: UTC days, both inclusive, and the grouping (CUS-80).</summary>
/// <param name="From">The first day.</param>
/// <param name="To">The last day.</param>
/// <param name="By">The grouping.</param>
internal sealed record UsageRequest(DateOnly From, DateOnly To, UsageGrouping By)
{
    /// <summary>The number of days of the range.</summary>
    public int Days => To.DayNumber - From.DayNumber + 1;
}

/// <summary>
/// <c>GET /v1/usage?from=&amp;to=&amp;by=day|user|model</c> (OTL-7, CUS-80): tokens, cost, sessions and active time
/// from Claude Code's usage metrics (CUS-81), of the caller's own telemetry, their organization's (org admins) or
/// everyone's (operators). The web page <c>/usage</c> reads through the same methods.
/// </summary>
internal static class UsageEndpoints
{
    /// <summary>The range when neither end is given: the last 30 days, today included.</summary>
    public const int DefaultDays = 30;

    /// <summary>The longest range one request may ask for.</summary>
    public const int MaxDays = 366;

    /// <summary>At most this many rows by user or by model (the largest by cost); <c>truncated</c> says when there were more.</summary>
    public const int MaxRows = 1000;

    private static readonly DateOnly Earliest = new(1970, 1, 1);

    private static readonly DateOnly Latest = new(9999, 12, 30);

    public static void Map(RouteGroupBuilder api) => api.MapGet("/usage", GetAsync);

    private static async Task<IResult> GetAsync(HttpContext http, ICustodianStore store, TimeProvider time)
    {
        var caller = Caller.Of(http);
        var (request, error) = Parse(http.Request.Query, time.GetUtcNow());
        if (error is not null) return Problems.Problem(StatusCodes.Status400BadRequest, "Bad request", error, "CUS-80");
        var report = await ReadAsync(caller, request!, store, time, http.RequestAborted);
        return Results.Json(View(caller, request!, report), ServerJson.Default.UsageView);
    }

    /// <summary>
    /// Reads the query: <c>from</c> and <c>to</c> as UTC dates <c>yyyy-MM-dd</c> (an empty value is no value),
    /// <c>by</c> as <c>day</c>, <c>user</c> or <c>model</c>; nothing else, nothing twice. The error names the parameter.
    /// </summary>
    public static (UsageRequest? Request, string? Error) Parse(IQueryCollection query, DateTimeOffset now)
    {
        foreach (var (name, values) in query)
        {
            if (name is not ("from" or "to" or "by")) return (null, $"{Shown(name)}: not a parameter of /v1/usage, which takes from, to and by");
            if (values.Count > 1) return (null, $"{name}: given {values.Count} times; give it once");
        }

        DateOnly? from = null, to = null;
        if (Value(query, "from") is { } fromText)
        {
            if (!TryDate(fromText, out var day)) return (null, DateProblem("from", fromText));
            from = day;
        }

        if (Value(query, "to") is { } toText)
        {
            if (!TryDate(toText, out var day)) return (null, DateProblem("to", toText));
            to = day;
        }

        var by = UsageGrouping.Day;
        if (Value(query, "by") is { } byText)
        {
            switch (byText)
            {
                case "day": break;
                case "user": by = UsageGrouping.User; break;
                case "model": by = UsageGrouping.Model; break;
                default: return (null, $"by: expected day, user or model, got '{Shown(byText)}'");
            }
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var last = to ?? (from is { } f && f > today ? f : today);
        var first = from ?? (last.DayNumber - (DefaultDays - 1) < Earliest.DayNumber ? Earliest : last.AddDays(-(DefaultDays - 1)));
        if (first > last) return (null, $"from: {Format(first)} is after to ({Format(last)})");
        var request = new UsageRequest(first, last, by);
        if (request.Days > MaxDays) return (null, $"{(to is null ? "from" : "to")}: from {Format(first)} to {Format(last)} is {request.Days} days; at most {MaxDays} days per request");
        return (request, null);
    }

    /// <summary>
    /// The report for <paramref name="caller"/>'s audience (OTL-7). A read of an organization's or everyone's usage is
    /// audited as <c>usage.read</c> (ACC-2), whatever it finds.
    /// </summary>
    public static async Task<UsageReport> ReadAsync(Caller caller, UsageRequest request, ICustodianStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await AuditAsync(caller, request, Name(request.By), store, now, cancellationToken);
        return await ReportAsync(caller, request, request.By, store, now, cancellationToken);
    }

    /// <summary>Audits a read of other accounts' usage as <c>usage.read</c> (<c>role=… by=… from=… to=…</c>); a user's own read is not.</summary>
    public static Task AuditAsync(Caller caller, UsageRequest request, string by, ICustodianStore store, DateTimeOffset now, CancellationToken cancellationToken) =>
        caller.Audience.AccountId is not null
            ? Task.CompletedTask
            : store.AppendAuditAsync(caller.Id, "usage.read", caller.Audience.OrgId ?? "-",
                $"role={OtlpEndpoints.RoleName(caller.Account.Role)} by={by} from={Format(request.From)} to={Format(request.To)}", now, cancellationToken);

    /// <summary>The store's report of the request's days, grouped <paramref name="by"/>, for the caller's audience (not audited).</summary>
    public static Task<UsageReport> ReportAsync(
        Caller caller, UsageRequest request, UsageGrouping by, ICustodianStore store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (from, to) = Instants(request);
        return store.GetUsageAsync(new UsageQuery(from, to, by, caller.Audience, MaxRows), now, cancellationToken);
    }

    /// <summary>The request's first instant and the end of its last day (exclusive).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Instants(UsageRequest request) => (
        new DateTimeOffset(request.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        new DateTimeOffset(request.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>The answer's JSON shape.</summary>
    public static UsageView View(Caller caller, UsageRequest request, UsageReport report) => new(
        Format(request.From), Format(request.To), Name(request.By), ScopeOf(caller.Audience), caller.Audience.OrgId, Amounts(report.Totals),
        [.. report.Rows.Select(r => Row(r.Key, r.Usage))], report.Truncated);

    /// <summary><c>own</c>, <c>organization</c> or <c>all</c>.</summary>
    public static string ScopeOf(TelemetryAudience audience) =>
        audience.AccountId is not null ? "own" : audience.OrgId is not null ? "organization" : "all";

    public static string Name(UsageGrouping by) => by switch
    {
        UsageGrouping.User => "user",
        UsageGrouping.Model => "model",
        _ => "day",
    };

    public static string Format(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static UsageAmountsView Amounts(UsageTotals u) => new(
        u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheCreationTokens, u.Tokens, Money(u.CostUsd), u.Sessions, Seconds(u.ActiveSeconds));

    private static UsageRowView Row(string key, UsageTotals u) => new(
        key, u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheCreationTokens, u.Tokens, Money(u.CostUsd), u.Sessions, Seconds(u.ActiveSeconds));

    // Sums of doubles carry binary noise (0.30000000000000004): dollars to the micro-dollar, seconds to the millisecond.
    private static double Money(double usd) => Math.Round(usd, 6);

    private static double? Seconds(double? seconds) => seconds is { } s ? Math.Round(s, 3) : null;

    private static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.ToString() is { Length: > 0 } text ? text : null;

    private static bool TryDate(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day) && day >= Earliest && day <= Latest;

    private static string DateProblem(string name, string text) =>
        $"{name}: expected a UTC date yyyy-MM-dd from {Format(Earliest)} to {Format(Latest)}, got '{Shown(text)}'";

    /// <summary>Untrusted text in a one-line error: at most 40 characters, control characters replaced.</summary>
    private static string Shown(string text)
    {
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        return string.Create(shown.Length, shown, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }
}
