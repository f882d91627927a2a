using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary>Sign-in with an API key into a cookie session, sign-out, and what an unauthenticated browser gets.</summary>
public sealed class SignInTests(BrowserFixture fixture) : WebTest(fixture)
{
    [Fact]
    [Trait("spec", "CUS-26")]
    [Trait("spec", "ACC-2")]
    public async Task Signing_in_with_an_API_key_opens_the_privacy_page_and_a_wrong_key_is_refused()
    {
        var key = await Server.KeyAsync("alice");
        var page = await NewPageAsync();

        await OpenAsync(page, "/signin");
        await page.GetByLabel("API key").FillAsync(key + "x");
        var refused = await SubmitAsync(page, "Sign in");
        Assert.Equal(401, refused.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not recognized");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), x => x.Name == "custodian_session");

        await SignInAsync(page, key);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Privacy", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("header")).ToContainTextAsync("alice");

        // The cookie is a random token, never the key; script cannot read it and other sites cannot send it.
        var cookie = (await page.Context.CookiesAsync()).Single(x => x.Name == "custodian_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.False(cookie.Secure); // plain HTTP on loopback; Secure is set when the request is HTTPS
        Assert.DoesNotContain(key, cookie.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("cust_", cookie.Value, StringComparison.Ordinal);
        Assert.Equal(-1, cookie.Expires); // a browser-session cookie; the server ends idle sessions itself
    }

    [Fact]
    [Trait("spec", "CUS-26")]
    [Trait("spec", "ACC-2")]
    public async Task Pages_without_sign_in_redirect_to_the_sign_in_form_and_the_API_still_answers_401()
    {
        var page = await NewPageAsync();
        foreach (var path in new[] { "/privacy", "/sessions", "/admin" })
        {
            await OpenAsync(page, path);
            Assert.Equal("/signin?returnUrl=" + Uri.EscapeDataString(path), new Uri(page.Url).PathAndQuery);
        }

        // After signing in, the browser goes where it was going.
        var key = await Server.KeyAsync("alice");
        await SignInAsync(page, key, "/signin?returnUrl=%2Fsessions", "/sessions");

        // A sign-in link cannot send people to another site.
        await OpenAsync(page, "/signin?returnUrl=https%3A%2F%2Fevil.example%2F");
        Assert.Equal("/privacy", await page.Locator("input[name=returnUrl]").GetAttributeAsync("value"));

        using var api = await Server.GetAnonymousAsync("/v1/me/privacy");
        Assert.Equal(401, (int)api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        // The pages are not part of the API's description.
        using var openApi = await Server.GetAnonymousAsync("/openapi/v1.json");
        var description = await openApi.Content.ReadAsStringAsync();
        Assert.Contains("\"/v1/me/privacy\"", description, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/privacy\"", description, StringComparison.Ordinal);
        Assert.DoesNotContain("/signin", description, StringComparison.Ordinal);

        // The browser's cookie does not authenticate the API: only bearer keys do.
        var apiFromBrowser = await page.APIRequest.GetAsync("/v1/me/privacy");
        Assert.Equal(401, apiFromBrowser.Status);
    }

    [Fact]
    [Trait("spec", "CUS-26")]
    [Trait("spec", "ACC-2")]
    public async Task Signing_out_ends_the_session_even_for_a_copy_of_the_cookie()
    {
        var key = await Server.KeyAsync("alice");
        var page = await NewPageAsync();
        await SignInAsync(page, key);
        var cookie = (await page.Context.CookiesAsync()).Single(x => x.Name == "custodian_session");

        var response = await SubmitAsync(page, "Sign out");
        Assert.Equal(200, response.Status);
        Assert.Equal("/signin", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You are signed out.");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), x => x.Name == "custodian_session");
        await OpenAsync(page, "/privacy");
        Assert.Equal("/signin", new Uri(page.Url).AbsolutePath);

        // Someone who kept a copy of the cookie gets nowhere: the session ended on the server.
        var other = await NewPageAsync();
        await other.Context.AddCookiesAsync([new Cookie { Name = cookie.Name, Value = cookie.Value, Url = Server.BaseAddress.ToString() }]);
        await OpenAsync(other, "/sessions");
        Assert.Equal("/signin", new Uri(other.Url).AbsolutePath);

        var audit = await AuditActionsAsync();
        Assert.Contains(("alice", "web.signin"), audit);
        Assert.Contains(("alice", "web.signout"), audit);
    }

    private async Task<List<(string Actor, string Action)>> AuditActionsAsync()
    {
        var entries = new List<(string, string)>();
        await foreach (var entry in Server.Store.ReadAuditAsync()) entries.Add((entry.Actor, entry.Action));
        return entries;
    }
}
