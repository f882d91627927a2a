using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary><c>/sessions</c>: the user's sessions, and permanent deletion behind a confirmation (DEL-1, DEL-2).</summary>
public sealed class SessionsPageTests(BrowserFixture fixture) : WebTest(fixture)
{
    [Fact]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "DEL-2")]
    public async Task Deleting_a_session_through_the_confirmation_removes_it_from_the_page_and_the_API_and_is_audited()
    {
        var key = await Server.KeyAsync("alice");
        await Server.PostEventsAsync(key, "doomed-session", "first prompt", "second prompt");
        await Server.PostEventsAsync(key, "kept-session", "another prompt");
        var page = await NewPageAsync();
        await SignInAsync(page, key);

        await OpenAsync(page, "/sessions");
        var doomed = page.GetByRole(AriaRole.Listitem).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "doomed-session" }) });
        await Assertions.Expect(doomed).ToContainTextAsync("2 events");
        await Assertions.Expect(doomed).ToContainTextAsync("Last activity");
        await Assertions.Expect(doomed.Locator("dd").Nth(1)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ B in 2 events$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "kept-session" })).ToBeVisibleAsync();

        // The first step only asks: it says the deletion is permanent, and nothing is deleted yet.
        await NavigateByAsync(page, () => doomed.GetByRole(AriaRole.Link, new() { Name = "Delete session doomed-session" }).ClickAsync());
        Assert.Equal("/sessions/doomed-session/delete", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Delete session doomed-session?");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("This is permanent and cannot be undone.");
        var (status, _) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions/doomed-session", key);
        Assert.Equal(200, status);

        var done = await SubmitAsync(page, "Delete permanently");
        Assert.Equal(200, done.Status);
        Assert.Equal("/sessions", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Session doomed-session was deleted permanently.");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "doomed-session" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "kept-session" })).ToBeVisibleAsync();

        // Gone from the API too, and only that one.
        var (listStatus, list) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions", key);
        Assert.Equal(200, listStatus);
        Assert.Equal(["kept-session"], list.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        (status, _) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions/doomed-session", key);
        Assert.Equal(404, status);

        // The audit log has who deleted what, without the content (DEL-2).
        var operatorKey = await Server.KeyAsync("ops", Storage.Role.Operator);
        var (auditStatus, audit) = await Server.ApiAsync(HttpMethod.Get, "/v1/audit", operatorKey);
        Assert.Equal(200, auditStatus);
        Assert.True(audit.GetProperty("intact").GetBoolean());
        var deletion = Assert.Single(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("action").GetString() == "session.delete");
        Assert.Equal("alice", deletion.GetProperty("actor").GetString());
        Assert.Equal("doomed-session", deletion.GetProperty("target").GetString());
        Assert.DoesNotContain("prompt", audit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "DEL-1")]
    [Trait("spec", "ACC-2")]
    public async Task Cancel_keeps_the_session_and_another_users_session_cannot_be_deleted_from_the_page()
    {
        var alice = await Server.KeyAsync("alice");
        var bob = await Server.KeyAsync("bob");
        await Server.PostEventsAsync(alice, "alice-session", "hello");
        await Server.PostEventsAsync(bob, "bob-session", "bob's secret prompt");
        var page = await NewPageAsync();
        await SignInAsync(page, alice);

        await OpenAsync(page, "/sessions");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "bob-session" })).ToHaveCountAsync(0);
        await NavigateByAsync(page, () => page.GetByRole(AriaRole.Link, new() { Name = "Delete session alice-session" }).ClickAsync());
        await NavigateByAsync(page, () => page.GetByRole(AriaRole.Link, new() { Name = "Cancel, keep it" }).ClickAsync());
        Assert.Equal("/sessions", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "alice-session" })).ToBeVisibleAsync();

        // Bob's session is "not found" for Alice, on the confirmation page and on a posted deletion with a valid token.
        await OpenAsync(page, "/sessions/bob-session/delete", expectedStatus: 404);
        await OpenAsync(page, "/sessions");
        var form = page.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", await AntiforgeryTokenAsync(page));
        var posted = await page.APIRequest.PostAsync("/sessions/bob-session/delete", new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(404, posted.Status);
        var (status, _) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions/bob-session", bob);
        Assert.Equal(200, status);
        (status, _) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions/alice-session", alice);
        Assert.Equal(200, status);
    }
}
