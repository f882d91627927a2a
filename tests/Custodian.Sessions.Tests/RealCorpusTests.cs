using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Sessions.Tests;

/// <summary>
/// Every transcript of <c>shared/corpus/real-claude-code</c> (Claude Code 2.0.x and 2.1.x, both subagent layouts),
/// laid out as its SOURCES.md says, is listed, shown and swept as whole sessions (LOC-9, LOC-10, CUS-28).
/// </summary>
public sealed class RealCorpusTests : IDisposable
{
    /// <summary>What each session is, as read by eye from the corpus files.</summary>
    private static readonly Expected[] Sessions =
    [
        // DRMacIver+claude-reliability (2.1.14): queue-operation first, Stop-hook isMeta feedback after the prompt.
        new("c64cc478-3430-40fe-8e9c-4ee9986e9754", "/tmp/tmpw6sk2trg", "Add a function called multiply_numbers(a: int, b: int) -> int that multiplies two numbers together. Add a test for it.", 0, "2026-01-21T06:20:29.268Z"),
        new("de3b8b19-5bc0-4a2a-934a-1b6806567e25", "/tmp/tmp74wiyiny", "Write a shell script called hello.sh that prints \"Hello world\" and run it.", 0, "2026-01-21T06:20:44.516Z"),
        new("c7d3d95c-57f0-4359-8f4b-926a9bef5a3f", "/tmp/tmpqwh7888i", "Port this Python project to Rust. Create a standalone Rust library (no Python bindings needed). Delete all the Python s…", 0, "2026-01-21T06:24:31.843Z"),
        new("063004b7-9c12-446a-a977-ca545d9e3cac", "/tmp/tmphwsm9u6c", "Read the README.md file and tell me what it says. Then stop.", 0, "2026-01-21T06:24:38.842Z"),
        new("cb88ae13-898d-4076-aeb5-bc37191c5d2e", "/tmp/tmpcy4oc572", "Read test.txt and change the content to \"modified content\". Commit the change, then stop.", 0, "2026-01-21T06:25:01.119Z"),
        new("645d338e-a844-495b-bcc0-8b12ad5c0bc1", "/tmp/tmpjzzcbyb3", "I've reviewed my work and it's complete. Stop now.", 0, "2026-01-21T06:25:04.429Z"),
        new("e4743781-d0f5-4f75-b17c-6d22d30c5885", "/tmp/tmpyyfcniwy", "Read src/main.py and add a docstring to the top. Then stop.", 0, "2026-01-21T06:25:16.567Z"),

        // d-kimuson+claude-code-viewer (2.0.x): slash commands with isMeta expansions, inline sidechains, agent files beside.
        new("1af7fc5e-8455-4414-9ccd-011d40f70b2a", "/path/to/Demo", null, 0, "2025-09-03T00:47:52.264Z"),
        new("5c0375b4-57a5-4f26-b12d-d022ee4e51b7", "/path/to/Demo", null, 2, "2025-09-07T09:54:26.499Z"),
        new("fe5e1c67-53e7-4862-81ae-d0e013e3270b", "/path/to/Demo", "Thanks! Please update CLAUDE.md for current changes", 0, "2025-09-03T01:02:03.665Z"),

        // daaain+claude-code-log (2.0.46, Windows): a tool result and a subagent's lines, nothing typed.
        new("88a8d761-7b9a-4bf1-a8ca-c1febe6bf358", @"e:\Workspace\src\github\claude-code-log", null, 0, "2025-11-19T22:55:40.790Z"),

        // marot+spotter (2.1.38/39): <session>/subagents/ with agent-acompact-*, interruptions, task notifications, compaction.
        new("258c7280-ae70-4798-800f-63464d01a85d", "/home/USER/projects/spotter-worktrees/spotter-gqc", "Implement spotter-gqc", 2, "2026-02-11T21:46:25.932Z"),
        new("4d5611e5-241a-462a-8d15-5122611a9569", "/home/USER/projects/spotter-worktrees/spotter-dov", "Work on bead spotter-dov. Run bd show spotter-dov to see the issue details and bd ready to find available subtasks. Sta…", 2, "2026-02-12T21:03:34.206Z"),
        new("8463c716-a2ea-4c14-9efa-87158ebd9f20", "/home/USER/projects/spotter-worktrees/spotter-fum", "Work on bead spotter-fum. Run bd show spotter-fum to see the issue details and bd ready to find available subtasks. Sta…", 2, "2026-02-11T22:54:29.983Z"),
        new("ae4a77f8-aedd-4bc1-888f-c94edc91af04", "/home/USER/projects/spotter-worktrees/spotter-4te", "Work on bead spotter-4te. Run bd show spotter-4te to see the issue details and bd ready to find available subtasks. Sta…", 2, "2026-02-12T15:05:00.730Z"),
        new("fa812bfe-b295-4cca-9c2f-fdf01028cb46", "/home/USER/projects/spotter-worktrees/spotter-a0y", "Work on bead spotter-a0y. Run bd show spotter-a0y to see the issue details and bd ready to find available subtasks. Sta…", 3, "2026-02-12T16:17:55.991Z"),
        new("55604662-cf2a-4331-851a-ec234028f8ca", "/home/marco/projects/spotter", "mix phx.server doesnt seem to start", 0, "2026-02-10T21:16:12.381Z"),
        new("491e126e-1e71-469c-ade2-fcc8af567c74", "/home/marco/projects/spotter", "create the beads", 0, "2026-02-10T22:03:51.807Z"),
        new("d6e0bada-1959-4eec-a9d2-0bfade768d8f", "/home/marco/projects/spotter", "start phoenix in background", 0, "2026-02-10T22:59:46.748Z"),

        // The snapshot kept this session's subagents/ folder but not its transcript (CUS-28).
        new("6c2214d7-b87e-4432-8e41-22ba294ea584", "/home/USER/projects/spotter-worktrees/spotter-0rt", null, 1, "2026-02-10T22:16:56.821Z", HasTranscript: false),
    ];

    private readonly SessionTree _tree = new();
    private readonly List<RealCorpus.Placed> _placed;

    public RealCorpusTests() => _placed = RealCorpus.LayOut(_tree.ConfigDir);

    public void Dispose() => _tree.Dispose();

    private sealed record Expected(string Id, string Cwd, string? FirstPrompt, int Subagents, string Newest, bool HasTranscript = true)
    {
        public DateTimeOffset LastActivity => DateTimeOffset.Parse(Newest, CultureInfo.InvariantCulture);
    }

    [Fact]
    [Trait("spec", "LOC-9")]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "CUS-28")]
    public void Every_real_transcript_is_listed_once_with_its_first_prompt_and_subagents()
    {
        Assert.Equal(33, _placed.Count); // 19 session transcripts, 2 agent files beside one, 12 subagent transcripts
        Assert.Equal(19, _placed.Count(p => p.Kind == RealCorpus.TranscriptKind.Session));

        foreach (var warm in new[] { false, true })
        {
            var listing = new SessionCatalog(_tree.Layout).List();

            Assert.Equal(Sessions.Select(e => e.Id).Order(StringComparer.Ordinal), listing.Sessions.Select(s => s.SessionId).Order(StringComparer.Ordinal));
            foreach (var expected in Sessions)
            {
                var session = listing.Sessions.Single(s => s.SessionId == expected.Id);
                Assert.True(expected.FirstPrompt == session.FirstPrompt, $"{expected.Id} (warm: {warm}): first prompt '{session.FirstPrompt}'");
                Assert.Equal(expected.Cwd, session.ProjectPath);
                Assert.Equal(ClaudeLayout.EncodeProjectName(expected.Cwd), session.ProjectFolder);
                Assert.Equal(expected.Subagents, session.SubagentCount);
                Assert.Equal(expected.HasTranscript, session.HasTranscript);
                Assert.Equal(expected.LastActivity, session.LastActivity);
                Assert.Equal(ActivitySource.Timestamp, session.ActivitySource);

                // Every file of the corpus is in exactly the session it names, and counted in its size.
                var files = _placed.Where(p => p.SessionId == expected.Id).ToList();
                Assert.Equal(
                    files.Where(p => p.Kind != RealCorpus.TranscriptKind.Session).Select(p => p.Destination).Order(StringComparer.Ordinal),
                    session.SubagentTranscripts);
                Assert.Equal(files.Sum(p => new FileInfo(p.Destination).Length), session.SizeBytes);
            }

            // The corpus is real Claude Code output: every line of it is usable.
            Assert.Empty(listing.Problems);
        }

        var mostRecent = new SessionCatalog(_tree.Layout).MostRecentIn("/home/marco/projects/spotter")!;
        Assert.Equal("d6e0bada-1959-4eec-a9d2-0bfade768d8f", mostRecent.SessionId);
    }

    [Fact]
    [Trait("spec", "LOC-9")]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "CUS-28")]
    public void Every_real_session_is_shown_with_its_subagent_transcripts()
    {
        var list = _tree.Run(null, "sessions", "list", "--all", "--config-dir", _tree.ConfigDir, "--json");
        Assert.Equal(0, list.Code);
        Assert.Equal(Sessions.Length, JsonNode.Parse(list.Stdout)!["sessions"]!.AsArray().Count);

        foreach (var expected in Sessions)
        {
            var (code, stdout, stderr) = _tree.Run(null, "sessions", "show", expected.Id, "--config-dir", _tree.ConfigDir, "--json");
            Assert.True(code == 0, $"{expected.Id}: exit {code}: {stderr}");
            var json = JsonNode.Parse(stdout)!;
            var session = json["session"]!;
            Assert.Equal(expected.FirstPrompt, (string?)session["firstPrompt"]);
            Assert.Equal(expected.Subagents, (int)session["subagents"]!);
            Assert.Equal(expected.Subagents, session["subagentTranscripts"]!.AsArray().Count);
            Assert.Equal(!expected.HasTranscript, (bool)session["transcriptMissing"]!);
            Assert.Empty(json["problems"]!.AsArray());

            var resume = _tree.Run(null, "sessions", "resume", expected.Id, "--config-dir", _tree.ConfigDir);
            Assert.Equal(expected.HasTranscript ? 0 : 1, resume.Code);
        }
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "LOC-5")]
    [Trait("spec", "LOC-7")]
    [Trait("spec", "CUS-28")]
    public void Sweeps_whose_cutoff_falls_between_real_sessions_remove_whole_sessions_only()
    {
        var clock = new FakeTimeProvider();
        var all = _tree.Files("projects");
        var removed = new HashSet<string>(StringComparer.Ordinal);

        void SweepAt(string cutoff, params string[] expectedGone)
        {
            clock.SetUtcNow(DateTimeOffset.Parse(cutoff, CultureInfo.InvariantCulture).AddDays(30));
            var report = new RetentionSweep(_tree.Layout, clock).Run(new SweepOptions(30));

            Assert.Empty(report.Errors);
            Assert.Equal(expectedGone.Order(StringComparer.Ordinal), report.Units.Select(u => u.Name).Order(StringComparer.Ordinal));
            removed.UnionWith(expectedGone);

            // What is left is exactly the files of the sessions not yet removed: no agent file goes before its
            // session, none stays behind after it.
            var left = _placed.Where(p => !removed.Contains(p.SessionId)).Select(p => Path.GetRelativePath(_tree.ConfigDir, p.Destination));
            Assert.Equal(left.Order(StringComparer.Ordinal), _tree.Files("projects"));
            Assert.Equal(
                Sessions.Where(e => !removed.Contains(e.Id)).Select(e => e.Id).Order(StringComparer.Ordinal),
                new SessionCatalog(_tree.Layout).List().Sessions.Select(s => s.SessionId).Order(StringComparer.Ordinal));
        }

        // Between two 2.0 sessions, after the agent files of the third (5c0375b4, active 2025-09-07): those stay with it.
        SweepAt("2025-09-05T00:00:00Z", "1af7fc5e-8455-4414-9ccd-011d40f70b2a", "fe5e1c67-53e7-4862-81ae-d0e013e3270b");
        Assert.Equal(2, new SessionCatalog(_tree.Layout).Find("5c0375b4-57a5-4f26-b12d-d022ee4e51b7")!.SubagentCount);

        // Between 491e126e (22:03) and the 2.1 session without a transcript (22:16): 5c0375b4 goes with its agent files.
        SweepAt("2026-02-10T22:10:00Z",
            "5c0375b4-57a5-4f26-b12d-d022ee4e51b7", "88a8d761-7b9a-4bf1-a8ca-c1febe6bf358",
            "c64cc478-3430-40fe-8e9c-4ee9986e9754", "de3b8b19-5bc0-4a2a-934a-1b6806567e25", "c7d3d95c-57f0-4359-8f4b-926a9bef5a3f",
            "063004b7-9c12-446a-a977-ca545d9e3cac", "cb88ae13-898d-4076-aeb5-bc37191c5d2e", "645d338e-a844-495b-bcc0-8b12ad5c0bc1",
            "e4743781-d0f5-4f75-b17c-6d22d30c5885", "55604662-cf2a-4331-851a-ec234028f8ca", "491e126e-1e71-469c-ade2-fcc8af567c74");

        // Restored together, listed together again.
        Assert.Null(new SessionTrash(_tree.Layout, clock).Restore("5c0375b4-57a5-4f26-b12d-d022ee4e51b7"));
        removed.Remove("5c0375b4-57a5-4f26-b12d-d022ee4e51b7");
        Assert.Equal(2, new SessionCatalog(_tree.Layout).Find("5c0375b4-57a5-4f26-b12d-d022ee4e51b7")!.SubagentCount);

        // Between ae4a77f8 (15:05) and fa812bfe (16:17): the 2.1 sessions go with their subagents/ folders.
        SweepAt("2026-02-12T16:00:00Z",
            "5c0375b4-57a5-4f26-b12d-d022ee4e51b7", "6c2214d7-b87e-4432-8e41-22ba294ea584", "d6e0bada-1959-4eec-a9d2-0bfade768d8f",
            "258c7280-ae70-4798-800f-63464d01a85d", "8463c716-a2ea-4c14-9efa-87158ebd9f20", "ae4a77f8-aedd-4bc1-888f-c94edc91af04");

        Assert.Equal(
            ["4d5611e5-241a-462a-8d15-5122611a9569", "fa812bfe-b295-4cca-9c2f-fdf01028cb46"],
            new SessionCatalog(_tree.Layout).List().Sessions.Select(s => s.SessionId));
        Assert.True(all.Count > _tree.Files("projects").Count);
    }
}
