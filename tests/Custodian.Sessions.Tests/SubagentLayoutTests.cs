using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Sessions.Tests;

/// <summary>
/// Both subagent layouts are one session with its subagents (LOC-10): 2.1's <c>&lt;session&gt;/subagents/</c> and
/// 2.0's <c>agent-*.jsonl</c> beside the transcript, attached by the <c>sessionId</c> of their first lines (CUS-29);
/// subagent transcripts whose transcript is gone are a session of their own (CUS-28).
/// </summary>
public sealed class SubagentLayoutTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly SessionTree _tree = new();
    private readonly FakeTimeProvider _clock = new(Now);

    public void Dispose() => _tree.Dispose();

    private SessionListing List() => new SessionCatalog(_tree.Layout).List();

    private JsonNode Json(params string[] args)
    {
        var (code, stdout, stderr) = _tree.Run(_clock, [.. args, "--config-dir", _tree.ConfigDir, "--json"]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return JsonNode.Parse(stdout)!;
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "CUS-29")]
    public void Agent_files_beside_the_transcript_are_subagents_of_the_session_they_name_not_sessions()
    {
        var parent = _tree.AddSession("/work/app", "parent", Now.AddDays(-2), subagents: 1, prompt: "fix the build");
        _tree.AddSession("/work/app", "other", Now.AddDays(-3));
        var a = _tree.AddBesideAgent("/work/app", "a1", "parent", Now.AddDays(-2).AddMinutes(-5));
        var b = _tree.AddBesideAgent("/work/app", "b2", "parent", Now.AddDays(-1)); // still ran after the parent's last line

        var listing = List();

        Assert.Equal(["parent", "other"], listing.Sessions.Select(s => s.SessionId));
        var session = listing.Sessions[0];
        Assert.True(session.HasTranscript);
        Assert.Equal("fix the build", session.FirstPrompt);
        Assert.Equal(3, session.SubagentCount);
        Assert.Equal(
            [a, b, Path.Combine(Path.GetDirectoryName(parent)!, "parent", "subagents", "agent-a0.jsonl")],
            session.SubagentTranscripts);
        Assert.Equal(Now.AddDays(-1), session.LastActivity);
        var folderBytes = new FileInfo(session.SubagentTranscripts[2]).Length;
        Assert.Equal(new FileInfo(parent).Length + new FileInfo(a).Length + new FileInfo(b).Length + folderBytes, session.SizeBytes);
        Assert.Empty(listing.Problems);

        // Warm: the same answer from the index, and an agent file that grows is read again.
        Assert.Equal(listing.Sessions, List().Sessions, SessionComparer.Instance);
        File.AppendAllText(b, $$"""{"isSidechain":true,"sessionId":"parent","type":"assistant","timestamp":"{{Now.AddHours(-1):O}}"}""" + "\n");
        Assert.Equal(Now.AddHours(-1), List().Sessions.Single(s => s.SessionId == "parent").LastActivity);

        var found = new SessionCatalog(_tree.Layout).Find("parent")!;
        Assert.Equal(3, found.SubagentCount);
        Assert.Null(new SessionCatalog(_tree.Layout).Find("agent-a1"));
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    public void Show_and_resume_treat_the_agent_files_as_part_of_the_session()
    {
        var parent = _tree.AddSession("/work/app", "parent", Now.AddDays(-2));
        var agent = _tree.AddBesideAgent("/work/app", "a1", "parent", Now.AddDays(-2));
        File.AppendAllText(agent, "{\"truncated\":\n");

        var list = Json("sessions", "list", "--all");
        var only = Assert.Single(list["sessions"]!.AsArray());
        Assert.Equal(1, (int)only!["subagents"]!);

        var show = Json("sessions", "show", "parent");
        Assert.Equal(1, (int)show["session"]!["subagents"]!);
        Assert.False((bool)show["session"]!["transcriptMissing"]!);
        Assert.Equal([agent], show["session"]!["subagentTranscripts"]!.AsArray().Select(n => (string)n!));
        var problem = Assert.Single(show["problems"]!.AsArray());
        Assert.Equal(agent, (string)problem!["file"]!);
        Assert.Equal(3, (int)problem["line"]!);

        var (code, stdout, _) = _tree.Run(_clock, "sessions", "resume", "parent", "--config-dir", _tree.ConfigDir);
        Assert.Equal(0, code);
        Assert.Equal(parent, stdout.Trim());
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "LOC-2")]
    public void Delete_takes_the_agent_files_beside_and_restore_brings_them_back()
    {
        _tree.AddSession("/work/app", "doomed", Now.AddDays(-1), subagents: 1, perSessionFiles: true);
        _tree.AddBesideAgent("/work/app", "a1", "doomed", Now.AddDays(-1));
        _tree.AddSession("/work/app", "kept", Now.AddDays(-1));
        var keptAgent = _tree.AddBesideAgent("/work/app", "k1", "kept", Now.AddDays(-1));
        var before = _tree.Files();

        var deleted = Json("sessions", "delete", "doomed", "--yes");
        Assert.Equal(6, (int)deleted["paths"]!); // transcript, folder, agent file, file history, todo, debug log

        var after = _tree.Files();
        Assert.DoesNotContain("projects/-work-app/agent-a1.jsonl", after);
        Assert.Contains(Path.GetRelativePath(_tree.ConfigDir, keptAgent), after);
        Assert.DoesNotContain(after, f => !f.StartsWith("trash/", StringComparison.Ordinal) && f.Contains("doomed", StringComparison.Ordinal));

        Assert.Equal(0, _tree.Run(_clock, "trash", "restore", "doomed", "--config-dir", _tree.ConfigDir).Code);
        Assert.Equal(before, _tree.Files());
        Assert.Equal(2, List().Sessions.Single(s => s.SessionId == "doomed").SubagentCount);
    }

    [Fact]
    [Trait("spec", "LOC-10")]
    [Trait("spec", "LOC-5")]
    [Trait("spec", "CUS-29")]
    public void The_sweep_ages_a_session_by_the_newest_of_its_files_and_moves_and_restores_them_as_one()
    {
        // Parent recent, agent files old: all kept (the bug was sweeping the agent files as sessions of their own).
        _tree.AddSession("/work/app", "recent", Now.AddDays(-5));
        _tree.AddBesideAgent("/work/app", "r1", "recent", Now.AddDays(-60));
        // Parent old, one agent file recent: kept whole, by the newest activity of any.
        _tree.AddSession("/work/app", "revived", Now.AddDays(-60));
        _tree.AddBesideAgent("/work/app", "v1", "revived", Now.AddDays(-60));
        _tree.AddFolderAgent("/work/app", "v2", "revived", Now.AddDays(-2));
        // Everything old: gone as one unit.
        _tree.AddSession("/work/app", "old", Now.AddDays(-60), subagents: 1);
        _tree.AddBesideAgent("/work/app", "o1", "old", Now.AddDays(-50));
        _tree.AddBesideAgent("/work/app", "o2", "old", Now.AddDays(-45));
        foreach (var file in Directory.GetFiles(_tree.Layout.ProjectsDir, "*", SearchOption.AllDirectories)) SessionTree.SetAge(file, Now);
        var before = _tree.Files();

        var report = new RetentionSweep(_tree.Layout, _clock).Run(new SweepOptions(30));

        var unit = Assert.Single(report.Units);
        Assert.Equal("old", unit.Name);
        Assert.Equal(Now.AddDays(-45), unit.LastActivity);
        Assert.Equal(2, report.RetainedSessions);
        var gone = before.Except(_tree.Files()).ToList();
        Assert.Equal(
            ["projects/-work-app/agent-o1.jsonl", "projects/-work-app/agent-o2.jsonl", "projects/-work-app/old.jsonl", "projects/-work-app/old/subagents/agent-a0.jsonl"],
            gone);
        Assert.Equal(["revived", "recent"], List().Sessions.Select(s => s.SessionId));

        Assert.Null(new SessionTrash(_tree.Layout, _clock).Restore("old"));
        Assert.Equal(before, _tree.Files());
        Assert.Equal(3, List().Sessions.Single(s => s.SessionId == "old").SubagentCount);
    }

    [Fact]
    [Trait("spec", "CUS-28")]
    [Trait("spec", "LOC-10")]
    public void Subagent_transcripts_without_their_transcript_are_a_session_without_one_never_lost()
    {
        // 2.0: agent files naming a session whose transcript is gone; 2.1: a session folder without its transcript.
        var beside = _tree.AddBesideAgent("/work/app", "a1", "gone20", Now.AddDays(-3));
        var folder = _tree.AddFolderAgent("/work/app", "afc096d", "gone21", Now.AddDays(-4));
        _tree.AddBesideAgent("/work/app", "a2", "gone21", Now.AddDays(-5));
        _tree.Write("projects/-work-app/memory/MEMORY.md", "notes");
        _tree.Write("projects/-work-app/leftover/tool-results/t1.txt", "no subagents here");

        var listing = List();

        Assert.Equal(["gone20", "gone21"], listing.Sessions.Select(s => s.SessionId));
        var gone20 = listing.Sessions[0];
        Assert.False(gone20.HasTranscript);
        Assert.Null(gone20.FirstPrompt);
        Assert.Equal("/work/app", gone20.ProjectPath);
        Assert.Equal([beside], gone20.SubagentTranscripts);
        Assert.Equal(Now.AddDays(-3), gone20.LastActivity);
        var gone21 = listing.Sessions[1];
        Assert.Equal(2, gone21.SubagentCount);
        Assert.Equal(Now.AddDays(-4), gone21.LastActivity);
        Assert.Equal(folder, gone21.SubagentTranscripts[1]);

        var show = Json("sessions", "show", "gone20");
        Assert.True((bool)show["session"]!["transcriptMissing"]!);
        var (code, _, stderr) = _tree.Run(_clock, "sessions", "resume", "gone20", "--config-dir", _tree.ConfigDir);
        Assert.Equal(1, code);
        Assert.Contains("cannot be resumed", stderr, StringComparison.Ordinal);
        Assert.Null(new SessionCatalog(_tree.Layout).MostRecentIn("/work/app"));

        Json("sessions", "delete", "gone21", "--yes");
        Assert.Equal(
            ["projects/-work-app/agent-a1.jsonl", "projects/-work-app/leftover/tool-results/t1.txt", "projects/-work-app/memory/MEMORY.md"],
            _tree.Files("projects"));

        // Swept by its own newest timestamp, like any session; memory/ and the folder without subagents stay.
        _clock.Advance(TimeSpan.FromDays(26));
        var report = new RetentionSweep(_tree.Layout, _clock).Run(new SweepOptions(30));
        Assert.Empty(report.Units);
        _clock.Advance(TimeSpan.FromDays(2));
        report = new RetentionSweep(_tree.Layout, _clock).Run(new SweepOptions(30));
        Assert.Equal(["gone20"], report.Units.Select(u => u.Name));
        Assert.Equal(["projects/-work-app/leftover/tool-results/t1.txt", "projects/-work-app/memory/MEMORY.md"], _tree.Files("projects"));
    }

    [Fact]
    [Trait("spec", "CUS-28")]
    [Trait("spec", "CUS-29")]
    public void An_agent_file_naming_no_session_in_its_first_lines_is_listed_on_its_own_and_reported()
    {
        _tree.AddSession("/work/app", "parent", Now.AddDays(-1));
        var path = _tree.Write("projects/-work-app/agent-lost.jsonl", string.Empty);
        var lines = new StringBuilder();
        for (var i = 0; i < TranscriptScanner.SessionIdProbeLines; i++) lines.Append($$"""{"type":"progress","timestamp":"{{Now.AddDays(-2):O}}"}""").Append('\n');
        lines.Append("""{"type":"user","sessionId":"parent","isSidechain":true,"message":{"content":"late"}}""").Append('\n');
        File.WriteAllText(path, lines.ToString());

        var listing = List();

        Assert.Equal(["parent", "agent-lost"], listing.Sessions.Select(s => s.SessionId));
        Assert.Equal(0, listing.Sessions[0].SubagentCount);
        var lost = listing.Sessions[1];
        Assert.False(lost.HasTranscript);
        Assert.Equal([path], lost.SubagentTranscripts);
        var problem = Assert.Single(listing.Problems);
        Assert.Equal(path, problem.File);
        Assert.Contains("CUS-28", problem.Message, StringComparison.Ordinal);
        Assert.Equal(lost, new SessionCatalog(_tree.Layout).Find("agent-lost"), SessionComparer.Instance);

        // It goes as the unit it was listed as, and comes back whole.
        var before = _tree.Files();
        Json("sessions", "delete", "agent-lost", "--yes");
        Assert.Equal(["projects/-work-app/parent.jsonl"], _tree.Files("projects"));
        Assert.Equal(0, _tree.Run(_clock, "trash", "restore", "agent-lost", "--config-dir", _tree.ConfigDir).Code);
        Assert.Equal(before, _tree.Files());
    }

    [Fact]
    [Trait("spec", "CUS-29")]
    public void The_parent_is_read_from_the_first_lines_and_bytes_only()
    {
        static string? Probe(string text) => TranscriptScanner.ReadSessionId(new MemoryStream(Encoding.UTF8.GetBytes(text)));

        Assert.Equal("p1", Probe("""{"type":"summary","summary":"x"}""" + "\n" + """{"sessionId":"p1","type":"user"}""" + "\n"));
        Assert.Equal("p2", Probe("""{"sessionId": "p2", "message": {"content": "no newline at the end"}}"""));
        Assert.Equal("p3", Probe("not json\n[1]\n{\"message\":{\"sessionId\":\"nested\"},\"sessionId\":\"p3\"}\n"));

        // A first line longer than the bound: read as far as it goes, so an early sessionId is found, a late one is not.
        var huge = new string('x', TranscriptScanner.SessionIdProbeBytes);
        Assert.Equal("p4", Probe($$$"""{"sessionId":"p4","message":{"content":"{{{huge}}}"}}""" + "\n"));
        Assert.Null(Probe($$$"""{"message":{"content":"{{{huge}}}"},"sessionId":"p5"}""" + "\n"));

        // An id that is a path is no id.
        Assert.Null(Probe("""{"sessionId":"../../outside"}""" + "\n"));
        Assert.Null(Probe("""{"sessionId":".."}""" + "\n"));

        // A stream that could be read without end is read only up to the bound.
        var endless = new CountingStream();
        Assert.Null(TranscriptScanner.ReadSessionId(endless));
        Assert.InRange(endless.BytesRead, 1, TranscriptScanner.SessionIdProbeBytes);
    }

    /// <summary>Compares listings field by field (the lists inside a record compare by reference).</summary>
    private sealed class SessionComparer : IEqualityComparer<SessionInfo?>
    {
        public static readonly SessionComparer Instance = new();

        public bool Equals(SessionInfo? x, SessionInfo? y) =>
            x is not null && y is not null && x with { SubagentTranscripts = [] } == y with { SubagentTranscripts = [] }
            && x.SubagentTranscripts.SequenceEqual(y.SubagentTranscripts);

        public int GetHashCode(SessionInfo? obj) => obj?.SessionId.GetHashCode(StringComparison.Ordinal) ?? 0;
    }

    /// <summary>An endless stream of spaces that counts what was read from it.</summary>
    private sealed class CountingStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
