using System.Text.Json.Nodes;

namespace Custodian.Sessions.Tests;

public sealed class CatalogTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly SessionTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    [Trait("spec", "LOC-1")]
    [Trait("spec", "LOC-8")]
    public void The_real_corpus_lists_with_every_odd_line_reported_by_file_and_line()
    {
        var project = _tree.Layout.ProjectDirFor("/tmp");
        Directory.CreateDirectory(project);
        foreach (var file in Directory.GetFiles(SessionTree.CorpusDir, "*.jsonl"))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        var listing = new SessionCatalog(_tree.Layout).List();

        Assert.Equal(4, listing.Sessions.Count);
        var edge = listing.Sessions.Single(s => s.SessionId == "edge_cases");
        Assert.True(edge.ProblemCount >= 3, $"edge_cases.jsonl has string, number and array lines; {edge.ProblemCount} reported");
        var edgePath = Path.Combine(project, "edge_cases.jsonl");
        var lines = File.ReadAllLines(edgePath);
        foreach (var problem in listing.Problems.Where(p => p.File == edgePath))
        {
            Assert.InRange(problem.Line, 1, lines.Length);
            Assert.False(lines[problem.Line - 1].TrimStart().StartsWith('{') && problem.Message.StartsWith("not a JSON object", StringComparison.Ordinal));
        }

        Assert.Contains(listing.Problems, p => p.File == edgePath && p.Message == "not a JSON object (a string)");
        Assert.Contains(listing.Problems, p => p.File == edgePath && p.Message == "not a JSON object (a number)");
        Assert.Contains(listing.Problems, p => p.File == edgePath && p.Message == "not a JSON object (an array)");
        var b = listing.Sessions.Single(s => s.SessionId == "session_b");
        Assert.Equal("/tmp", b.ProjectPath);
        Assert.Equal("This is from a different session file to test multi-session handling.", b.FirstPrompt);
        Assert.Equal(new DateTimeOffset(2025, 6, 14, 12, 1, 0, TimeSpan.Zero), b.LastActivity);
    }

    [Fact]
    [Trait("spec", "LOC-8")]
    public void Truncated_invalid_utf8_and_huge_lines_never_stop_the_scan()
    {
        var path = _tree.Write("projects/-w/s1.jsonl", string.Empty);
        using (var stream = File.Create(path))
        {
            void Line(string text) => stream.Write(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
            Line("""{"type":"user","timestamp":"2026-01-01T00:00:00Z","message":{"content":"first"}}""");
            Line("""{"type":"assistant","timestamp":"2026-01-0""");
            stream.Write([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d, 0x0a]);
            Line("{\"type\":\"assistant\",\"timestamp\":\"2026-02-01T00:00:00Z\",\"big\":\"" + new string('x', 3 * 1024 * 1024) + "\"}");
            Line("[1,2,3]");
            stream.Write(System.Text.Encoding.UTF8.GetBytes("""{"type":"assistant","timestamp":"2026-03-01T00:00:00Z","cut":"""));
        }

        var scan = TranscriptScanner.Scan(path);

        Assert.Equal(6, scan.Lines);
        Assert.Equal("first", scan.FirstPrompt);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), scan.NewestTimestamp);
        Assert.Equal([2L, 3L, 5L, 6L], scan.Problems.Select(p => p.Line));
        Assert.StartsWith("truncated or invalid JSON", scan.Problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("not valid UTF-8", scan.Problems[1].Message);
        Assert.Equal("not a JSON object (an array)", scan.Problems[2].Message);
    }

    [Fact]
    [Trait("spec", "LOC-5")]
    public void Last_activity_is_the_newest_timestamp_inside_not_the_file_time()
    {
        var transcript = _tree.AddSession("/work/app", "s1", Now.AddDays(-40));
        File.AppendAllText(transcript, """{"type":"summary","timestamp":"2026-01-01T00:00:00Z"}""" + "\n");
        SessionTree.SetAge(transcript, Now);

        var session = new SessionCatalog(_tree.Layout).Find("s1")!;

        Assert.Equal(Now.AddDays(-40), session.LastActivity);
        Assert.Equal(ActivitySource.Timestamp, session.ActivitySource);
    }

    [Fact]
    [Trait("spec", "LOC-5")]
    public void Modification_time_counts_only_without_any_timestamp()
    {
        var path = _tree.Write("projects/-w/s2.jsonl", """{"type":"summary","summary":"no times here"}""" + "\n");
        SessionTree.SetAge(path, Now.AddDays(-3));

        var session = new SessionCatalog(_tree.Layout).Find("s2")!;

        Assert.Equal(ActivitySource.ModificationTime, session.ActivitySource);
        Assert.Equal(Now.AddDays(-3), session.LastActivity);
    }

    [Fact]
    [Trait("spec", "LOC-1")]
    [Trait("spec", "LOC-2")]
    public void Listing_shows_project_prompt_size_and_subagents_most_recent_first_and_filters_by_project()
    {
        _tree.AddSession("/work/app", "old", Now.AddDays(-5), subagents: 2, prompt: "fix the bug");
        _tree.AddSession("/work/app", "new", Now.AddDays(-1));
        _tree.AddSession("/work/other.site", "elsewhere", Now);

        var catalog = new SessionCatalog(_tree.Layout);
        var all = catalog.List().Sessions;
        var app = catalog.List(ClaudeLayout.EncodeProjectName("/work/app")).Sessions;

        Assert.Equal(["elsewhere", "new", "old"], all.Select(s => s.SessionId));
        Assert.Equal(["new", "old"], app.Select(s => s.SessionId));
        var old = app[1];
        Assert.Equal("/work/app", old.ProjectPath);
        Assert.Equal("fix the bug", old.FirstPrompt);
        Assert.Equal(2, old.SubagentCount);
        Assert.True(old.SizeBytes > new FileInfo(old.TranscriptPath).Length);
        Assert.Equal("-work-other-site", all[0].ProjectFolder);
        Assert.Equal("elsewhere", catalog.MostRecentIn("/work/other.site")!.SessionId);
    }

    [Fact]
    public void The_index_is_used_when_files_are_unchanged_and_never_trusted_over_them()
    {
        var transcript = _tree.AddSession("/work/app", "s1", Now.AddDays(-5));
        var catalog = new SessionCatalog(_tree.Layout);
        Assert.Equal(Now.AddDays(-5), catalog.List().Sessions.Single().LastActivity);
        Assert.True(File.Exists(catalog.IndexPath));

        File.AppendAllText(transcript, $$$"""{"type":"user","timestamp":"{{{Now:O}}}","message":{"content":"again"}}""" + "\n");
        Assert.Equal(Now, catalog.List().Sessions.Single().LastActivity);

        File.WriteAllText(catalog.IndexPath, "this is not a database");
        Assert.Equal(Now, new SessionCatalog(_tree.Layout).List().Sessions.Single().LastActivity);

        File.Delete(transcript);
        Assert.Empty(catalog.List().Sessions);
    }

    [Fact]
    [Trait("spec", "LOC-2")]
    [Trait("spec", "LOC-4")]
    public void Folder_size_and_subagents_are_measured_on_every_listing_without_following_links()
    {
        var transcript = _tree.AddSession("/work/app", "s1", Now.AddDays(-2), subagents: 2);
        var folder = ClaudeLayout.SessionFolderOf(transcript);
        _tree.Write(Path.GetRelativePath(_tree.ConfigDir, Path.Combine(folder, "tool-results", "r1.txt")), new string('r', 1000));
        var outside = Path.Combine(_tree.Root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "agent-x.jsonl"), new string('o', 50_000));
        File.CreateSymbolicLink(Path.Combine(folder, "subagents", "agent-link.jsonl"), Path.Combine(outside, "agent-x.jsonl"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "linked"), outside);
        long Expected() => new FileInfo(transcript).Length
            + Directory.GetFiles(Path.Combine(folder, "subagents")).Where(f => new FileInfo(f).LinkTarget is null).Sum(f => new FileInfo(f).Length)
            + 1000;
        var catalog = new SessionCatalog(_tree.Layout);

        var cold = catalog.List().Sessions.Single();
        Assert.Equal(2, cold.SubagentCount);
        Assert.Equal(Expected(), cold.SizeBytes);

        // A subagent transcript grows while the session's own transcript and every directory stay as they were.
        var sub = Path.Combine(folder, "subagents", "agent-a0.jsonl");
        var folderTime = Directory.GetLastWriteTimeUtc(Path.Combine(folder, "subagents"));
        File.AppendAllText(sub, new string('s', 4096) + "\n");
        Directory.SetLastWriteTimeUtc(Path.Combine(folder, "subagents"), folderTime);
        var warm = catalog.List().Sessions.Single();
        Assert.Equal(Expected(), warm.SizeBytes);
        Assert.Equal(cold.SizeBytes + 4097, warm.SizeBytes);
    }

    [Fact]
    [Trait("spec", "LOC-8")]
    public void Problems_of_transcripts_read_in_parallel_are_reported_in_listing_order()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"s{i:D2}").ToList();
        foreach (var name in names)
        {
            _tree.Write($"projects/-w/{name}.jsonl", "\"a string line\"\n[1]\n" + """{"type":"user","timestamp":"2026-01-01T00:00:00Z"}""" + "\n");
        }

        for (var run = 0; run < 3; run++)
        {
            if (run > 0) File.Delete(new SessionCatalog(_tree.Layout).IndexPath);
            var listing = new SessionCatalog(_tree.Layout).List();

            Assert.Equal(40, listing.Sessions.Count);
            Assert.Equal(
                names.SelectMany(n => new[] { (n + ".jsonl", 1L), (n + ".jsonl", 2L) }),
                listing.Problems.Select(p => (Path.GetFileName(p.File), p.Line)));
        }
    }

    [Fact]
    [Trait("spec", "LOC-2")]
    public void Sessions_commands_list_show_and_resume()
    {
        _tree.AddSession("/work/app", "s1", Now.AddDays(-2), prompt: "first one");
        var latest = _tree.AddSession("/work/app", "s2", Now.AddDays(-1), prompt: "second one");

        var list = _tree.Run(null, "sessions", "list", "--all", "--config-dir", _tree.ConfigDir, "--json");
        Assert.Equal(0, list.Code);
        var sessions = JsonNode.Parse(list.Stdout)!["sessions"]!.AsArray();
        Assert.Equal(["s2", "s1"], sessions.Select(s => (string)s!["id"]!));
        Assert.Equal("/work/app", (string)sessions[0]!["project"]!);
        Assert.Equal("second one", (string)sessions[0]!["firstPrompt"]!);

        var human = _tree.Run(null, "sessions", "list", "--project", "/work/app", "--config-dir", _tree.ConfigDir);
        Assert.Contains("first one", human.Stdout, StringComparison.Ordinal);

        var resume = _tree.Run(null, "sessions", "resume", "s1", "--config-dir", _tree.ConfigDir);
        Assert.Equal(_tree.Layout.ProjectDirFor("/work/app") + "/s1.jsonl", resume.Stdout.Trim());

        var show = _tree.Run(null, "sessions", "show", "s2", "--config-dir", _tree.ConfigDir, "--json");
        Assert.Equal(latest, (string)JsonNode.Parse(show.Stdout)!["session"]!["transcript"]!);

        var missing = _tree.Run(null, "sessions", "show", "nope", "--config-dir", _tree.ConfigDir);
        Assert.Equal(2, missing.Code);
        Assert.Contains("no such session: nope", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "LOC-2")]
    public void Delete_removes_transcript_subagents_and_per_session_files_together_and_trash_restores_them()
    {
        _tree.AddSession("/work/app", "doomed", Now.AddDays(-1), subagents: 2, perSessionFiles: true);
        _tree.AddSession("/work/app", "kept", Now.AddDays(-1), perSessionFiles: true);
        var before = _tree.Files();

        var refused = _tree.Run(null, "sessions", "delete", "doomed", "--config-dir", _tree.ConfigDir);
        Assert.Equal(2, refused.Code);
        Assert.Contains("without --yes", refused.Stderr, StringComparison.Ordinal);

        var deleted = _tree.Run(null, "sessions", "delete", "doomed", "--yes", "--config-dir", _tree.ConfigDir);
        Assert.Equal(0, deleted.Code);
        var after = _tree.Files();
        Assert.DoesNotContain(after, f => f.StartsWith("projects/", StringComparison.Ordinal) && f.Contains("doomed", StringComparison.Ordinal));
        Assert.DoesNotContain(after, f => !f.StartsWith("trash/", StringComparison.Ordinal) && f.Contains("doomed", StringComparison.Ordinal));
        Assert.Contains(after, f => f.Contains("kept", StringComparison.Ordinal) && f.StartsWith("todos/", StringComparison.Ordinal));

        var restored = _tree.Run(null, "trash", "restore", "doomed", "--config-dir", _tree.ConfigDir);
        Assert.Equal(0, restored.Code);
        Assert.Equal(before, _tree.Files());

        var outright = _tree.Run(null, "sessions", "delete", "doomed", "--yes", "--no-trash", "--config-dir", _tree.ConfigDir);
        Assert.Equal(0, outright.Code);
        Assert.DoesNotContain(_tree.Files(), f => f.Contains("doomed", StringComparison.Ordinal));
    }
}
