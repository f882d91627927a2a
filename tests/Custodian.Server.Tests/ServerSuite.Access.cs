using System.Net;
using Custodian.Policy;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>Who may read, change and delete what (ACC-1, ACC-2, DPP-1/2, RET-3).</summary>
public abstract partial class ServerSuite
{
    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task A_user_cannot_see_list_append_to_or_delete_another_users_session()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        var secret = Marker("alice-secret");
        await CaptureAsync(alice, "alice-s1", secret);

        AssertProblem(await GetAsync("/v1/sessions/alice-s1", bob), 404, "no session alice-s1");
        AssertProblem(await DeleteAsync("/v1/sessions/alice-s1", bob), 404, "no session alice-s1");
        AssertProblem(await PostEventsAsync(bob, "alice-s1", [Marker("bob-injected")]), 404, "no session alice-s1");
        var bobsList = await GetAsync("/v1/sessions", bob);
        Assert.Equal(HttpStatusCode.OK, bobsList.Status);
        Assert.Empty(bobsList.Json.GetProperty("sessions").EnumerateArray());
        Assert.DoesNotContain(secret, bobsList.Body, StringComparison.Ordinal);

        // Alice's session is untouched, with her one event only.
        var events = await SessionEventsAsync(alice, "alice-s1");
        Assert.Single(events);
        Assert.Contains(secret, events[0].GetRawText(), StringComparison.Ordinal);
        var alicesList = (await GetAsync("/v1/sessions", alice)).Json.GetProperty("sessions");
        Assert.Equal("alice-s1", Assert.Single(alicesList.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task An_org_admin_cannot_read_or_change_another_orgs_policy()
    {
        var adminA = await KeyAsync("admin-a", Role.OrgAdmin, Plan.Api, "org-a");
        var adminB = await KeyAsync("admin-b", Role.OrgAdmin, Plan.Api, "org-b");
        var member = await KeyAsync("member-b", Role.User, Plan.Api, "org-b");
        var ops = await OperatorAsync();

        AssertProblem(await GetAsync("/v1/orgs/org-b/policy", adminA), 403, rule: "ACC-2");
        AssertProblem(await PutJsonAsync("/v1/orgs/org-b/policy", adminA, "{\"developmentPartnerProgram\":true}"), 403, rule: "ACC-2");
        AssertProblem(await PutJsonAsync("/v1/orgs/org-b/policy", adminA, "{\"productFeedbackDisabled\":true}"), 403, rule: "ACC-2");
        // A plain member of org-b is not its admin either.
        AssertProblem(await GetAsync("/v1/orgs/org-b/policy", member), 403, rule: "ACC-2");
        AssertProblem(await PutJsonAsync("/v1/orgs/org-b/policy", member, "{\"developmentPartnerProgram\":true}"), 403, rule: "ACC-2");

        var own = await GetAsync("/v1/orgs/org-b/policy", adminB);
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.False(own.Json.GetProperty("developmentPartnerProgram").GetBoolean());
        Assert.False(own.Json.GetProperty("productFeedbackDisabled").GetBoolean());
        var stored = await Store.GetOrganizationAsync("org-b");
        Assert.Equal(new Organization("org-b", Plan.Api, false, false, false), stored);

        // Every refusal is in the audit log.
        var audit = await AuditEntriesAsync(ops);
        Assert.Equal(3, audit.Count(e => e.GetProperty("actor").GetString() == "admin-a" && e.GetProperty("target").GetString() == "org-b"
            && e.GetProperty("action").GetString()!.EndsWith(".denied", StringComparison.Ordinal)));
        Assert.Equal(2, audit.Count(e => e.GetProperty("actor").GetString() == "member-b"
            && e.GetProperty("action").GetString()!.EndsWith(".denied", StringComparison.Ordinal)));
    }

    [Fact]
    [Trait("spec", "DPP-1")]
    [Trait("spec", "ACC-2")]
    public async Task An_org_admin_changes_their_own_orgs_program_and_feedback_policy_and_it_is_audited()
    {
        var admin = await KeyAsync("admin-a", Role.OrgAdmin, Plan.Api, "org-a");
        var ops = await OperatorAsync();

        var reply = await PutJsonAsync("/v1/orgs/org-a/policy", admin, "{\"developmentPartnerProgram\":true,\"productFeedbackDisabled\":true}");

        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.True(reply.Json.GetProperty("developmentPartnerProgram").GetBoolean());
        Assert.True(reply.Json.GetProperty("productFeedbackDisabled").GetBoolean());
        Assert.False(reply.Json.GetProperty("zeroDataRetention").GetBoolean());
        Assert.Equal(new Organization("org-a", Plan.Api, true, true, false), await Store.GetOrganizationAsync("org-a"));
        var update = Assert.Single(await AuditEntriesAsync(ops), e => e.GetProperty("action").GetString() == "org.policy.update");
        Assert.Equal("admin-a", update.GetProperty("actor").GetString());
        Assert.Equal("org-a", update.GetProperty("target").GetString());
        Assert.Contains("developmentPartnerProgram=true", update.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "DPP-1")]
    public async Task An_operator_cannot_opt_an_org_into_the_development_partner_program()
    {
        await KeyAsync("admin-a", Role.OrgAdmin, Plan.Api, "org-a");
        var ops = await OperatorAsync();

        AssertProblem(await PutJsonAsync("/v1/orgs/org-a/policy", ops, "{\"developmentPartnerProgram\":true}"), 403, "organization admin", "DPP-1");

        Assert.False((await Store.GetOrganizationAsync("org-a"))!.DevelopmentPartnerProgram);
    }

    [Theory]
    [InlineData(Plan.Team)]
    [InlineData(Plan.Enterprise)]
    [InlineData(Plan.Gov)]
    [Trait("spec", "DPP-2")]
    public async Task The_development_partner_program_is_refused_for_non_api_orgs_with_422_naming_the_plan(Plan plan)
    {
        var admin = await KeyAsync("admin", Role.OrgAdmin, plan, "org");

        var problem = AssertProblem(await PutJsonAsync("/v1/orgs/org/policy", admin, "{\"developmentPartnerProgram\":true}"), 422, "first-party API", "DPP-2");

        Assert.Contains($"'{plan.ToWireName()}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False((await Store.GetOrganizationAsync("org"))!.DevelopmentPartnerProgram);
    }

    [Fact]
    [Trait("spec", "RET-3")]
    [Trait("spec", "ACC-2")]
    public async Task An_org_admin_cannot_set_zero_data_retention_but_an_operator_can_on_enterprise_only()
    {
        var admin = await KeyAsync("admin-e", Role.OrgAdmin, Plan.Enterprise, "ent");
        await KeyAsync("admin-t", Role.OrgAdmin, Plan.Team, "team");
        var ops = await OperatorAsync();

        AssertProblem(await PutJsonAsync("/v1/orgs/ent/policy", admin, "{\"zeroDataRetention\":true}"), 403, "operator", "RET-3");
        Assert.False((await Store.GetOrganizationAsync("ent"))!.ZeroDataRetention);

        AssertProblem(await PutJsonAsync("/v1/orgs/team/policy", ops, "{\"zeroDataRetention\":true}"), 422, "enterprise", "RET-3");
        Assert.False((await Store.GetOrganizationAsync("team"))!.ZeroDataRetention);

        var set = await PutJsonAsync("/v1/orgs/ent/policy", ops, "{\"zeroDataRetention\":true}");
        Assert.True(set.Status == HttpStatusCode.OK, set.ToString());
        Assert.True(set.Json.GetProperty("zeroDataRetention").GetBoolean());
        Assert.True((await Store.GetOrganizationAsync("ent"))!.ZeroDataRetention);

        // Nor can the org admin switch it off again.
        AssertProblem(await PutJsonAsync("/v1/orgs/ent/policy", admin, "{\"zeroDataRetention\":false}"), 403, rule: "RET-3");
        Assert.True((await Store.GetOrganizationAsync("ent"))!.ZeroDataRetention);
        var view = await GetAsync("/v1/orgs/ent/policy", admin);
        Assert.True(view.Json.GetProperty("zeroDataRetention").GetBoolean());
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task Only_operators_export_training_data_or_read_the_audit_log()
    {
        var user = await KeyAsync("alice");
        var admin = await KeyAsync("admin", Role.OrgAdmin, Plan.Api, "org");
        var ops = await OperatorAsync();

        foreach (var key in new[] { user, admin })
        {
            AssertProblem(await GetAsync("/v1/export/training", key), 403, "operator", "ACC-2");
            AssertProblem(await GetAsync("/v1/audit", key), 403, "operator", "ACC-2");
        }

        var audit = await AuditEntriesAsync(ops);
        foreach (var actor in new[] { "alice", "admin" })
        {
            Assert.Contains(audit, e => e.GetProperty("actor").GetString() == actor && e.GetProperty("action").GetString() == "export.training.denied");
            Assert.Contains(audit, e => e.GetProperty("actor").GetString() == actor && e.GetProperty("action").GetString() == "audit.read.denied");
        }

        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/export/training", ops)).Status);
        Assert.Contains(await AuditEntriesAsync(ops), e => e.GetProperty("actor").GetString() == "ops" && e.GetProperty("action").GetString() == "export.training");
    }

    [Fact]
    [Trait("spec", "ACC-1")]
    public async Task A_session_started_in_one_repository_refuses_another()
    {
        var alice = await KeyAsync("alice");
        var ops = await OperatorAsync();
        var inA = Marker("repo-a");
        var inB = Marker("repo-b");

        var first = await PostEventsAsync(alice, "remote-1", [inA], repository: "repo-a");
        Assert.True(first.Status == HttpStatusCode.Created, first.ToString());
        var again = await PostEventsAsync(alice, "remote-1", [Marker("repo-a-again")], repository: "repo-a");
        Assert.Equal(HttpStatusCode.Created, again.Status);

        var refused = await PostEventsAsync(alice, "remote-1", [inB], repository: "repo-b");

        AssertProblem(refused, 403, "repo-a", "ACC-1");
        var session = await GetAsync("/v1/sessions/remote-1", alice);
        Assert.Equal("repo-a", session.Json.GetProperty("repository").GetString());
        Assert.Equal(2, session.Json.GetProperty("events").GetArrayLength());
        Assert.DoesNotContain(inB, session.Body, StringComparison.Ordinal);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE payload LIKE @m", ("m", "%" + inB + "%")));
        Assert.Contains(await AuditEntriesAsync(ops), e => e.GetProperty("action").GetString() == "session.repository.denied"
            && e.GetProperty("target").GetString() == "remote-1" && e.GetProperty("details").GetString() == "repository=repo-b");

        // The same user may of course start another session in repo-b.
        Assert.Equal(HttpStatusCode.Created, (await PostEventsAsync(alice, "remote-2", [inB], repository: "repo-b")).Status);
    }
}
