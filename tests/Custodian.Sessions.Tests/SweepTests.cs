using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Sessions.Tests;

public sealed class SweepTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly SessionTree _tree = new();
    private readonly FakeTimeProvider _clock = new(Now);

    public void Dispose() => _tree.Dispose();

    private (int Code, JsonNode? Json, string Stderr) Cleanup(params string[] extra)
    {
        var (code, stdout, stderr) = _tree.Run(_clock, ["cleanup", "--json", "--config-dir", _tree.ConfigDir, .. extra]);
        return (code, stdout.Length > 0 ? JsonNode.Parse(stdout) : null, stderr);
    }

    [Fact]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-4")]
    [Trait("spec", "LOC-5")]
    [Trait("spec", "LOC-7")]
    public void Sweep_moves_old_sessions_and_aged_files_to_the_trash_and_never_touches_what_is_kept()
    {
        var touchedButOld = _tree.AddSession("/work/app", "old", Now.AddDays(-40), subagents: 2, perSessionFiles: true);
        SessionTree.SetAge(touchedButOld, Now); // touching must not rescue it
        var staleButRecent = _tree.AddSession("/work/app", "recent", Now.AddDays(-10), perSessionFiles: true);
        SessionTree.SetAge(staleButRecent, Now.AddDays(-400)); // an old mtime must not doom it
        foreach (var (path, age) in new (string, int)[]
        {
            ("tool-results/t1.txt", -40), ("paste-cache/p1.txt", -40), ("shell-snapshots/s1.sh", -1), ("feedback-bundles/b1.tar.gz", -40),
            ("todos/orphan-agent-orphan.json", -40), ("debug/orphan.txt", -40), ("file-history/orphan/f@v1", -40),
            ("history.jsonl", -400), ("projects/-work-app/memory/MEMORY.md", -400), ("settings.json", -400),
        })
        {
            SessionTree.SetAge(_tree.Write(path, path == "settings.json" ? "{}" : "x"), Now.AddDays(age));
        }

        SessionTree.SetAge(Path.Combine(_tree.ConfigDir, "file-history", "orphan"), Now.AddDays(-40));
        var before = _tree.Files();

        var (code, json, stderr) = Cleanup();

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal("ran", (string)json!["result"]!);
        Assert.Equal(30, (int)json["periodDays"]!);
        Assert.Equal(1, (int)json["deleted"]!["sessions"]!);
        Assert.Equal(6, (int)json["deleted"]!["files"]!);
        Assert.Equal(1, (int)json["retained"]!);
        Assert.Equal(0, (int)json["errors"]!);

        var after = _tree.Files();
        var gone = before.Except(after).ToList();
        Assert.All(gone, f => Assert.True(
            f.Contains("old", StringComparison.Ordinal) || f.Contains("orphan", StringComparison.Ordinal) || f.Contains("1.", StringComparison.Ordinal), f));
        Assert.DoesNotContain(after, f => !f.StartsWith("trash/", StringComparison.Ordinal) && f.Contains("old", StringComparison.Ordinal) && !f.StartsWith("projects/-work-app/memory", StringComparison.Ordinal));
        foreach (var kept in new[] { "history.jsonl", "projects/-work-app/memory/MEMORY.md", "settings.json", "shell-snapshots/s1.sh", "todos/recent-agent-recent.json", "debug/recent.txt", "file-history/recent/abc@v1", "projects/-work-app/recent.jsonl" })
        {
            Assert.Contains(kept, after);
        }

        // Every removed file is in the trash, under its old relative path.
        foreach (var file in gone)
        {
            Assert.Contains(after, f => f.StartsWith("trash/", StringComparison.Ordinal) && f.EndsWith("/files/" + file, StringComparison.Ordinal));
        }
    }

    [Fact]
    [Trait("spec", "LOC-2")]
    [Trait("spec", "LOC-3")]
    public void Per_session_files_go_with_their_own_session_only_not_one_whose_id_extends_it()
    {
        _tree.AddSession("/work/app", "s1", Now.AddDays(-40), perSessionFiles: true);
        _tree.AddSession("/work/app", "s10", Now.AddDays(-1), perSessionFiles: true);
        SessionTree.SetAge(_tree.Write("todos/s1.json", "[]"), Now);

        var (code, json, _) = Cleanup();

        Assert.Equal(0, code);
        Assert.Equal("s1", (string)json!["items"]!.AsArray().Single()!["name"]!);
        var files = _tree.Files();
        Assert.Contains("todos/s10-agent-s10.json", files);
        Assert.DoesNotContain("todos/s1-agent-s1.json", files);
        Assert.DoesNotContain("todos/s1.json", files);
    }

    [Fact]
    [Trait("spec", "LOC-7")]
    public void Dry_run_lists_what_would_go_and_changes_nothing()
    {
        _tree.AddSession("/work/app", "old", Now.AddDays(-40), subagents: 1);
        _tree.AddSession("/work/app", "new", Now.AddDays(-1));
        var before = _tree.Files();

        var (code, json, _) = Cleanup("--dry-run");

        Assert.Equal(0, code);
        Assert.True((bool)json!["dryRun"]!);
        Assert.Equal("old", (string)json["items"]!.AsArray().Single()!["name"]!);
        Assert.Equal(before, _tree.Files());

        var human = _tree.Run(_clock, "cleanup", "--dry-run", "--config-dir", _tree.ConfigDir);
        Assert.Contains("Would remove: 1 session(s)", human.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, _tree.Files());
    }

    [Fact]
    [Trait("spec", "LOC-5")]
    [Trait("spec", "CUS-33")]
    public void Cleanup_names_what_Claude_Codes_modification_time_sweep_would_delete_that_custodian_keeps()
    {
        // Alive by content, untouched on disk: the transcript and a 2.0 agent file beside it are past the client's
        // cut-off; a 2.1 subagent under the session folder is not swept by the client while the transcript exists.
        var restored = _tree.AddSession("/work/app", "restored", Now.AddDays(-3), subagents: 1);
        SessionTree.SetAge(restored, Now.AddDays(-45));
        var beside = _tree.AddBesideAgent("/work/app", "b1", "restored", Now.AddDays(-3));
        SessionTree.SetAge(beside, Now.AddDays(-50));
        var nested = Directory.GetFiles(Path.Combine(ClaudeLayout.SessionFolderOf(restored), "subagents"), "*.jsonl").Single();
        SessionTree.SetAge(nested, Now.AddDays(-60));
        var fresh = _tree.AddSession("/work/app", "fresh", Now.AddDays(-1));
        _tree.AddSession("/work/app", "old", Now.AddDays(-40));
        var before = _tree.Files();

        var (code, json, _) = Cleanup("--dry-run");

        Assert.Equal(0, code);
        Assert.Equal("old", (string)json!["items"]!.AsArray().Single()!["name"]!);
        var client = json["claudeCodeSweep"]!;
        Assert.Equal("modification time", (string)client["ages"]!);
        Assert.Equal(Now.AddDays(-30), DateTimeOffset.Parse((string)client["cutoff"]!, System.Globalization.CultureInfo.InvariantCulture));
        var wouldDelete = client["wouldDelete"]!.AsArray();
        Assert.Equal([beside, restored], wouldDelete.Select(w => (string)w!["path"]!));
        Assert.All(wouldDelete, w => Assert.Equal("restored", (string)w!["session"]!));
        Assert.Equal(before, _tree.Files());

        var human = _tree.Run(_clock, "cleanup", "--dry-run", "--config-dir", _tree.ConfigDir);
        Assert.Contains("Claude Code's own sweep ages transcripts by modification time", human.Stdout, StringComparison.Ordinal);
        Assert.Contains(restored + " (session restored, modified " + Now.AddDays(-45).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), human.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(fresh, human.Stdout, StringComparison.Ordinal);

        // --days changes Custodian's cut-off, not the client's: it still sweeps by cleanupPeriodDays.
        var (_, withDays, _) = Cleanup("--dry-run", "--days", "100");
        Assert.Empty(withDays!["items"]!.AsArray());
        Assert.Equal(2, withDays["claudeCodeSweep"]!["wouldDelete"]!.AsArray().Count);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-33")]
    public void When_the_period_is_unknown_nothing_is_forecast_for_Claude_Codes_sweep()
    {
        var restored = _tree.AddSession("/work/app", "restored", Now.AddDays(-3));
        SessionTree.SetAge(restored, Now.AddDays(-45));
        _tree.Write("settings.json", "{\"cleanupPeriodDays\": 0}");

        var (code, json, _) = Cleanup("--dry-run", "--days", "30");

        Assert.Equal(0, code);
        Assert.Null(json!["claudeCodeSweep"]);
    }

    [Fact]
    [Trait("spec", "LOC-7")]
    public void The_trash_is_emptied_seven_days_later_and_no_trash_deletes_outright()
    {
        _tree.AddSession("/work/app", "old", Now.AddDays(-40));
        Assert.Equal(1, (int)Cleanup().Json!["deleted"]!["sessions"]!);
        Assert.NotEmpty(_tree.Files("trash"));

        _clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(0, (int)Cleanup().Json!["trashEmptied"]!);
        Assert.NotEmpty(_tree.Files("trash"));

        _clock.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(1, (int)Cleanup().Json!["trashEmptied"]!);
        Assert.Empty(_tree.Files("trash"));

        _tree.AddSession("/work/app", "older", _clock.GetUtcNow().AddDays(-50));
        var (_, json, _) = Cleanup("--no-trash");
        Assert.Equal(1, (int)json!["deleted"]!["sessions"]!);
        Assert.False((bool)json["trash"]!);
        Assert.Empty(_tree.Files());
    }

    [Fact]
    [Trait("spec", "LOC-4")]
    public void Symbolic_links_out_of_the_config_dir_are_never_followed()
    {
        var outside = Path.Combine(_tree.Root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "dir"));
        File.WriteAllText(Path.Combine(outside, "victim.jsonl"), """{"type":"user","timestamp":"2020-01-01T00:00:00Z"}""" + "\n");
        File.WriteAllText(Path.Combine(outside, "dir", "precious.txt"), "keep me");
        File.WriteAllText(Path.Combine(outside, "todo.json"), "[]");
        foreach (var f in Directory.EnumerateFileSystemEntries(outside, "*", SearchOption.AllDirectories)) SessionTree.SetAge(f, Now.AddDays(-400));

        Directory.CreateSymbolicLink(Path.Combine(_tree.ConfigDir, "projects", "-evil"), outside);
        Directory.CreateDirectory(Path.Combine(_tree.ConfigDir, "projects", "-work"));
        File.CreateSymbolicLink(Path.Combine(_tree.ConfigDir, "projects", "-work", "linked.jsonl"), Path.Combine(outside, "victim.jsonl"));
        Directory.CreateDirectory(Path.Combine(_tree.ConfigDir, "todos"));
        File.CreateSymbolicLink(Path.Combine(_tree.ConfigDir, "todos", "x-agent-x.json"), Path.Combine(outside, "todo.json"));
        Directory.CreateSymbolicLink(Path.Combine(_tree.ConfigDir, "paste-cache"), Path.Combine(outside, "dir"));
        _tree.AddSession("/work", "real", Now.AddDays(-40));

        var (code, json, _) = Cleanup();

        Assert.Equal(0, code);
        Assert.Equal(1, (int)json!["deleted"]!["sessions"]!);
        Assert.True((int)json["skippedSymlinks"]! >= 4);
        Assert.True(File.Exists(Path.Combine(outside, "victim.jsonl")));
        Assert.True(File.Exists(Path.Combine(outside, "dir", "precious.txt")));
        Assert.True(File.Exists(Path.Combine(outside, "todo.json")));
        Assert.NotNull(new FileInfo(Path.Combine(_tree.ConfigDir, "projects", "-work", "linked.jsonl")).LinkTarget);
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "LOC-3")]
    public void Invalid_settings_pause_the_sweep_and_say_why()
    {
        _tree.AddSession("/work/app", "old", Now.AddDays(-40));
        var settings = _tree.Write("settings.json", "{ \"cleanupPeriodDays\": 0 }");
        var before = _tree.Files();

        var (code, json, stderr) = Cleanup();

        Assert.Equal(1, code);
        Assert.Equal("paused", (string)json!["result"]!);
        Assert.Equal("settings-invalid", (string)json["pauseReason"]!);
        Assert.Null(json["periodDays"]);
        Assert.Contains($"{settings}:1: cleanupPeriodDays: must be at least 1", stderr, StringComparison.Ordinal);
        Assert.Contains("cleanup paused", stderr, StringComparison.Ordinal);
        Assert.Equal(before, _tree.Files());
    }

    [Fact]
    [Trait("spec", "LOC-6")]
    public void A_managed_period_pins_the_sweep_even_over_broken_user_settings_and_days()
    {
        _tree.AddSession("/work/app", "s20", Now.AddDays(-20));
        _tree.AddSession("/work/app", "s5", Now.AddDays(-5));
        _tree.Write("settings.json", "{ not json");
        File.WriteAllText(Path.Combine(_tree.Root, "managed", "managed-settings.json"), "{ \"cleanupPeriodDays\": 14 }");

        var refused = Cleanup("--days", "3");
        Assert.Equal(2, refused.Code);
        Assert.Contains("pinned to 14 by managed settings", refused.Stderr, StringComparison.Ordinal);

        var (code, json, _) = Cleanup();
        Assert.Equal(0, code);
        Assert.Equal(14, (int)json!["periodDays"]!);
        Assert.Equal("s20", (string)json["items"]!.AsArray().Single()!["name"]!);
    }

    [Theory]
    [InlineData("2147483648", 2147483648L)]
    [InlineData("1e12", 1_000_000_000_000L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("1e400", long.MaxValue)]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-30")]
    public void A_period_beyond_the_calendar_runs_the_sweep_and_keeps_every_session(string days, long period)
    {
        _tree.AddSession("/work/app", "ancient", new DateTimeOffset(1971, 1, 1, 0, 0, 0, TimeSpan.Zero), subagents: 1, perSessionFiles: true);
        _tree.AddSession("/work/app", "recent", Now.AddDays(-1));
        SessionTree.SetAge(_tree.Write("tool-results/t1.txt", "x"), new DateTimeOffset(1971, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _tree.Write("settings.json", $"{{ \"cleanupPeriodDays\": {days} }}");
        var before = _tree.Files();

        var (code, json, stderr) = Cleanup();

        Assert.Equal((0, string.Empty), (code, stderr));
        Assert.Equal("ran", (string)json!["result"]!);
        Assert.Equal(period, (long)json["periodDays"]!);
        Assert.Equal(DateTimeOffset.MinValue, DateTimeOffset.Parse((string)json["cutoff"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, (int)json["deleted"]!["sessions"]!);
        Assert.Equal(0, (int)json["deleted"]!["files"]!);
        Assert.Equal(2, (int)json["retained"]!);
        Assert.Equal(before, _tree.Files());
    }

    [Fact]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "CUS-30")]
    public void Days_beyond_int32_is_accepted_and_deletes_nothing()
    {
        _tree.AddSession("/work/app", "old", Now.AddDays(-4000));
        var (code, json, _) = Cleanup("--days", "2147483648");
        Assert.Equal(0, code);
        Assert.Equal(2147483648L, (long)json!["periodDays"]!);
        Assert.Equal(0, (int)json["deleted"]!["sessions"]!);
    }

    [Fact]
    [Trait("spec", "CUS-30")]
    [Trait("spec", "LOC-3")]
    public void The_cutoff_is_exact_up_to_the_first_instant_of_the_calendar_and_clamps_beyond_it()
    {
        Assert.Equal(Now.AddDays(-30), RetentionSweep.CutoffFor(Now, 30));
        var reachable = (Now.UtcDateTime - DateTime.MinValue).Ticks / TimeSpan.TicksPerDay;
        var last = RetentionSweep.CutoffFor(Now, reachable);
        Assert.Equal(Now.UtcDateTime.Ticks - reachable * TimeSpan.TicksPerDay, last.UtcTicks);
        Assert.True(last > DateTimeOffset.MinValue);
        Assert.True(last.UtcTicks < TimeSpan.TicksPerDay);
        foreach (var days in new[] { reachable + 1, int.MaxValue, 2147483648L, long.MaxValue })
        {
            Assert.Equal(DateTimeOffset.MinValue, RetentionSweep.CutoffFor(Now, days));
        }

        // A clock in another offset gives the same instant.
        Assert.Equal(Now.AddDays(-7), RetentionSweep.CutoffFor(Now.ToOffset(TimeSpan.FromHours(-8)), 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetentionSweep.CutoffFor(Now, 0));
    }

    [Fact]
    [Trait("spec", "LOC-3")]
    public void Days_overrides_the_period_and_must_be_at_least_one()
    {
        _tree.AddSession("/work/app", "s20", Now.AddDays(-20));
        Assert.Equal(2, Cleanup("--days", "0").Code);
        Assert.Equal(0, (int)Cleanup("--dry-run").Json!["deleted"]!["sessions"]!);
        Assert.Equal(1, (int)Cleanup("--dry-run", "--days", "7").Json!["deleted"]!["sessions"]!);
    }

    [Fact]
    [Trait("spec", "LOC-2")]
    public void A_file_that_cannot_be_moved_is_reported_and_its_session_stays_whole()
    {
        var stuck = _tree.AddSession("/work/app", "stuck", Now.AddDays(-40), subagents: 1);
        _tree.AddSession("/work/app", "free", Now.AddDays(-40));
        var folder = ClaudeLayout.SessionFolderOf(stuck);
        using var immutable = ReadOnly.Make(folder);

        var (code, json, stderr) = Cleanup();

        Assert.Equal(1, code);
        Assert.Equal(1, (int)json!["errors"]!);
        Assert.Equal(1, (int)json["deleted"]!["sessions"]!);
        Assert.Contains("stuck", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(stuck));
        Assert.True(File.Exists(Path.Combine(folder, "subagents", "agent-a0.jsonl")));
        Assert.False(File.Exists(Path.Combine(_tree.Layout.ProjectDirFor("/work/app"), "free.jsonl")));
    }

    [Fact]
    public void A_second_sweep_waits_its_turn_instead_of_double_deleting()
    {
        _tree.AddSession("/work/app", "old", Now.AddDays(-40));
        using (SweepLock.TryAcquire(_tree.Layout))
        {
            var (code, _, stderr) = Cleanup();
            Assert.Equal(1, code);
            Assert.Contains("another sweep or delete is running", stderr, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(_tree.Layout.ProjectDirFor("/work/app"), "old.jsonl")));
        }

        Assert.Equal(1, (int)Cleanup().Json!["deleted"]!["sessions"]!);
    }

    /// <summary>Transcripts already moved into an uncommitted trash entry: the sweep is under way.</summary>
    private static int MovedSoFar(string trashDir)
    {
        if (!Directory.Exists(trashDir)) return 0;
        foreach (var partial in Directory.GetDirectories(trashDir, "*.partial"))
        {
            var moved = Path.Combine(partial, "files", "projects", "-work-app");
            try
            {
                if (Directory.Exists(moved)) return Directory.GetFiles(moved, "*.jsonl").Length;
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        return 0;
    }

    [Fact]
    public async Task Two_sweeps_started_together_never_double_delete_or_crash()
    {
        const int count = 400;
        var old = DateTimeOffset.UtcNow.AddDays(-100);
        for (var i = 0; i < count; i++) _tree.AddSession("/work/app", $"c{i:D3}", old, subagents: 1);

        var dll = typeof(Custodian.Cli.CustodianCli).Assembly.Location;
        Process Start()
        {
            var start = new ProcessStartInfo("dotnet", ["exec", dll, "cleanup", "--json", "--days", "30", "--config-dir", _tree.ConfigDir])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = Path.Combine(_tree.Root, "managed");
            return Process.Start(start)!;
        }

        using var first = Start();
        using var second = Start();
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync(), Process: p)).ToList();
        var deleted = 0;
        foreach (var (stdout, stderr, process) in outputs)
        {
            await process.WaitForExitAsync();
            var err = await stderr;
            Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
            if (process.ExitCode == 0) deleted += (int)JsonNode.Parse(await stdout)!["deleted"]!["sessions"]!;
            else Assert.Contains("another sweep or delete is running", err, StringComparison.Ordinal);
        }

        Assert.Equal(count, deleted);
        var files = _tree.Files();
        Assert.DoesNotContain(files, f => f.StartsWith("projects/", StringComparison.Ordinal));
        Assert.Equal(count * 2, files.Count(f => f.StartsWith("trash/", StringComparison.Ordinal) && !f.EndsWith("manifest.json", StringComparison.Ordinal)));
    }

    [Fact]
    [Trait("spec", "LOC-7")]
    public void An_interrupted_removal_is_finished_by_the_next_command_never_left_half()
    {
        var transcript = _tree.AddSession("/work/app", "half", Now.AddDays(-40), subagents: 1, perSessionFiles: true);
        var folder = ClaudeLayout.SessionFolderOf(transcript);
        var trash = new SessionTrash(_tree.Layout, _clock);
        var paths = new List<string> { transcript, folder };
        paths.AddRange(_tree.Layout.PerSessionFiles("half"));

        // What a process killed after moving only the transcript leaves behind: a journal and one moved path.
        var partial = Path.Combine(_tree.Layout.TrashDir, "20261123T120000Z-half.partial");
        Directory.CreateDirectory(Path.Combine(partial, "files", "projects", "-work-app"));
        var items = new JsonArray();
        foreach (var p in paths)
        {
            var rel = Path.GetRelativePath(_tree.ConfigDir, p);
            items.Add(new JsonObject { ["from"] = rel, ["to"] = "files/" + rel });
        }

        var unit = new JsonObject { ["kind"] = "session", ["name"] = "half", ["items"] = items };
        File.WriteAllText(Path.Combine(partial, "manifest.json"), new JsonObject
        {
            ["version"] = 1, ["mode"] = "trash", ["trashedAt"] = Now.ToString("O"), ["units"] = new JsonArray(unit),
        }.ToJsonString());
        File.Move(transcript, Path.Combine(partial, "files", "projects", "-work-app", "half.jsonl"));

        var (code, stdout, _) = _tree.Run(_clock, "trash", "list", "--json", "--config-dir", _tree.ConfigDir);

        Assert.Equal(0, code);
        Assert.Equal("half", (string)JsonNode.Parse(stdout)!.AsArray().Single()!["name"]!);
        Assert.DoesNotContain(_tree.Files(), f => !f.StartsWith("trash/", StringComparison.Ordinal) && f.Contains("half", StringComparison.Ordinal));
        Assert.Null(trash.Restore("half"));
        Assert.True(File.Exists(transcript));
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    [Trait("spec", "LOC-7")]
    [Trait("spec", "LOC-2")]
    public void A_sweep_killed_with_sigkill_leaves_every_session_whole_or_in_the_trash()
    {
        const int count = 3000;
        AddOldSessions(count);
        var trashDir = _tree.Layout.TrashDir;
        KillSweepWhen(() => MovedSoFar(trashDir) >= 50);

        var files = RecoveredFiles();
        var inPlace = 0;
        var trashed = 0;
        for (var i = 0; i < count; i++)
        {
            var expected = SessionFiles(i);
            var here = expected.Count(files.Contains);
            var there = expected.Count(e => files.Any(f => f.StartsWith("trash/", StringComparison.Ordinal) && f.EndsWith("/files/" + e, StringComparison.Ordinal)));
            Assert.True((here == expected.Count && there == 0) || (here == 0 && there == expected.Count), $"s{i:D4}: {here} in place, {there} in the trash");
            if (here > 0) inPlace++;
            else trashed++;
        }

        Assert.True(trashed >= 50 && inPlace > 0, $"killed mid-way: {trashed} trashed, {inPlace} in place");
        Assert.DoesNotContain(Directory.GetDirectories(trashDir), d => d.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("spec", "LOC-7")]
    [Trait("spec", "LOC-2")]
    public void A_no_trash_sweep_killed_with_sigkill_leaves_every_session_whole_or_gone_for_good()
    {
        const int count = 5000;
        AddOldSessions(count);
        var trashDir = _tree.Layout.TrashDir;

        // Killed once the first batch has committed and is being deleted in the background while the next moves.
        KillSweepWhen(() => Directory.Exists(trashDir) && Directory.GetDirectories(trashDir, ".deleting-*").Length > 0, "--no-trash");

        var files = RecoveredFiles();
        var inPlace = 0;
        for (var i = 0; i < count; i++)
        {
            var expected = SessionFiles(i);
            var here = expected.Count(files.Contains);
            Assert.True(here == expected.Count || here == 0, $"s{i:D4}: {here} of {expected.Count} files left");
            if (here > 0) inPlace++;
        }

        // Nothing of a deletion survives in the trash: the recovery finished every committed or journalled one.
        Assert.Empty(_tree.Files("trash"));
        Assert.True(inPlace < count, "killed before anything was deleted");
    }

    /// <summary>Sessions s0000… last active 100 days ago, each with a subagent; every third with per-session files.</summary>
    private void AddOldSessions(int count)
    {
        var old = DateTimeOffset.UtcNow.AddDays(-100);
        for (var i = 0; i < count; i++)
        {
            _tree.AddSession("/work/app", $"s{i:D4}", old, subagents: 1, perSessionFiles: i % 3 == 0);
        }
    }

    /// <summary>The files of session <c>s{i:D4}</c> as <see cref="AddOldSessions"/> wrote them.</summary>
    private static List<string> SessionFiles(int i)
    {
        var id = $"s{i:D4}";
        var files = new List<string> { $"projects/-work-app/{id}.jsonl", $"projects/-work-app/{id}/subagents/agent-a0.jsonl" };
        if (i % 3 == 0) files.AddRange([$"file-history/{id}/abc@v1", $"todos/{id}-agent-{id}.json", $"debug/{id}.txt"]);
        return files;
    }

    /// <summary>Runs <c>custodian cleanup</c> as a real process and kills it (SIGKILL) as soon as <paramref name="ready"/>.</summary>
    private void KillSweepWhen(Func<bool> ready, params string[] extra)
    {
        var dll = typeof(Custodian.Cli.CustodianCli).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", ["exec", dll, "cleanup", "--days", "30", .. extra, "--config-dir", _tree.ConfigDir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = Path.Combine(_tree.Root, "managed");
        using var process = Process.Start(start)!;
        var watch = Stopwatch.StartNew();
        while (!process.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (ready()) break;
            Thread.Sleep(2);
        }

        Assert.False(process.HasExited, "the sweep finished before it could be killed; the test needs a bigger tree");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>The files after a later command (<c>trash list</c>) has recovered any interrupted journal.</summary>
    private SortedSet<string> RecoveredFiles()
    {
        var (code, _, _) = _tree.Run(null, "trash", "list", "--config-dir", _tree.ConfigDir);
        Assert.Equal(0, code);
        return _tree.Files();
    }

    [Fact]
    [Trait("spec", "LOC-7")]
    public void A_no_trash_sweep_of_several_batches_in_the_same_second_deletes_them_all()
    {
        // Three journals of up to 2,000 units get the same time stamp; the first is still being deleted in the
        // background when the next is named.
        for (var i = 0; i < 4500; i++)
        {
            _tree.Write($"tool-results/r{i:D4}.txt", "x");
            SessionTree.SetAge(Path.Combine(_tree.ConfigDir, $"tool-results/r{i:D4}.txt"), Now.AddDays(-60));
        }

        _tree.AddSession("/work/app", "old", Now.AddDays(-40), subagents: 2);
        var (code, json, stderr) = Cleanup("--no-trash");

        Assert.True(code == 0, stderr);
        Assert.Equal(4500, (int)json!["deleted"]!["files"]!);
        Assert.Equal(1, (int)json["deleted"]!["sessions"]!);
        Assert.Equal(0, (int)json["errors"]!);
        Assert.Empty(_tree.Files("tool-results"));
        Assert.Empty(_tree.Files("projects"));
        Assert.Empty(Directory.GetFileSystemEntries(_tree.Layout.TrashDir));
    }

    [Fact]
    [Trait("spec", "LOC-4")]
    public void Deleting_a_staged_tree_removes_links_themselves_never_what_they_point_to()
    {
        var staged = Path.Combine(_tree.Root, "staged");
        var outside = Path.Combine(_tree.Root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "deep"));
        File.WriteAllText(Path.Combine(outside, "deep", "keep.txt"), "keep");
        for (var d = 0; d < 30; d++)
        {
            var dir = Path.Combine(staged, $"d{d}", "sub", "subsub");
            Directory.CreateDirectory(dir);
            for (var f = 0; f < 20; f++) File.WriteAllText(Path.Combine(dir, $"f{f}.txt"), "x");
        }

        Directory.CreateSymbolicLink(Path.Combine(staged, "d0", "to-dir"), outside);
        File.CreateSymbolicLink(Path.Combine(staged, "d1", "sub", "to-file"), Path.Combine(outside, "deep", "keep.txt"));

        Assert.True(Internal.TreeDeleter.TryDelete(staged));

        Assert.False(Directory.Exists(staged));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "deep", "keep.txt")));
    }

    [Fact]
    public void Deleting_a_tree_with_an_undeletable_part_deletes_the_rest_and_says_so()
    {
        var staged = Path.Combine(_tree.Root, "staged");
        for (var d = 0; d < 5; d++)
        {
            Directory.CreateDirectory(Path.Combine(staged, $"d{d}"));
            File.WriteAllText(Path.Combine(staged, $"d{d}", "f.txt"), "x");
        }

        bool deleted;
        using (ReadOnly.Make(Path.Combine(staged, "d3", "f.txt")))
        {
            deleted = Internal.TreeDeleter.TryDelete(staged);
            Assert.True(File.Exists(Path.Combine(staged, "d3", "f.txt")));
        }

        Assert.False(deleted);
        Assert.Equal(["d3"], Directory.GetDirectories(staged).Select(Path.GetFileName));
        Assert.True(Internal.TreeDeleter.TryDelete(staged));
        Assert.False(Directory.Exists(staged));
    }
}

/// <summary>Makes a path unmovable even for root (chattr +i), or read-only by mode where chattr is unavailable.</summary>
internal sealed class ReadOnly : IDisposable
{
    private readonly string _path;
    private readonly bool _chattr;

    private ReadOnly(string path, bool chattr)
    {
        _path = path;
        _chattr = chattr;
    }

    public static ReadOnly Make(string path)
    {
        if (Run("chattr", "+i", path)) return new ReadOnly(path, true);
        var parent = Path.GetDirectoryName(path)!;
        File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return new ReadOnly(parent, false);
    }

    public void Dispose()
    {
        if (_chattr) Run("chattr", "-i", _path);
        else File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static bool Run(string file, params string[] args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
