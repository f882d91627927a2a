using Custodian.Policy;
using Custodian.Storage;
using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary>
/// Every page at desktop and phone width (375 px): saved under <c>artifacts/screenshots/</c> to be looked at, and
/// checked for what can be checked mechanically: one language, labels on every input, a heading outline without
/// gaps, and no sideways scrolling.
/// </summary>
public sealed class ScreenshotTests(BrowserFixture fixture) : WebTest(fixture)
{
    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "RET-3")]
    [Trait("spec", "DPP-2")]
    public async Task Every_page_is_accessible_fits_the_width_and_is_captured(string width)
    {
        var viewport = width == "phone" ? Phone : Desktop;
        var directory = Directory();

        var user = await Server.KeyAsync("alice");
        await Server.PostEventsAsync(user, "0f7c2a9e-2b1d-4c55-9d1e-6a8e4b7d1c30", "refactor the parser", "now add tests", "thanks");
        await Server.PostEventsAsync(user, "fix-login-redirect", "why does the login page loop?");
        var teamAdmin = await Server.KeyAsync("tom", Role.OrgAdmin, Plan.Team, "smallco");
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        for (var day = 0; day < 30; day += 3)
        {
            var at = today.AddDays(-day).AddMinutes(1);
            await Server.PostMetricsAsync(user, OtlpJson.Metrics(
                ("claude_code.token.usage", [OtlpJson.Point("fix-login-redirect", at, 20_000 + (day * 1_500), ("type", "input"), ("model", "claude-sonnet-4-5"))]),
                ("claude_code.cost.usage", [OtlpJson.Point("fix-login-redirect", at, 0.3 + (day * 0.05), ("model", "claude-sonnet-4-5"))])));
        }


        var page = await NewPageAsync(viewport);
        await CaptureAsync(page, "/signin", "signin", width, directory);
        await SignInAsync(page, user);
        await page.GetByRole(AriaRole.Switch).CheckAsync();
        await SubmitAsync(page, "Save");
        await CaptureAsync(page, null, "privacy", width, directory);
        await CaptureAsync(page, "/sessions", "sessions", width, directory);
        await CaptureAsync(page, "/sessions/fix-login-redirect/delete", "session-delete", width, directory);
        await CaptureAsync(page, "/usage", "usage", width, directory);
        await CaptureAsync(page, "/admin", "admin-forbidden", width, directory, expectedStatus: 403);

        var admin = await NewPageAsync(viewport);
        await SignInAsync(admin, teamAdmin);
        await CaptureAsync(admin, "/admin", "admin", width, directory);
        Assert.True(ConsoleProblems.Count == 0, string.Join("\n", ConsoleProblems));
    }

    private static async Task CaptureAsync(IPage page, string? path, string name, string width, string directory, int expectedStatus = 200)
    {
        if (path is not null) await OpenAsync(page, path, expectedStatus);
        Assert.Equal("en", await page.EvaluateAsync<string>("() => document.documentElement.lang"));
        Assert.Equal(1, await page.Locator("h1").CountAsync());
        var unlabeled = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0).map(e => e.name || e.id)");
        Assert.Empty(unlabeled);
        // Heading levels never skip one going down (h1 → h3 would lose screen-reader users).
        var levels = await page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])");
        Assert.Equal(1, levels[0]);
        for (var i = 1; i < levels.Length; i++) Assert.True(levels[i] <= levels[i - 1] + 1, $"{name}: heading h{levels[i]} follows h{levels[i - 1]}");
        // Buttons are buttons, with names.
        Assert.Equal(0, await page.EvaluateAsync<int>("() => [...document.querySelectorAll('button')].filter(b => !b.textContent.trim()).length"));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            $"{name} scrolls sideways at {width} width");
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}-{width}.png"), FullPage = true });
    }

    /// <summary><c>artifacts/screenshots/</c> of the checkout, created if missing.</summary>
    public static string Directory()
    {
        var directory = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Custodian.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("Custodian.slnx not found above " + AppContext.BaseDirectory);
    }
}
