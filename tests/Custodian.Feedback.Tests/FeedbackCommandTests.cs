using System.Text.Json.Nodes;
using Custodian.Feedback.Bundles;

namespace Custodian.Feedback.Tests;

/// <summary><c>custodian feedback</c> in-process: which session, which scope, when it asks, when it refuses.</summary>
public sealed class FeedbackCommandTests : IDisposable
{
    private readonly BundleTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    [Trait("spec", "FBK-1")]
    [Trait("spec", "FBK-3")]
    [Trait("spec", "FBK-4")]
    public void Without_server_credentials_the_most_recent_session_of_this_directory_goes_to_the_local_archive()
    {
        _tree.AddSession("older", "session_b.jsonl", TimeSpan.FromHours(5));
        _tree.AddSession("newest", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 1, log: true);
        _tree.AddSession("elsewhere", "edge_cases.jsonl", TimeSpan.FromMinutes(1), workingDirectory: Path.Combine(_tree.Root, "work", "other"));

        var result = _tree.Run("feedback", "--yes", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var doc = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("archived", (string)doc["result"]!);
        Assert.Equal("local-archive", (string)doc["destination"]!);
        Assert.Equal("FBK-3", (string)doc["rule"]!);
        Assert.Equal(["newest"], doc["sessionIds"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(4 + 2 + 2, (long)doc["redactions"]!["total"]!); // transcript, one subagent, log
        var path = (string)doc["path"]!;
        Assert.Equal([path], _tree.FinalBundles());
        Assert.Equal(new FileInfo(path).Length, (long)doc["bundleBytes"]!);
        Assert.Equal(3, doc["files"]!.AsArray().Count);
        Assert.True(BundleVerifier.Verify(path).Intact);
        var bytes = BundleTree.Decompressed(path);
        Assert.All(BundleTree.Secrets, s => Assert.True(BundleTree.IndexOf(bytes, s) < 0));
        Assert.All(BundleTree.Secrets, s => Assert.DoesNotContain(s, result.Stdout, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("spec", "FBK-1")]
    public void Human_output_says_where_it_went_and_that_nothing_left_the_machine()
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1));

        var result = _tree.Run("feedback", "--yes", "--session", "s1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Wrote ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Nothing left this machine (FBK-3", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("spec", "FBK-1")]
    [InlineData("session", 1)]
    [InlineData("24h", 2)]
    [InlineData("7d", 3)]
    public void The_scope_flag_reaches_into_this_projects_recent_sessions(string scope, int sessions)
    {
        _tree.AddSession("current", "representative_messages.jsonl", TimeSpan.FromMinutes(10));
        _tree.AddSession("yesterday", "session_b.jsonl", TimeSpan.FromHours(20));
        _tree.AddSession("last-week", "edge_cases.jsonl", TimeSpan.FromDays(6));
        _tree.AddSession("last-month", "todowrite_examples.jsonl", TimeSpan.FromDays(30));

        var result = _tree.Run("feedback", "--yes", "--json", "--session", "current", "--scope", scope);

        Assert.True(result.ExitCode == 0, result.ToString());
        var ids = JsonNode.Parse(result.Stdout)!["sessionIds"]!.AsArray().Select(n => (string)n!).ToArray();
        Assert.Equal(new[] { "current", "yesterday", "last-week" }[..sessions], ids);
    }

    [Fact]
    [Trait("spec", "SHR-6")]
    public void Without_a_terminal_and_without_yes_it_refuses_with_exit_2_and_writes_nothing()
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1));

        var result = _tree.Run("feedback", "--session", "s1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--yes", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_tree.ArchiveDir));
    }

    [Theory]
    [Trait("spec", "FBK-2")]
    [InlineData("DISABLE_FEEDBACK_COMMAND", "1")]
    [InlineData("DISABLE_BUG_COMMAND", "true")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "0")]
    public void Disabled_feedback_is_refused_with_the_rule_and_writes_nothing(string variable, string value)
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1));
        _tree.Environment[variable] = value;

        var result = _tree.Run("feedback", "--yes", "--session", "s1");
        var json = _tree.Run("feedback", "--yes", "--session", "s1", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FBK-2", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(variable, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        Assert.Equal("refused", (string)JsonNode.Parse(json.Stdout)!["result"]!);
        Assert.Equal("FBK-2", (string)JsonNode.Parse(json.Stdout)!["rule"]!);
        Assert.False(Directory.Exists(_tree.ArchiveDir));
    }

    [Fact]
    [Trait("spec", "FBK-2")]
    public void An_org_that_disables_product_feedback_refuses_it()
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1));
        _tree.WriteConfigFile("custodian/state.json", """{"org": {"productFeedbackDisabled": true}}""");

        var result = _tree.Run("feedback", "--yes", "--session", "s1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FBK-2", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_tree.ArchiveFiles());
    }

    [Fact]
    [Trait("spec", "FBK-2")]
    public void A_feedback_switch_in_a_settings_env_block_counts_too()
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1));
        _tree.WriteConfigFile("settings.json", """{"env": {"DISABLE_FEEDBACK_COMMAND": "1"}}""");

        var result = _tree.Run("feedback", "--yes", "--session", "s1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FBK-2", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_exits_2_and_no_session_here_exits_1()
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1), workingDirectory: Path.Combine(_tree.Root, "work", "other"));

        Assert.Equal(2, _tree.Run("feedback", "--yes", "--session", "no-such-session").ExitCode);
        Assert.Equal(2, _tree.Run("feedback", "--yes", "--session", "s1", "--scope", "30d").ExitCode);
        _tree.Environment["CUSTODIAN_SERVER_URL"] = "ftp://example.com";
        _tree.Environment["CUSTODIAN_API_KEY"] = "cust_x";
        var badUrl = _tree.Run("feedback", "--yes", "--session", "s1");
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Contains("CUSTODIAN_SERVER_URL", badUrl.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("cust_x", badUrl.Stderr, StringComparison.Ordinal);
        _tree.Environment.Clear();

        var none = _tree.Run("feedback", "--yes");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("--session", none.Stderr, StringComparison.Ordinal);
        Assert.Empty(_tree.ArchiveFiles());
    }

    [Fact]
    [Trait("spec", "CUS-13")]
    public void A_symlinked_archive_directory_is_never_written_through()
    {
        _tree.AddSession("s1", "session_b.jsonl", TimeSpan.FromHours(1));
        var outside = Path.Combine(_tree.Root, "outside");
        Directory.CreateDirectory(outside);
        Directory.CreateSymbolicLink(_tree.ArchiveDir, outside);

        var result = _tree.Run("feedback", "--yes", "--session", "s1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("symbolic link", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(outside));
    }
}
