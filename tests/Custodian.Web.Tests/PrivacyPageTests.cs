using System.Text.Json;
using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary><c>/privacy</c>: the model-improvement switch, what it means for retention, and that it applies from now on.</summary>
public sealed class PrivacyPageTests(BrowserFixture fixture) : WebTest(fixture)
{
    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "TRN-3")]
    public async Task Flipping_the_switch_changes_the_retention_shown_on_the_page_and_in_the_API()
    {
        var key = await Server.KeyAsync("alice");
        var before = await Server.PostEventsAsync(key, "before", "captured while off");
        Assert.Equal("P30D", before.GetProperty("retention").GetString());

        var page = await NewPageAsync();
        await SignInAsync(page, key);
        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "Allow data use for model improvement" });
        await Assertions.Expect(toggle).Not.ToBeCheckedAsync();
        await Assertions.Expect(page.Locator("#retention")).ToContainTextAsync("30 days");
        await Assertions.Expect(page.Locator("#training")).ToContainTextAsync("No");
        await Assertions.Expect(page.Locator("#current-state")).ToContainTextAsync("Currently off");

        await toggle.CheckAsync();
        var saved = await SubmitAsync(page, "Save");
        Assert.Equal(200, saved.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved. Applies to data captured from now on.");
        await Assertions.Expect(toggle).ToBeCheckedAsync();
        await Assertions.Expect(page.Locator("#retention")).ToContainTextAsync("5 years");
        await Assertions.Expect(page.Locator("#training")).ToContainTextAsync("Yes");
        await Assertions.Expect(page.Locator("#current-state")).ToContainTextAsync("Currently on, since");

        // The API sees the same change: the page went through the same consent path.
        var (status, privacy) = await Server.ApiAsync(HttpMethod.Get, "/v1/me/privacy", key);
        Assert.Equal(200, status);
        Assert.True(privacy.GetProperty("allowModelImprovement").GetBoolean());
        Assert.Equal("P5Y", privacy.GetProperty("sessionRetention").GetString());
        var since = privacy.GetProperty("since").GetDateTimeOffset();
        await Assertions.Expect(page.Locator("#current-state time")).ToHaveAttributeAsync("datetime", since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));

        // TRN-3: data captured before the change keeps what it was captured with; data captured after gets the new policy.
        var after = await Server.PostEventsAsync(key, "after", "captured while on");
        Assert.Equal("P5Y", after.GetProperty("retention").GetString());
        Assert.True(after.GetProperty("trainingEligible").GetBoolean());
        var (_, old) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions/before", key);
        var oldEvent = old.GetProperty("events")[0];
        Assert.False(oldEvent.GetProperty("trainingEligible").GetBoolean());
        Assert.True(oldEvent.GetProperty("expiresAt").GetDateTimeOffset() - oldEvent.GetProperty("capturedAt").GetDateTimeOffset() == TimeSpan.FromDays(30));

        // And back off: 30 days again, on the page and in the API.
        await toggle.UncheckAsync();
        await SubmitAsync(page, "Save");
        await Assertions.Expect(page.Locator("#retention")).ToContainTextAsync("30 days");
        (_, privacy) = await Server.ApiAsync(HttpMethod.Get, "/v1/me/privacy", key);
        Assert.False(privacy.GetProperty("allowModelImprovement").GetBoolean());
        Assert.Equal("P30D", privacy.GetProperty("sessionRetention").GetString());
        Assert.True(ConsoleProblems.Count == 0, string.Join("\n", ConsoleProblems));
    }

    [Fact]
    [Trait("spec", "TRN-1")]
    public async Task The_switch_works_with_the_keyboard_alone()
    {
        var key = await Server.KeyAsync("bob");
        var page = await NewPageAsync();
        await SignInAsync(page, key);

        // Tab from the top of the page until the switch has focus, then Space toggles it and Enter submits the form.
        var reached = false;
        for (var i = 0; i < 15 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<bool>("() => document.activeElement?.id === 'allowModelImprovement'");
        }

        Assert.True(reached, "the switch cannot be reached with Tab");
        // The focused switch is drawn with the focus ring (saved for looking at, beside the page screenshots).
        Assert.Equal("solid", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotTests.Directory(), "privacy-keyboard-focus-desktop.png") });
        await page.Keyboard.PressAsync("Space");
        await NavigateByAsync(page, () => page.Keyboard.PressAsync("Enter"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved. Applies to data captured from now on.");
        var (_, privacy) = await Server.ApiAsync(HttpMethod.Get, "/v1/me/privacy", key);
        Assert.True(privacy.GetProperty("allowModelImprovement").GetBoolean());
    }

    [Fact]
    [Trait("spec", "TRN-2")]
    [Trait("spec", "RET-2")]
    public async Task A_commercial_plan_is_told_that_the_switch_does_not_change_its_30_days()
    {
        var key = await Server.KeyAsync("carol", Storage.Role.User, Policy.Plan.Team, "acme");
        var page = await NewPageAsync();
        await SignInAsync(page, key);
        await Assertions.Expect(page.Locator("#allow-help")).ToContainTextAsync("commercial plan");
        await page.GetByRole(AriaRole.Switch).CheckAsync();
        await SubmitAsync(page, "Save");
        await Assertions.Expect(page.Locator("#retention")).ToContainTextAsync("30 days");
        await Assertions.Expect(page.Locator("#training")).ToContainTextAsync("No");
        var (_, privacy) = await Server.ApiAsync(HttpMethod.Get, "/v1/me/privacy", key);
        Assert.True(privacy.GetProperty("allowModelImprovement").GetBoolean());
        Assert.Equal("P30D", privacy.GetProperty("sessionRetention").GetString());
        Assert.Equal(JsonValueKind.False, privacy.GetProperty("trainingEligible").ValueKind);
    }
}
