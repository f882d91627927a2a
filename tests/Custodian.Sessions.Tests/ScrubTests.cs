using System.Text.Json.Nodes;
using Custodian.Redaction;

namespace Custodian.Sessions.Tests;

/// <summary><see cref="TranscriptScrubber"/>: the whole tree and one session, in place, keeping each file's age and mode (CUS-31).</summary>
public sealed class ScrubTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LongAgo = new(2026, 3, 1, 8, 30, 15, TimeSpan.Zero);
    private static readonly string Token = "ghp_Yq7Lw2Rk9Tz4Mx0Bn6Vc3Hs8Jd1Fg5Pa2Uen";
    private static readonly string SecretLine =
        """{"type":"user","timestamp":"2026-03-01T08:30:00Z","message":{"role":"user","content":"deploy with """ + Token + """ now"}}""";

    private readonly SessionTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private TranscriptScrubber Scrubber => new(_tree.Layout);

    /// <summary>A session with a secret in its transcript and in each subagent transcript, aged <see cref="LongAgo"/>.</summary>
    private string SessionWithSecrets(string id, int subagents = 2)
    {
        var transcript = _tree.AddSession("/work/app", id, LongAgo, subagents: subagents);
        File.AppendAllText(transcript, SecretLine + "\n");
        foreach (var agent in Subagents(transcript)) File.AppendAllText(agent, SecretLine + "\n");
        foreach (var file in Subagents(transcript).Append(transcript)) SessionTree.SetAge(file, LongAgo);
        return transcript;
    }

    private static IEnumerable<string> Subagents(string transcript)
    {
        var folder = Path.Combine(ClaudeLayout.SessionFolderOf(transcript), "subagents");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jsonl").Order(StringComparer.Ordinal) : [];
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    [Trait("spec", "GRD-5")]
    [Trait("spec", "RED-1")]
    public void Scrubbing_keeps_each_rewritten_files_modification_time_and_mode()
    {
        var transcript = SessionWithSecrets("s1");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(transcript, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = File.ReadAllText(transcript);

        var report = Scrubber.ScrubAll();

        Assert.Empty(report.Errors);
        Assert.Equal(3, report.Files.Count);
        Assert.Equal(3, report.Total.Total);
        var after = File.ReadAllText(transcript);
        Assert.DoesNotContain(Token, after, StringComparison.Ordinal);
        Assert.Equal(Redactor.Default.Redact(before), after);
        foreach (var file in Subagents(transcript).Append(transcript))
        {
            Assert.Equal(LongAgo.UtcDateTime, File.GetLastWriteTimeUtc(file));
            Assert.DoesNotContain(Token, File.ReadAllText(file), StringComparison.Ordinal);
        }

        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(transcript));
        Assert.Empty(Directory.GetFiles(_tree.ConfigDir, "*.scrub-tmp", SearchOption.AllDirectories));
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    [Trait("spec", "LOC-5")]
    public void Custodian_scrub_keeps_the_modification_time_that_Claude_Codes_own_sweep_ages_by()
    {
        var transcript = SessionWithSecrets("old", subagents: 1);
        var result = _tree.Run(null, "scrub", "--json", "--config-dir", _tree.ConfigDir);
        Assert.Equal((0, ""), (result.Code, result.Stderr));
        Assert.Equal(2, (int)JsonNode.Parse(result.Stdout)!["changed"]!);
        Assert.All(Subagents(transcript).Append(transcript), f => Assert.Equal(LongAgo.UtcDateTime, File.GetLastWriteTimeUtc(f)));
        Assert.DoesNotContain(Token, File.ReadAllText(transcript), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    [Trait("spec", "GRD-5")]
    [Trait("spec", "LOC-10")]
    public void One_session_is_scrubbed_with_its_subagents_and_no_other_session_is_touched()
    {
        var target = SessionWithSecrets("target");
        var other = SessionWithSecrets("other");
        var otherBefore = File.ReadAllText(other);

        var byPath = Scrubber.ScrubSession(target);

        Assert.Empty(byPath.Errors);
        Assert.Equal(3, byPath.Scanned);
        Assert.Equal(
            [Path.Combine("-work-app", "target.jsonl"), Path.Combine("-work-app", "target", "subagents", "agent-a0.jsonl"), Path.Combine("-work-app", "target", "subagents", "agent-a1.jsonl")],
            byPath.Files.Select(f => f.RelativePath));
        Assert.All(Subagents(target).Append(target), f => Assert.DoesNotContain(Token, File.ReadAllText(f), StringComparison.Ordinal));
        Assert.All(Subagents(target).Append(target), f => Assert.Equal(LongAgo.UtcDateTime, File.GetLastWriteTimeUtc(f)));
        Assert.Equal(otherBefore, File.ReadAllText(other));
        Assert.All(Subagents(other), f => Assert.Contains(Token, File.ReadAllText(f), StringComparison.Ordinal));

        // By the catalog's SessionInfo, as `sessions` finds it; nothing is left to replace.
        var info = new SessionCatalog(_tree.Layout, useIndex: false).Find("other")!;
        var byInfo = Scrubber.ScrubSession(info);
        Assert.Equal(3, byInfo.Files.Count);
        Assert.DoesNotContain(Token, File.ReadAllText(other), StringComparison.Ordinal);
        Assert.Empty(Scrubber.ScrubSession(info).Files);
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    [Trait("spec", "LOC-10")]
    public void A_listed_session_is_scrubbed_with_its_2_0_agent_files_beside_the_transcript()
    {
        var target = SessionWithSecrets("target", subagents: 1);
        var beside = _tree.AddBesideAgent("/work/app", "b1", "target", LongAgo);
        File.AppendAllText(beside, SecretLine.Replace("\"type\":\"user\"", "\"type\":\"user\",\"sessionId\":\"target\"", StringComparison.Ordinal) + "\n");
        var strangers = _tree.AddBesideAgent("/work/app", "c1", "other", LongAgo);
        File.AppendAllText(strangers, SecretLine + "\n");

        var info = new SessionCatalog(_tree.Layout, useIndex: false).Find("target")!;
        Assert.Contains(beside, info.SubagentTranscripts);
        var report = Scrubber.ScrubSession(info);

        Assert.Empty(report.Errors);
        Assert.Equal(3, report.Files.Count);
        Assert.All(info.SubagentTranscripts.Append(target), f => Assert.DoesNotContain(Token, File.ReadAllText(f), StringComparison.Ordinal));
        Assert.Contains(Token, File.ReadAllText(strangers), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    [Trait("spec", "RED-1")]
    public void A_dry_run_counts_and_changes_nothing()
    {
        var transcript = SessionWithSecrets("s1");
        var before = _tree.Files().ToDictionary(f => f, f => File.ReadAllText(Path.Combine(_tree.ConfigDir, f)));

        var all = Scrubber.ScrubAll(dryRun: true);
        var one = Scrubber.ScrubSession(transcript, dryRun: true);

        Assert.Equal((3, 3), (all.Total.Total, one.Total.Total));
        Assert.Equal(before, _tree.Files().ToDictionary(f => f, f => File.ReadAllText(Path.Combine(_tree.ConfigDir, f))));
        Assert.Equal(LongAgo.UtcDateTime, File.GetLastWriteTimeUtc(transcript));
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    [Trait("spec", "LOC-4")]
    public void A_session_is_never_scrubbed_outside_projects_nor_through_a_symbolic_link()
    {
        var outside = Path.Combine(_tree.Root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "s1", "subagents"));
        var victim = Path.Combine(outside, "s1.jsonl");
        File.WriteAllText(victim, SecretLine + "\n");
        File.WriteAllText(Path.Combine(outside, "s1", "subagents", "agent-a.jsonl"), SecretLine + "\n");

        var refused = Scrubber.ScrubSession(victim);
        var error = Assert.Single(refused.Errors);
        Assert.Equal(victim, error.RelativePath);
        Assert.Contains("not a transcript under", error.ToString(), StringComparison.Ordinal);

        // A project folder that is a link to the outside, and a transcript that is one.
        var linkedProject = Path.Combine(_tree.Layout.ProjectsDir, "-linked");
        Directory.CreateSymbolicLink(linkedProject, outside);
        var viaFolder = Scrubber.ScrubSession(Path.Combine(linkedProject, "s1.jsonl"));
        Directory.CreateDirectory(Path.Combine(_tree.Layout.ProjectsDir, "-real"));
        var linkedTranscript = Path.Combine(_tree.Layout.ProjectsDir, "-real", "s2.jsonl");
        File.CreateSymbolicLink(linkedTranscript, victim);
        var viaFile = Scrubber.ScrubSession(linkedTranscript);
        var all = Scrubber.ScrubAll();

        Assert.Equal((1, 0), (viaFolder.SkippedSymlinks, viaFolder.Scanned));
        Assert.Equal((1, 0), (viaFile.SkippedSymlinks, viaFile.Scanned));
        Assert.Equal(2, all.SkippedSymlinks);
        Assert.Contains(Token, File.ReadAllText(victim), StringComparison.Ordinal);
        Assert.Contains(Token, File.ReadAllText(Path.Combine(outside, "s1", "subagents", "agent-a.jsonl")), StringComparison.Ordinal);
        Assert.NotNull(new FileInfo(linkedTranscript).LinkTarget);
    }

    [Fact]
    [Trait("spec", "CUS-31")]
    public void A_missing_session_transcript_is_nothing_to_do()
    {
        var report = Scrubber.ScrubSession(Path.Combine(_tree.Layout.ProjectsDir, "-work-app", "gone.jsonl"));
        Assert.Equal((0, 0, 0), (report.Scanned, report.Files.Count, report.Errors.Count));
    }
}
