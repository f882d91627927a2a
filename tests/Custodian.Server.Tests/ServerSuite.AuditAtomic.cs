using System.Net;
using Custodian.Policy;
using Custodian.Storage;

namespace Custodian.Server.Tests;

/// <summary>A change and its audit entry commit together or not at all.</summary>
public abstract partial class ServerSuite
{
    [Fact]
    [Trait("spec", "TRN-1")]
    [Trait("spec", "DPP-1")]
    [Trait("spec", "DEL-2")]
    public async Task A_consent_policy_change_or_deletion_whose_audit_entry_cannot_be_written_does_not_happen()
    {
        var alice = await KeyAsync("alice");
        var admin = await KeyAsync("admin", Role.OrgAdmin, Plan.Team, "acme");
        var ops = await OperatorAsync();
        await SetConsentAsync(alice, true);
        await CaptureAsync(alice, "s1", Marker("kept-while-the-log-is-down"));
        var consents = await Db.ScalarAsync("SELECT COUNT(*) FROM consents");
        var auditBefore = (await AuditEntriesAsync(ops)).Count;

        // The audit log refuses every new entry, the way a full disk or a broken trigger would.
        await Db.ExecuteAsync(Db.Kind == "sqlite"
            ? "CREATE TRIGGER audit_down BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END"
            : "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;"
              + " CREATE TRIGGER audit_down BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_down()");

        var consent = await PutJsonAsync("/v1/me/privacy", alice, "{\"allowModelImprovement\":false}");
        var policy = await PutJsonAsync("/v1/orgs/acme/policy", admin, "{\"productFeedbackDisabled\":true}");
        var deletion = await DeleteAsync("/v1/sessions/s1", alice);

        Assert.Equal(HttpStatusCode.InternalServerError, consent.Status);
        Assert.Equal(HttpStatusCode.InternalServerError, policy.Status);
        Assert.Equal(HttpStatusCode.InternalServerError, deletion.Status);
        Assert.Single(await SessionEventsAsync(alice, "s1"));
        Assert.Equal(consents, await Db.ScalarAsync("SELECT COUNT(*) FROM consents"));
        Assert.True((await GetAsync("/v1/me/privacy", alice)).Json.GetProperty("allowModelImprovement").GetBoolean());
        Assert.False((await GetAsync("/v1/orgs/acme/policy", admin)).Json.GetProperty("productFeedbackDisabled").GetBoolean());

        // With the log writable again, the same changes go through, each with its entry, and the chain verifies.
        await Db.ExecuteAsync("DROP TRIGGER audit_down" + (Db.Kind == "sqlite" ? "" : " ON audit"));
        await SetConsentAsync(alice, false);
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync("/v1/orgs/acme/policy", admin, "{\"productFeedbackDisabled\":true}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/s1", alice)).Status);
        var entries = await AuditEntriesAsync(ops);
        var actions = entries.Skip(auditBefore).Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("privacy.update", actions);
        Assert.Contains("org.policy.update", actions);
        Assert.Contains("session.delete", actions);
        Assert.Equal(consents + 1, await Db.ScalarAsync("SELECT COUNT(*) FROM consents"));
    }
}
