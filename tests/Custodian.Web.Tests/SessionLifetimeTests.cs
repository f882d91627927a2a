using Microsoft.Extensions.Time.Testing;

namespace Custodian.Web.Tests;

/// <summary>The sign-in session slides with use and ends after 20 idle minutes or 8 hours, on the server's clock.</summary>
public sealed class SessionLifetimeTests(BrowserFixture fixture) : WebTest(fixture)
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    protected override TimeProvider Time => _clock;

    [Fact]
    [Trait("spec", "CUS-26")]
    public async Task A_session_used_within_20_minutes_slides_and_one_left_idle_ends()
    {
        var key = await Server.KeyAsync("alice");
        var page = await NewPageAsync();
        await SignInAsync(page, key);

        // Used every 19 minutes for an hour: still signed in.
        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(19));
            await OpenAsync(page, "/sessions");
            Assert.Equal("/sessions", new Uri(page.Url).AbsolutePath);
        }

        // Left alone for 20 minutes: signed out.
        _clock.Advance(TimeSpan.FromMinutes(20));
        await OpenAsync(page, "/sessions");
        Assert.Equal("/signin", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    [Trait("spec", "CUS-26")]
    public async Task No_session_outlives_8_hours_however_busy()
    {
        var key = await Server.KeyAsync("alice");
        var page = await NewPageAsync();
        await SignInAsync(page, key);
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromHours(8) - TimeSpan.FromMinutes(15); elapsed += TimeSpan.FromMinutes(15))
        {
            _clock.Advance(TimeSpan.FromMinutes(15));
            await OpenAsync(page, "/privacy");
            Assert.Equal("/privacy", new Uri(page.Url).AbsolutePath);
        }

        _clock.Advance(TimeSpan.FromMinutes(15));
        await OpenAsync(page, "/privacy");
        Assert.Equal("/signin", new Uri(page.Url).AbsolutePath);
    }
}
