using System.Globalization;
using Custodian.Storage;
using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary><c>/usage</c>: usage charts and tables from telemetry, for the caller's audience only (OTL-7, CUS-82).</summary>
public sealed class UsagePageTests(BrowserFixture fixture) : WebTest(fixture)
{
    private static string Point(string session, DateTimeOffset at, double value, params (string Key, string Value)[] attributes) =>
        OtlpJson.Point(session, at, value, attributes);

    private static string Metrics(params (string Name, string[] Points)[] metrics) => OtlpJson.Metrics(metrics);

    private static string Tokens(string session, DateTimeOffset at, double tokens) => OtlpJson.Tokens(session, at, tokens, "input", Sonnet);

    private const string Sonnet = "claude-sonnet-4-5";

    private static readonly DateTimeOffset Today = new(DateTime.UtcNow.Date, TimeSpan.Zero);

    private static string Day(DateTimeOffset at) => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "CUS-82")]
    [Trait("spec", "CUS-26")]
    public async Task The_page_charts_tokens_and_cost_per_day_with_the_numbers_the_API_gives_without_any_script()
    {
        var alice = await Server.KeyAsync("alice");
        var yesterday = Today.AddDays(-1).AddHours(12);
        await Server.PostMetricsAsync(alice, Metrics(
            ("claude_code.token.usage", [
                Point("s1", Today.AddMinutes(1), 1500, ("type", "input"), ("model", Sonnet)),
                Point("s1", Today.AddMinutes(1), 250, ("type", "output"), ("model", Sonnet)),
                Point("s0", yesterday, 400, ("type", "input"), ("model", "claude-opus-4-1"))]),
            ("claude_code.cost.usage", [Point("s1", Today.AddMinutes(1), 0.75, ("model", Sonnet)), Point("s0", yesterday, 2.5, ("model", "claude-opus-4-1"))]),
            ("claude_code.active_time.total", [Point("s1", Today.AddMinutes(1), 95, ("type", "user"))])));
        var page = await NewPageAsync();
        await SignInAsync(page, alice);

        await NavigateByAsync(page, () => page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Usage" }).ClickAsync());
        Assert.Equal("/usage", new Uri(page.Url).AbsolutePath);
        var response = await OpenAsync(page, "/usage");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Usage");
        await Assertions.Expect(page.Locator("nav a[aria-current=page]")).ToHaveTextAsync("Usage");

        // The charts: images named by their title, one bar per day of the 30, each titled with its day and value.
        var tokens = page.GetByRole(AriaRole.Img, new() { Name = "Tokens per day", Exact = true });
        await Assertions.Expect(tokens).ToBeVisibleAsync();
        Assert.Equal(30, await tokens.Locator("rect.bar").CountAsync());
        var titles = await tokens.Locator("rect.bar > title").AllTextContentsAsync();
        Assert.Contains($"{Day(Today)}: 1,750 tokens", titles);
        Assert.Contains($"{Day(yesterday)}: 400 tokens", titles);
        Assert.Contains($"{Day(Today.AddDays(-2))}: 0 tokens", titles);
        var cost = page.GetByRole(AriaRole.Img, new() { Name = "Cost per day", Exact = true });
        var costTitles = await cost.Locator("rect.bar > title").AllTextContentsAsync();
        Assert.Contains($"{Day(Today)}: $0.75", costTitles);
        Assert.Contains($"{Day(yesterday)}: $2.50", costTitles);
        // Bars are drawn to scale: yesterday's cost is the tallest, today's 0.75 / 2.5 of it.
        var todayHeight = double.Parse((await cost.Locator("rect.bar").Nth(29).GetAttributeAsync("height"))!, CultureInfo.InvariantCulture);
        var yesterdayHeight = double.Parse((await cost.Locator("rect.bar").Nth(28).GetAttributeAsync("height"))!, CultureInfo.InvariantCulture);
        Assert.Equal(0.3, todayHeight / yesterdayHeight, 2);
        await Assertions.Expect(cost.Locator("desc")).ToContainTextAsync($"the most was $2.50 on {Day(yesterday)}");

        // The same numbers as a table, and the summary.
        var todayRow = page.Locator("#by-day tbody tr").Filter(new() { HasText = Day(Today) });
        await Assertions.Expect(todayRow.Locator("td")).ToHaveTextAsync(["1,750", "$0.75", "1", "1 min 35 s"]);
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("Tokens2,150");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("Cost$3.25");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("Sessions2");
        var sonnet = page.Locator("#by-models tbody tr").Filter(new() { HasText = Sonnet });
        await Assertions.Expect(sonnet.Locator("td")).ToHaveTextAsync(["1,500", "250", "0", "0", "$0.75", "1"]);
        // A user's page has no table of other users.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "By user" })).ToHaveCountAsync(0);

        var (status, api) = await Server.ApiAsync(HttpMethod.Get, "/v1/usage", alice);
        Assert.Equal(200, status);
        Assert.Equal(2150, api.GetProperty("totals").GetProperty("tokens").GetInt64());
        Assert.Equal(3.25, api.GetProperty("totals").GetProperty("costUsd").GetDouble());

        // No script of any kind, and nothing the Content-Security-Policy had to block.
        Assert.Equal(0, await page.Locator("script").CountAsync());
        Assert.DoesNotContain("<script", await response.TextAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", await response.TextAsync(), StringComparison.Ordinal);
        Assert.True(ConsoleProblems.Count == 0, string.Join("\n", ConsoleProblems));

        // Choosing a range is a plain GET form.
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(Day(yesterday));
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(Day(yesterday));
        await SubmitAsync(page, "Show");
        Assert.Equal($"?from={Day(yesterday)}&to={Day(yesterday)}", new Uri(page.Url).Query);
        Assert.Equal(1, await page.GetByRole(AriaRole.Img, new() { Name = "Tokens per day", Exact = true }).Locator("rect.bar").CountAsync());
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("Tokens400");
    }

    [Fact]
    [Trait("spec", "OTL-7")]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "CUS-82")]
    public async Task A_user_sees_only_their_own_usage_and_an_org_admin_their_organizations_by_user()
    {
        var alice = await Server.KeyAsync("alice", org: "acme");
        var carol = await Server.KeyAsync("carol", org: "acme");
        var dave = await Server.KeyAsync("dave", org: "globex");
        var admin = await Server.KeyAsync("bob", Role.OrgAdmin, org: "acme");
        await Server.PostMetricsAsync(alice, Tokens("a1", Today.AddMinutes(2), 100));
        await Server.PostMetricsAsync(carol, Tokens("c1", Today.AddMinutes(2), 20));
        await Server.PostMetricsAsync(dave, Tokens("d1", Today.AddMinutes(2), 98765));

        var page = await NewPageAsync();
        await SignInAsync(page, alice);
        await OpenAsync(page, "/usage");
        await Assertions.Expect(page.Locator(".lead")).ToContainTextAsync("Your usage");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("Tokens100");
        var main = await page.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("98,765", main, StringComparison.Ordinal);
        Assert.DoesNotContain("carol", main, StringComparison.Ordinal);

        var adminPage = await NewPageAsync();
        await SignInAsync(adminPage, admin);
        await OpenAsync(adminPage, "/usage");
        await Assertions.Expect(adminPage.Locator(".lead")).ToContainTextAsync("organization acme");
        await Assertions.Expect(adminPage.Locator("#summary")).ToContainTextAsync("Tokens120");
        var users = adminPage.Locator("#by-users tbody th");
        await Assertions.Expect(users).ToHaveTextAsync(["alice", "carol"]);
        var adminMain = await adminPage.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("dave", adminMain, StringComparison.Ordinal);
        Assert.DoesNotContain("98,765", adminMain, StringComparison.Ordinal);
        Assert.True(ConsoleProblems.Count == 0, string.Join("\n", ConsoleProblems));
    }

    [Fact]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "CUS-82")]
    public async Task The_survey_results_count_the_ratings_of_the_range_and_a_bad_range_is_a_400_page()
    {
        var alice = await Server.KeyAsync("alice");
        var bob = await Server.KeyAsync("bob");
        foreach (var (key, session, rating) in new[] { (alice, "s1", 3), (alice, "s2", 3), (alice, "s3", 1), (alice, "s4", 0), (bob, "b1", 2) })
        {
            var (status, _) = await Server.ApiAsync(HttpMethod.Post, "/v1/survey/ratings", key, new { sessionId = session, appearanceId = "a-" + session, rating });
            Assert.Equal(201, status);
        }

        var page = await NewPageAsync();
        await SignInAsync(page, alice);
        await OpenAsync(page, "/usage");
        var survey = page.GetByRole(AriaRole.Region, new() { Name = "Survey results" });
        await Assertions.Expect(survey.Locator("tbody td")).ToHaveTextAsync(["2", "0", "1", "1"]);
        await Assertions.Expect(survey.Locator("tbody th")).ToHaveTextAsync(["3 Good", "2 Fine", "1 Bad", "0 Dismissed"]);
        // A range before the ratings were given counts none.
        await OpenAsync(page, $"/usage?from={Day(Today.AddDays(-10))}&to={Day(Today.AddDays(-9))}");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Survey results" }).Locator("tbody td")).ToHaveTextAsync(["0", "0", "0", "0"]);

        await OpenAsync(page, "/usage?from=2026-02-30", expectedStatus: 400);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Usage can't be shown for that range");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("from: expected a UTC date yyyy-MM-dd");
        await OpenAsync(page, "/usage?from=2024-01-01&to=2026-01-01", expectedStatus: 400);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("at most 366 days");
    }
}
