using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary>
/// A browser test: a fresh server (own database) per test, and fresh browser contexts (own cookies) on the shared
/// Chromium. Every page the test opens is checked for the security headers.
/// </summary>
[Collection(BrowserCollection.Name)]
public abstract class WebTest(BrowserFixture fixture) : IAsyncLifetime
{
    public const string ExpectedCsp =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 860 };

    public static readonly ViewportSize Phone = new() { Width = 375, Height = 812 };

    private readonly List<IBrowserContext> _contexts = [];

    protected WebServer Server { get; private set; } = null!;

    /// <summary>CSP violations and failed loads of anything but a page: a page that needs more than it gets.</summary>
    protected List<string> ConsoleProblems { get; } = [];

    /// <summary>The server's clock: the system's, unless a test class brings a fake one.</summary>
    protected virtual TimeProvider Time => TimeProvider.System;

    public async Task InitializeAsync() => Server = await WebServer.StartAsync(Time);

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>A new browser (own cookie jar) showing a blank page.</summary>
    protected async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var phone = viewport is not null && viewport.Width < 600;
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = viewport ?? Desktop,
            IsMobile = phone,
            HasTouch = phone,
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        // Refused documents (403, 404) are expected in some tests; a refused stylesheet or icon, or anything the
        // Content-Security-Policy blocked, never is.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                ConsoleProblems.Add(message.Text);
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && response.Request.ResourceType != "document")
                ConsoleProblems.Add($"{response.Status} {response.Url}");
        };
        page.RequestFailed += (_, request) => ConsoleProblems.Add($"failed: {request.Url} {request.Failure}");
        return page;
    }

    /// <summary>Opens a page and checks the security headers of the (final) response.</summary>
    protected static async Task<IResponse> OpenAsync(IPage page, string path, int expectedStatus = 200)
    {
        var response = await page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.Equal(expectedStatus, response.Status);
        await AssertSecurityHeadersAsync(response);
        return response;
    }

    protected static async Task AssertSecurityHeadersAsync(IResponse response)
    {
        var headers = await response.AllHeadersAsync();
        Assert.Equal(ExpectedCsp, headers.GetValueOrDefault("content-security-policy"));
        Assert.Equal("nosniff", headers.GetValueOrDefault("x-content-type-options"));
        Assert.Equal("no-referrer", headers.GetValueOrDefault("referrer-policy"));
    }

    /// <summary>Signs in through the form, as a person would, and lands on <paramref name="expectedPath"/>.</summary>
    protected static async Task SignInAsync(IPage page, string key, string path = "/signin", string expectedPath = "/privacy")
    {
        await OpenAsync(page, path);
        await page.GetByLabel("API key").FillAsync(key);
        var response = await NavigateByAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync());
        Assert.Equal(200, response.Status);
        await AssertSecurityHeadersAsync(response);
        Assert.Equal(expectedPath, new Uri(page.Url).AbsolutePath);
    }

    /// <summary>Clicks a button that submits a form, and returns the response of the page it leads to.</summary>
    protected static async Task<IResponse> SubmitAsync(IPage page, string buttonName)
    {
        var response = await NavigateByAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = buttonName, Exact = true }).ClickAsync());
        await AssertSecurityHeadersAsync(response);
        return response;
    }

    /// <summary>
    /// Runs an action that navigates (a form post, a link), and returns the response of the page it ends on, after
    /// any redirect, once that page has loaded.
    /// </summary>
    protected static async Task<IResponse> NavigateByAsync(IPage page, Func<Task> action)
    {
        // Marks the document being left: the page the action leads to has a fresh window without the mark.
        await page.EvaluateAsync("() => { window.__custodianLeft = true; }");
        var response = await page.RunAndWaitForResponseAsync(action, r =>
            r.Request.IsNavigationRequest && r.Frame == page.MainFrame && r.Status is not (>= 300 and < 400));
        try
        {
            await page.WaitForURLAsync(response.Url, new() { Timeout = 20_000 });
        }
        catch (TimeoutException)
        {
            // Seen once in a full run: a form post back to the same URL whose load event Playwright never reported
            // (its network-idle event was). Check the same thing directly: the new document, completely loaded.
            await page.WaitForFunctionAsync("() => !window.__custodianLeft && document.readyState === 'complete'", null, new() { Timeout = 20_000 });
            Assert.Equal(response.Url, page.Url);
        }

        return response;
    }

    /// <summary>The value of the anti-forgery field of the page's first form.</summary>
    protected static Task<string> AntiforgeryTokenAsync(IPage page) =>
        page.Locator("form input[name='__RequestVerificationToken']").First.GetAttributeAsync("value")!;
}
