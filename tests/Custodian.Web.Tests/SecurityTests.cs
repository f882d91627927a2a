using Custodian.Policy;
using Custodian.Storage;

namespace Custodian.Web.Tests;

/// <summary>Forged form posts, and the security headers of every page.</summary>
public sealed class SecurityTests(BrowserFixture fixture) : WebTest(fixture)
{
    [Fact]
    [Trait("spec", "CUS-26")]
    [Trait("spec", "ACC-2")]
    [Trait("spec", "TRN-1")]
    public async Task A_forged_form_post_without_a_valid_antiforgery_token_is_refused_and_changes_nothing()
    {
        var key = await Server.KeyAsync("alice");
        await Server.PostEventsAsync(key, "s1", "hello");
        var page = await NewPageAsync();
        await SignInAsync(page, key);

        // With the signed-in cookie but no token, a made-up token, or a token of another browser's session.
        var stranger = await NewPageAsync();
        await SignInAsync(stranger, await Server.KeyAsync("mallory"));
        var foreignToken = await AntiforgeryTokenAsync(stranger);
        foreach (var token in new string?[] { null, "forged", foreignToken })
        {
            var privacy = page.APIRequest.CreateFormData();
            privacy.Set("allowModelImprovement", "true");
            var deletion = page.APIRequest.CreateFormData();
            if (token is not null)
            {
                privacy.Set("__RequestVerificationToken", token);
                deletion.Set("__RequestVerificationToken", token);
            }

            var refused = await page.APIRequest.PostAsync("/privacy", new() { Form = privacy, MaxRedirects = 0 });
            Assert.Equal(400, refused.Status);
            Assert.Contains("This form could not be verified", await refused.TextAsync(), StringComparison.Ordinal);
            Assert.Equal(WebTest.ExpectedCsp, refused.Headers["content-security-policy"]);
            refused = await page.APIRequest.PostAsync("/sessions/s1/delete", new() { Form = deletion, MaxRedirects = 0 });
            Assert.Equal(400, refused.Status);
        }

        // A JSON body is not a form: refused too.
        var json = await page.APIRequest.PostAsync("/privacy", new() { DataObject = new { allowModelImprovement = true }, MaxRedirects = 0 });
        Assert.Equal(400, json.Status);

        var (_, consent) = await Server.ApiAsync(HttpMethod.Get, "/v1/me/privacy", key);
        Assert.False(consent.GetProperty("allowModelImprovement").GetBoolean());
        var (status, _) = await Server.ApiAsync(HttpMethod.Get, "/v1/sessions/s1", key);
        Assert.Equal(200, status);

        // The same post with the page's own token goes through: the refusals above were about the token alone.
        var genuine = page.APIRequest.CreateFormData();
        genuine.Set("__RequestVerificationToken", await AntiforgeryTokenAsync(page));
        genuine.Set("allowModelImprovement", "true");
        var accepted = await page.APIRequest.PostAsync("/privacy", new() { Form = genuine, MaxRedirects = 0 });
        Assert.Equal(302, accepted.Status);
        (_, consent) = await Server.ApiAsync(HttpMethod.Get, "/v1/me/privacy", key);
        Assert.True(consent.GetProperty("allowModelImprovement").GetBoolean());
    }

    [Fact]
    [Trait("spec", "CUS-26")]
    [Trait("spec", "ACC-2")]
    public async Task Every_page_has_the_strict_content_security_policy_and_renders_within_it()
    {
        var key = await Server.KeyAsync("erin", Role.OrgAdmin, Plan.Api, "apico");
        await Server.PostEventsAsync(key, "s1", "hello");
        var page = await NewPageAsync();
        // Responses are reported on Playwright's own thread, so they may still arrive while the test reads the list.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string Url, string? Csp)>();
        page.Response += (_, response) => seen.Enqueue((response.Url, response.Headers.GetValueOrDefault("content-security-policy")));

        await OpenAsync(page, "/signin");
        await SignInAsync(page, key);
        foreach (var path in new[] { "/privacy", "/privacy?saved=1", "/sessions", "/sessions/s1/delete", "/usage", "/admin" })
        {
            await OpenAsync(page, path);
            // The stylesheet applied: the CSP let it load (no inline style is needed anywhere).
            Assert.Equal("rgb(246, 247, 249)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        }

        await OpenAsync(page, "/sessions/nope/delete", expectedStatus: 404);
        var responses = seen.ToArray();
        Assert.All(responses, s => Assert.Equal(WebTest.ExpectedCsp, s.Csp));
        Assert.Contains(responses, s => s.Url.EndsWith("/web/site.css", StringComparison.Ordinal));
        Assert.True(ConsoleProblems.Count == 0, string.Join("\n", ConsoleProblems));
        // Nothing is inline: no script at all, no style attribute or element.
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('script, style, [style]').length"));
    }
}
