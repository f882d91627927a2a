using Custodian.Feedback.Bundles;
using Custodian.Sessions.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Feedback.Tests;

/// <summary>
/// <c>/feedback</c> bundles of the real Claude Code corpus (laid out as its SOURCES.md says) carry each session's
/// subagent transcripts in both layouts (LOC-10), and a session whose transcript is gone still sends them (CUS-28).
/// </summary>
public sealed class RealCorpusBundleTests : IDisposable
{
    private const string Layout20 = "5c0375b4-57a5-4f26-b12d-d022ee4e51b7";
    private readonly BundleTree _tree = new();

    public RealCorpusBundleTests() => RealCorpus.LayOut(_tree.ConfigDir);

    public void Dispose() => _tree.Dispose();

    private async Task<(BundleManifest Manifest, List<BundleTree.Entry> Entries)> BundleAsync(
        string session, BundleScope scope = BundleScope.Session, TimeProvider? time = null)
    {
        var builder = new BundleBuilder()
            .WithLayout(_tree.Layout)
            .WithSession(session)
            .WithScope(scope)
            .WithTimeProvider(time ?? _tree.Time)
            .WithClientVersion("9.9.9-test");
        await using var pending = await builder.BuildAsync();
        var path = pending.Commit();
        var entries = BundleTree.ReadArchive(path);
        return (BundleManifest.Parse(entries[0].Data), entries);
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    public async Task A_2_0_session_carries_the_agent_files_beside_its_transcript()
    {
        var (manifest, entries) = await BundleAsync(Layout20);

        Assert.Equal([Layout20], manifest.SessionIds);
        Assert.Equal(
            ["manifest.json", $"transcripts/{Layout20}.jsonl", $"subagents/{Layout20}/agent-test-hash-123.jsonl", $"subagents/{Layout20}/agent-test-hash-456.jsonl"],
            entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.NotEmpty(e.Data));
        Assert.Contains("Run the test suite", System.Text.Encoding.UTF8.GetString(entries[2].Data), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    public async Task A_week_of_2_0_sessions_carries_each_ones_agent_files_and_no_agent_file_as_a_session()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 9, 8, 0, 0, 0, TimeSpan.Zero));

        var (manifest, entries) = await BundleAsync(Layout20, BundleScope.Last7Days, time);

        Assert.Equal(
            [Layout20, "fe5e1c67-53e7-4862-81ae-d0e013e3270b", "1af7fc5e-8455-4414-9ccd-011d40f70b2a"],
            manifest.SessionIds);
        Assert.Equal(
            [
                "manifest.json",
                $"transcripts/{Layout20}.jsonl", "transcripts/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl",
                "transcripts/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl",
                $"subagents/{Layout20}/agent-test-hash-123.jsonl", $"subagents/{Layout20}/agent-test-hash-456.jsonl",
            ],
            entries.Select(e => e.Name));
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "CUS-28")]
    public async Task A_2_1_session_carries_its_subagents_folder_and_one_without_a_transcript_still_sends_its_subagents()
    {
        var (_, entries) = await BundleAsync("fa812bfe-b295-4cca-9c2f-fdf01028cb46");
        Assert.Equal(
            [
                "manifest.json", "transcripts/fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl",
                "subagents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/agent-a93ccab.jsonl",
                "subagents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/agent-aa84377.jsonl",
                "subagents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/agent-acompact-70d8e7.jsonl",
            ],
            entries.Select(e => e.Name));

        var (manifest, orphan) = await BundleAsync("6c2214d7-b87e-4432-8e41-22ba294ea584");
        Assert.Equal(["6c2214d7-b87e-4432-8e41-22ba294ea584"], manifest.SessionIds);
        Assert.Equal(["manifest.json", "subagents/6c2214d7-b87e-4432-8e41-22ba294ea584/agent-afc096d.jsonl"], orphan.Select(e => e.Name));
    }
}
