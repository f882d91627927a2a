using System.Net;
using System.Text.Json;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary><c>custodian keys create</c> and <c>custodian audit verify</c> run in-process on the test's store, and the hash-chained audit log (ACC-2).</summary>
public abstract partial class ServerSuite
{
    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task Keys_create_provisions_accounts_whose_keys_work_over_http()
    {
        var user = await InProcessCli.RunAsync(Time, "keys", "create", "--store", Db.CliArgument, "--role", "user", "--subject", "carol");
        var admin = await InProcessCli.RunAsync(Time, "keys", "create", "--store", Db.CliArgument, "--role", "org-admin", "--subject", "boss",
            "--org", "acme", "--plan", "api");
        var ops = await InProcessCli.RunAsync(Time, "keys", "create", "--store", Db.CliArgument, "--role", "operator", "--subject", "team");

        foreach (var run in new[] { user, admin, ops })
        {
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Matches("^cust_[A-Za-z0-9_-]{43}\n$", run.Stdout);
        }

        var carol = user.Stdout.Trim();
        var privacy = await GetAsync("/v1/me/privacy", carol);
        Assert.Equal(HttpStatusCode.OK, privacy.Status);
        Assert.Equal("pro", privacy.Json.GetProperty("plan").GetString());
        var policy = await GetAsync("/v1/orgs/acme/policy", admin.Stdout.Trim());
        Assert.Equal(HttpStatusCode.OK, policy.Status);
        Assert.Equal("api", policy.Json.GetProperty("plan").GetString());
        Assert.True(policy.Json.GetProperty("developmentPartnerProgramAvailable").GetBoolean());
        var creations = (await AuditEntriesAsync(ops.Stdout.Trim())).Where(e => e.GetProperty("action").GetString() == "key.create").ToList();
        Assert.Equal(["carol", "boss", "team"], creations.Select(e => e.GetProperty("target").GetString()));
        Assert.All(creations, e => Assert.DoesNotContain("cust_", e.GetRawText(), StringComparison.Ordinal));
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM audit WHERE details LIKE @k", ("k", "%" + carol + "%")));

        // A second key for the same account works too, and the first one still does.
        var second = await InProcessCli.RunAsync(Time, "keys", "create", "--store", Db.CliArgument, "--role", "user", "--subject", "carol");
        Assert.Equal(0, second.ExitCode);
        Assert.NotEqual(carol, second.Stdout.Trim());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/me/privacy", second.Stdout.Trim())).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/me/privacy", carol)).Status);

        // Bad usage exits 2 naming the flag, and provisions nothing.
        var bad = await InProcessCli.RunAsync(Time, "keys", "create", "--store", Db.CliArgument, "--role", "org-admin", "--subject", "nobody");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--org", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, bad.Stdout);
        Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM accounts WHERE id = 'nobody'"));
    }

    /// <summary>Some audited activity: key creations, consent changes, a denied access, an export, a deletion.</summary>
    private async Task<string> AuditedActivityAsync()
    {
        var created = await InProcessCli.RunAsync(Time, "keys", "create", "--store", Db.CliArgument, "--role", "operator", "--subject", "ops");
        Assert.Equal(0, created.ExitCode);
        var ops = created.Stdout.Trim();
        var alice = await KeyAsync("alice");
        await SetConsentAsync(alice, true);
        await CaptureAsync(alice, "s1", Marker("x"));
        Time.Advance(TimeSpan.FromMinutes(1));
        await SetConsentAsync(alice, false);
        AssertProblem(await GetAsync("/v1/audit", alice), 403);
        await ExportAsync(ops);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/s1", alice)).Status);
        return ops;
    }

    [Fact]
    [Trait("spec", "ACC-2")]
    public async Task Audit_verify_passes_on_an_untouched_log_over_the_cli_and_the_api()
    {
        var ops = await AuditedActivityAsync();

        var run = await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument);
        var json = await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument, "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var count = await Db.ScalarAsync("SELECT COUNT(*) FROM audit");
        Assert.True(count >= 6, $"{count} entries");
        Assert.Equal($"audit log intact: {count} entries\n", run.Stdout);
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.True(doc.RootElement.GetProperty("intact").GetBoolean());
        Assert.Equal(count, doc.RootElement.GetProperty("entries").GetInt64());

        var entries = await AuditEntriesAsync(ops);
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.GetProperty("seq").GetInt64()));
        for (var i = 1; i < entries.Count; i++)
            Assert.Equal(entries[i - 1].GetProperty("hash").GetString(), entries[i].GetProperty("previousHash").GetString());
        Assert.Equal(new string('0', 64), entries[0].GetProperty("previousHash").GetString());
    }

    public static TheoryData<string, string, string> Tampering => new()
    {
        { "change one entry's details", "UPDATE audit SET details = 'allowModelImprovement=true' WHERE seq = 3", "entry 3 was changed" },
        { "change one entry's actor", "UPDATE audit SET actor = 'mallory' WHERE seq = 4", "entry 4 was changed" },
        { "change one entry's time", "UPDATE audit SET at = at + 1 WHERE seq = 2", "entry 2 was changed" },
        { "delete a middle entry", "DELETE FROM audit WHERE seq = 3", "entry 3 was removed" },
        { "delete the first entry", "DELETE FROM audit WHERE seq = 1", "entry 1 was removed" },
        { "delete the last entry", "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)", "was removed (the log should end at entry" },
        { "re-hash a changed entry", "UPDATE audit SET details = 'x', hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' WHERE seq = 2", "entry 2" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    [Trait("spec", "ACC-2")]
    public async Task Audit_verify_exits_1_naming_the_entry_that_was_changed_or_removed(string what, string sql, string problem)
    {
        var ops = await AuditedActivityAsync();
        var last = await Db.ScalarAsync("SELECT MAX(seq) FROM audit");
        Assert.Equal(0, (await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument)).ExitCode);

        Assert.Equal(1, await Db.ExecuteAsync(sql));

        var run = await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument);
        Assert.True(run.ExitCode == 1, $"{what}: exit {run.ExitCode} {run.Stdout} {run.Stderr}");
        Assert.StartsWith("custodian: audit log broken: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(problem, run.Stderr, StringComparison.Ordinal);
        if (what == "delete the last entry") Assert.Contains($"entry {last} was removed", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);

        var json = await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument, "--json");
        Assert.Equal(1, json.ExitCode);
        using (var doc = JsonDocument.Parse(json.Stdout))
        {
            Assert.False(doc.RootElement.GetProperty("intact").GetBoolean());
            Assert.Contains(problem, doc.RootElement.GetProperty("problem").GetString(), StringComparison.Ordinal);
        }

        // New entries appended after the tampering (reading the log through the API appends one) do not hide it:
        // a removed last entry is then a gap before the new one.
        var api = await GetAsync("/v1/audit", ops);
        Assert.Equal(HttpStatusCode.OK, api.Status);
        Assert.False(api.Json.GetProperty("intact").GetBoolean());
        var named = what == "delete the last entry" ? $"entry {last} was removed" : problem;
        Assert.Contains(named, api.Json.GetProperty("problem").GetString(), StringComparison.Ordinal);
        var after = await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument);
        Assert.Equal(1, after.ExitCode);
        Assert.Contains(named, after.Stderr, StringComparison.Ordinal);
    }
}
