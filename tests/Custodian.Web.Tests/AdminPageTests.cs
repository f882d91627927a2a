using Custodian.Policy;
using Custodian.Storage;
using Microsoft.Playwright;

namespace Custodian.Web.Tests;

/// <summary><c>/admin</c>: org policy for org admins (DPP-1, DPP-2), ZDR for operators only (RET-3), nobody else (ACC-2).</summary>
public sealed class AdminPageTests(BrowserFixture fixture) : WebTest(fixture)
{
    [Fact]
    [Trait("spec", "RET-3")]
    public async Task An_org_admin_sees_ZDR_read_only_and_a_hand_crafted_post_to_set_it_is_refused()
    {
        var admin = await Server.KeyAsync("erin", Role.OrgAdmin, Plan.Enterprise, "bigcorp");
        var page = await NewPageAsync();
        await SignInAsync(page, admin);

        await OpenAsync(page, "/admin");
        var zdr = page.GetByRole(AriaRole.Region, new() { Name = "Zero data retention" });
        await Assertions.Expect(zdr).ToContainTextAsync("Currently Off");
        await Assertions.Expect(zdr).ToContainTextAsync("Set by the account team");
        await Assertions.Expect(zdr.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        // The controls the admin does have are there.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Disable product feedback" })).ToBeEnabledAsync();

        // A post that sets ZDR anyway, with a valid anti-forgery token and the admin's own session, is refused.
        var form = page.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", await AntiforgeryTokenAsync(page));
        form.Set("org", "bigcorp");
        form.Set("setting", "zeroDataRetention");
        form.Set("value", "true");
        var refused = await page.APIRequest.PostAsync("/admin", new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(403, refused.Status);
        Assert.Contains("set by an operator", await refused.TextAsync(), StringComparison.Ordinal);
        Assert.False((await Server.Store.GetOrganizationAsync("bigcorp"))!.ZeroDataRetention);
        var (_, policy) = await Server.ApiAsync(HttpMethod.Get, "/v1/orgs/bigcorp/policy", admin);
        Assert.False(policy.GetProperty("zeroDataRetention").GetBoolean());
    }

    [Fact]
    [Trait("spec", "RET-3")]
    public async Task An_operator_turns_ZDR_on_for_an_enterprise_org_through_the_page_but_not_for_another_plan()
    {
        await Server.KeyAsync("erin", Role.OrgAdmin, Plan.Enterprise, "bigcorp");
        await Server.KeyAsync("tom", Role.OrgAdmin, Plan.Team, "smallco");
        var ops = await Server.KeyAsync("ops", Role.Operator);
        var page = await NewPageAsync();
        await SignInAsync(page, ops);

        await OpenAsync(page, "/admin");
        await page.GetByLabel("Organization id").FillAsync("bigcorp");
        await SubmitAsync(page, "Open");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("plan enterprise");
        var saved = await SubmitAsync(page, "Turn on zero data retention");
        Assert.Equal(200, saved.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved. Zero data retention is now on.");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Zero data retention" })).ToContainTextAsync("Currently On");
        var (_, policy) = await Server.ApiAsync(HttpMethod.Get, "/v1/orgs/bigcorp/policy", ops);
        Assert.True(policy.GetProperty("zeroDataRetention").GetBoolean());

        await OpenAsync(page, "/admin?org=smallco");
        var button = page.GetByRole(AriaRole.Button, new() { Name = "Turn on zero data retention" });
        await Assertions.Expect(button).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#zeroDataRetention-why")).ToContainTextAsync("only for enterprise organizations");
    }

    [Fact]
    [Trait("spec", "DPP-2")]
    [Trait("spec", "DPP-1")]
    public async Task The_Development_Partner_Program_is_disabled_with_the_reason_outside_api_orgs_and_joinable_in_one()
    {
        var teamAdmin = await Server.KeyAsync("tom", Role.OrgAdmin, Plan.Team, "smallco");
        var page = await NewPageAsync();
        await SignInAsync(page, teamAdmin);
        await OpenAsync(page, "/admin");
        var join = page.GetByRole(AriaRole.Button, new() { Name = "Join the program" });
        await Assertions.Expect(join).ToBeDisabledAsync();
        await Assertions.Expect(join).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("only for first-party API organizations \\(plan api\\); this organization's plan is team"));

        // Posting it anyway is refused by the API's rule, and nothing changes.
        var form = page.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", await AntiforgeryTokenAsync(page));
        form.Set("org", "smallco");
        form.Set("setting", "developmentPartnerProgram");
        form.Set("value", "true");
        var refused = await page.APIRequest.PostAsync("/admin", new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(422, refused.Status);
        Assert.Contains("DPP-2", await refused.TextAsync(), StringComparison.Ordinal);
        Assert.False((await Server.Store.GetOrganizationAsync("smallco"))!.DevelopmentPartnerProgram);

        // Product feedback works for every plan.
        await SubmitAsync(page, "Disable product feedback");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved. Product feedback is now disabled for the organization.");
        var (_, policy) = await Server.ApiAsync(HttpMethod.Get, "/v1/orgs/smallco/policy", teamAdmin);
        Assert.True(policy.GetProperty("productFeedbackDisabled").GetBoolean());

        // An api org's admin joins.
        var apiAdmin = await Server.KeyAsync("ann", Role.OrgAdmin, Plan.Api, "apico");
        var other = await NewPageAsync();
        await SignInAsync(other, apiAdmin);
        await OpenAsync(other, "/admin");
        await SubmitAsync(other, "Join the program");
        await Assertions.Expect(other.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved. The Development Partner Program is now on.");
        await Assertions.Expect(other.GetByRole(AriaRole.Button, new() { Name = "Leave the program" })).ToBeEnabledAsync();
        (_, policy) = await Server.ApiAsync(HttpMethod.Get, "/v1/orgs/apico/policy", apiAdmin);
        Assert.True(policy.GetProperty("developmentPartnerProgram").GetBoolean());
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task A_user_cannot_open_the_admin_page_nor_an_admin_another_org()
    {
        var user = await Server.KeyAsync("alice", Role.User, Plan.Team, "acme");
        var page = await NewPageAsync();
        await SignInAsync(page, user);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
        await OpenAsync(page, "/admin", expectedStatus: 403);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("You can't open the admin page");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("ask an admin of your organization");
        Assert.Equal("text/html; charset=utf-8", (await page.GotoAsync("/admin"))!.Headers["content-type"]);

        var admin = await Server.KeyAsync("tom", Role.OrgAdmin, Plan.Team, "smallco");
        var other = await NewPageAsync();
        await SignInAsync(other, admin);
        await OpenAsync(other, "/admin?org=acme", expectedStatus: 403);
        await Assertions.Expect(other.Locator("main")).ToContainTextAsync("only your own organization's policy");

        var denied = new List<(string, string)>();
        await foreach (var entry in Server.Store.ReadAuditAsync())
        {
            if (entry.Action == "org.policy.read.denied") denied.Add((entry.Actor, entry.Target));
        }

        Assert.Contains(("alice", "acme"), denied);
        Assert.Contains(("tom", "acme"), denied);
    }
}
