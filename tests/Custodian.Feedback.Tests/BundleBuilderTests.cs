using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Feedback.Bundles;
using Custodian.Redaction;

namespace Custodian.Feedback.Tests;

/// <summary>Bundles built from the shared corpus with planted secrets: redacted, hashed, scoped, atomic.</summary>
public sealed class BundleBuilderTests : IDisposable
{
    private readonly BundleTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private BundleBuilder Builder(string session, BundleScope scope = BundleScope.Session) =>
        new BundleBuilder()
            .WithLayout(_tree.Layout)
            .WithSession(session)
            .WithScope(scope)
            .WithTimeProvider(_tree.Time)
            .WithClientVersion("9.9.9-test");

    private async Task<string> BuildAndCommitAsync(BundleBuilder builder)
    {
        await using var pending = await builder.BuildAsync();
        return pending.Commit();
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    [Trait("spec", "SHR-3")]
    [Trait("spec", "RED-1")]
    public async Task No_planted_secret_is_anywhere_in_the_archive_and_every_transcript_line_is_still_json()
    {
        _tree.AddSession("representative_messages", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 2, log: true);
        _tree.AddSession("edge_cases", "edge_cases.jsonl", TimeSpan.FromHours(3), subagents: 1, log: true);
        _tree.AddSession("todowrite_examples", "todowrite_examples.jsonl", TimeSpan.FromDays(2));

        var path = await BuildAndCommitAsync(Builder("representative_messages", BundleScope.Last24Hours));

        var bytes = BundleTree.Decompressed(path);
        foreach (var secret in BundleTree.Secrets)
        {
            Assert.True(BundleTree.IndexOf(bytes, secret) < 0, $"'{secret[..12]}…' is in the archive");
        }

        var entries = BundleTree.ReadArchive(path);
        Assert.Equal(
            [
                "manifest.json",
                "transcripts/representative_messages.jsonl", "transcripts/edge_cases.jsonl",
                "subagents/representative_messages/agent-a0b0.jsonl", "subagents/representative_messages/agent-a1b1.jsonl",
                "subagents/edge_cases/agent-a0b0.jsonl",
                "logs/representative_messages.log", "logs/edge_cases.log",
            ],
            entries.Select(e => e.Name));
        foreach (var entry in entries.Where(e => e.Name.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            var lines = Encoding.UTF8.GetString(entry.Data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                // Throws if redaction broke the JSON; the corpus's own odd lines ("massive error", 42, [1]) stay valid too.
                using var doc = JsonDocument.Parse(line);
            }
        }

        // Redaction leaves the rest alone: the markers are there, and the conversation around them too.
        var transcript = Encoding.UTF8.GetString(entries.Single(e => e.Name == "transcripts/representative_messages.jsonl").Data);
        Assert.Contains("[REDACTED:anthropic-api-key]", transcript, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:pem-private-key]", transcript, StringComparison.Ordinal);
        Assert.Contains("$ cat ~/.ssh/id_rsa", transcript, StringComparison.Ordinal);
        var log = Encoding.UTF8.GetString(entries.Single(e => e.Name == "logs/edge_cases.log").Data);
        Assert.Contains("[REDACTED:aws-access-key-id]", log, StringComparison.Ordinal);
        Assert.Contains("[DEBUG] done", log, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SHR-3")]
    public async Task Source_code_and_file_contents_go_as_they_are()
    {
        var transcript = _tree.AddSession("representative_messages", "representative_messages.jsonl", TimeSpan.FromHours(1));
        var original = File.ReadAllText(transcript);

        var path = await BuildAndCommitAsync(Builder("representative_messages"));

        var stored = Encoding.UTF8.GetString(BundleTree.ReadArchive(path).Single(e => e.Name.StartsWith("transcripts/", StringComparison.Ordinal)).Data);
        var expected = Redactor.Default.Redact(original);
        Assert.Equal(expected, stored);
        var corpusLines = File.ReadAllLines(Path.Combine(BundleTree.CorpusDir, "representative_messages.jsonl")).Length;
        Assert.Equal(original.Split('\n')[..corpusLines], stored.Split('\n')[..corpusLines]); // untouched: no secret there
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    [Trait("spec", "RED-5")]
    public async Task The_manifest_comes_first_with_the_right_hashes_sizes_and_redaction_counts()
    {
        _tree.AddSession("representative_messages", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 2, log: true);

        await using var pending = await Builder("representative_messages").WithKind(BundleKind.TranscriptShare).BuildAsync();
        var path = pending.Commit();

        var entries = BundleTree.ReadArchive(path);
        Assert.Equal("manifest.json", entries[0].Name);
        var manifest = BundleManifest.Parse(entries[0].Data);
        Assert.Equal(pending.Manifest, manifest with { Files = pending.Manifest.Files, SessionIds = pending.Manifest.SessionIds });
        Assert.Equal(BundleManifest.CurrentFormatVersion, manifest.FormatVersion);
        Assert.Equal(BundleKind.TranscriptShare, manifest.Kind);
        Assert.Equal(["representative_messages"], manifest.SessionIds);
        Assert.Equal(BundleTree.Now, manifest.CreatedAt);
        Assert.Equal("9.9.9-test", manifest.ClientVersion);
        Assert.Equal(entries.Skip(1).Select(e => e.Name), manifest.Files.Select(f => f.Path));
        foreach (var (file, entry) in manifest.Files.Zip(entries.Skip(1)))
        {
            Assert.Equal(entry.Data.LongLength, file.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(entry.Data)), file.Sha256);
        }

        Assert.Equal(BundleTree.Planted(sessions: 1, subagents: 2, logs: 1), manifest.Redactions.Counts.ToDictionary(StringComparer.Ordinal));
        Assert.Equal(6 + 4, manifest.Redactions.Total);
        Assert.Equal(4, manifest.Files.Single(f => f.Path.StartsWith("transcripts/", StringComparison.Ordinal)).Redactions.Total);
        Assert.All(manifest.Files.Where(f => f.Path.StartsWith("subagents/", StringComparison.Ordinal)),
            f => Assert.Equal(new Dictionary<string, long> { [BundleTree.GitHubRule] = 1, [BundleTree.PemRule] = 1 }, f.Redactions.Counts));
        Assert.Equal(2, manifest.Files.Single(f => f.Path.StartsWith("logs/", StringComparison.Ordinal)).Redactions.Total);

        // The manifest holds counts and hashes only: no secret, no local path.
        var manifestText = Encoding.UTF8.GetString(entries[0].Data);
        Assert.DoesNotContain(_tree.Root, manifestText, StringComparison.Ordinal);
        foreach (var secret in BundleTree.Secrets) Assert.DoesNotContain(secret, manifestText, StringComparison.Ordinal);

        Assert.Equal(new FileInfo(path).Length, pending.Size);
        Assert.True(BundleVerifier.Verify(path).Intact);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public async Task Standard_tar_reads_the_bundle_manifest_first()
    {
        _tree.AddSession("session_b", "session_b.jsonl", TimeSpan.FromHours(1), subagents: 1, log: true);
        var path = await BuildAndCommitAsync(Builder("session_b"));

        using var tar = Process.Start(new ProcessStartInfo("tar", ["-tzf", path]) { RedirectStandardOutput = true })!;
        var listing = (await tar.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await tar.WaitForExitAsync();

        Assert.Equal(0, tar.ExitCode);
        Assert.Equal(["manifest.json", "transcripts/session_b.jsonl", "subagents/session_b/agent-a0b0.jsonl", "logs/session_b.log"], listing);
    }

    [Theory]
    [Trait("spec", "FBK-1")]
    [Trait("spec", "LOC-5")]
    [InlineData(BundleScope.Session, new[] { "current" })]
    [InlineData(BundleScope.Last24Hours, new[] { "current", "h1", "h23" })]
    [InlineData(BundleScope.Last7Days, new[] { "current", "h1", "h23", "h25", "d6" })]
    public async Task The_scope_picks_exactly_the_same_projects_sessions_active_in_the_window(BundleScope scope, string[] expected)
    {
        _tree.AddSession("current", "representative_messages.jsonl", TimeSpan.FromDays(9)); // the current session always goes
        _tree.AddSession("h1", "session_b.jsonl", TimeSpan.FromHours(1));
        _tree.AddSession("h23", "edge_cases.jsonl", TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1));
        _tree.AddSession("h25", "todowrite_examples.jsonl", TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        _tree.AddSession("d6", "session_b.jsonl", TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        _tree.AddSession("d8", "edge_cases.jsonl", TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1)); // written just now: mtime must not count
        _tree.AddSession("other-project", "session_b.jsonl", TimeSpan.FromMinutes(5), workingDirectory: Path.Combine(_tree.Root, "work", "other"));

        await using var pending = await Builder("current", scope).BuildAsync();

        Assert.Equal(expected, pending.Manifest.SessionIds);
        Assert.Equal(expected.Select(id => $"transcripts/{id}.jsonl"), pending.Manifest.Files.Select(f => f.Path));
        Assert.Equal(scope, pending.Manifest.Scope);
    }

    [Fact]
    [Trait("spec", "RED-4")]
    public async Task Redaction_that_cannot_finish_leaves_no_bundle_and_no_temporary_file()
    {
        _tree.AddSession("representative_messages", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 2, log: true);
        var failing = Builder("representative_messages").WithSourceOpener(path =>
            path.Contains("agent-a1b1", StringComparison.Ordinal) ? new FailingStream(File.ReadAllBytes(path), failAfter: 100) : File.OpenRead(path));

        await Assert.ThrowsAsync<RedactionException>(() => failing.BuildAsync());

        Assert.Empty(_tree.ArchiveFiles());
    }

    [Fact]
    [Trait("spec", "RED-4")]
    public async Task A_cancelled_build_leaves_nothing()
    {
        _tree.AddSession("representative_messages", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 1, log: true);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Builder("representative_messages").BuildAsync(cancelled.Token));

        Assert.Empty(_tree.ArchiveFiles());
    }

    [Fact]
    [Trait("spec", "FBK-3")]
    public async Task Until_committed_a_bundle_has_only_a_temporary_name_and_disposing_removes_it()
    {
        _tree.AddSession("session_b", "session_b.jsonl", TimeSpan.FromHours(1));

        string temporary;
        await using (var pending = await Builder("session_b").BuildAsync())
        {
            temporary = pending.Path;
            Assert.StartsWith(BundleFiles.TemporaryPrefix, Path.GetFileName(temporary), StringComparison.Ordinal);
            Assert.Equal([Path.GetFileName(temporary)], _tree.ArchiveFiles());
            Assert.Empty(_tree.FinalBundles());
        }

        Assert.Empty(_tree.ArchiveFiles());

        await using var committed = await Builder("session_b").BuildAsync();
        var final = committed.Commit();
        Assert.Matches(@"^feedback-20260301T120000Z-session_b-[0-9a-f]{8}\.tar\.gz$", Path.GetFileName(final));
        Assert.Equal([final], _tree.FinalBundles());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(final));
    }

    [Fact]
    public async Task Leftovers_of_dead_runs_are_cleaned_and_those_of_live_runs_kept()
    {
        _tree.AddSession("session_b", "session_b.jsonl", TimeSpan.FromHours(1));
        Directory.CreateDirectory(_tree.ArchiveDir);
        using var live = Process.Start(new ProcessStartInfo("sleep", ["30"]))!;
        var dead = Path.Combine(_tree.ArchiveDir, $"{BundleFiles.TemporaryPrefix}{int.MaxValue - 7}-0123.tar.gz.partial");
        var liveFile = Path.Combine(_tree.ArchiveDir, $"{BundleFiles.TemporaryPrefix}{live.Id}-4567.stage");
        File.WriteAllText(dead, "partial");
        File.WriteAllText(liveFile, "in progress");
        try
        {
            await BuildAndCommitAsync(Builder("session_b"));

            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(liveFile));
            Assert.Single(_tree.FinalBundles());
        }
        finally
        {
            live.Kill();
        }
    }

    [Fact]
    public async Task An_unknown_session_is_a_bundle_exception()
    {
        var e = await Assert.ThrowsAsync<BundleException>(() => Builder("no-such-session").BuildAsync());
        Assert.Contains("no-such-session", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Yields some bytes, then fails as a disk or network read would.</summary>
    private sealed class FailingStream(byte[] data, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException("simulated read failure");
            var n = Math.Min(count, failAfter - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= failAfter) throw new IOException("simulated read failure");
            var n = Math.Min(buffer.Length, failAfter - _position);
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return ValueTask.FromResult(n);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
