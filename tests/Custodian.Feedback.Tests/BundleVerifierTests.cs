using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Custodian.Feedback.Bundles;

namespace Custodian.Feedback.Tests;

/// <summary><c>BundleVerifier</c> and <c>custodian bundle verify</c>: any changed, added or missing file is named.</summary>
public sealed class BundleVerifierTests : IDisposable
{
    private readonly BundleTree _tree = new();
    private readonly string _bundle;
    private readonly List<BundleTree.Entry> _entries;

    public BundleVerifierTests()
    {
        _tree.AddSession("representative_messages", "representative_messages.jsonl", TimeSpan.FromHours(1), subagents: 2, log: true);
        using var pending = new BundleBuilder().WithLayout(_tree.Layout).WithSession("representative_messages").WithTimeProvider(_tree.Time)
            .BuildAsync().GetAwaiter().GetResult();
        _bundle = pending.Commit();
        _entries = BundleTree.ReadArchive(_bundle);
    }

    public void Dispose() => _tree.Dispose();

    private string Forge(IEnumerable<(string Name, byte[] Data)> entries)
    {
        var path = Path.Combine(_tree.Root, "forged-" + Guid.NewGuid().ToString("N")[..8] + ".tar.gz");
        BundleTree.WriteArchive(path, entries);
        return path;
    }

    private IEnumerable<(string Name, byte[] Data)> Original => _entries.Select(e => (e.Name, e.Data));

    [Fact]
    [Trait("spec", "FBK-4")]
    public void A_bundle_as_written_is_intact()
    {
        var result = BundleVerifier.Verify(_bundle);

        Assert.True(result.Intact, string.Join("; ", result.Problems));
        Assert.Equal(_entries.Count, result.Entries);
        Assert.Equal(4, result.Manifest!.Files.Count); // transcript, two subagents, log

        // Rewriting the same entries with another tar writer changes no content: still intact.
        Assert.True(BundleVerifier.Verify(Forge(Original)).Intact);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void A_changed_byte_is_named()
    {
        var forged = Forge(Original.Select(e => e.Name == "subagents/representative_messages/agent-a1b1.jsonl" ? (e.Name, Flip(e.Data, 10)) : e));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Changed, problem.Kind);
        Assert.Equal("subagents/representative_messages/agent-a1b1.jsonl", problem.Path);
        Assert.Contains("SHA-256", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void A_changed_size_is_named()
    {
        var forged = Forge(Original.Select(e => e.Name == "logs/representative_messages.log" ? (e.Name, e.Data[..^1]) : e));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Changed, problem.Kind);
        Assert.Equal("logs/representative_messages.log", problem.Path);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void An_added_file_is_named()
    {
        var forged = Forge(Original.Append(("transcripts/smuggled.jsonl", "{\"type\":\"user\"}\n"u8.ToArray())));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Added, problem.Kind);
        Assert.Equal("transcripts/smuggled.jsonl", problem.Path);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void A_removed_file_is_named()
    {
        var forged = Forge(Original.Where(e => e.Name != "transcripts/representative_messages.jsonl"));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Missing, problem.Kind);
        Assert.Equal("transcripts/representative_messages.jsonl", problem.Path);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void A_manifest_that_is_not_first_is_named()
    {
        var forged = Forge(Original.Skip(1).Append(Original.First()));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.ManifestNotFirst, problem.Kind);
        Assert.Contains("entry 5", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void A_duplicate_entry_is_named()
    {
        var forged = Forge(Original.Append(Original.Last()));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Duplicate, problem.Kind);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void Data_hidden_after_the_end_of_the_archive_is_named()
    {
        var tar = BundleTree.Decompressed(_bundle);
        var extra = BundleTree.Decompressed(Forge([("hidden.txt", "after the end"u8.ToArray())]));
        var forged = Path.Combine(_tree.Root, "appended.tar.gz");
        using (var gzip = new GZipStream(File.Create(forged), CompressionLevel.Fastest))
        {
            gzip.Write(tar);
            gzip.Write(extra);
        }

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Added, problem.Kind);
        Assert.Contains("after the end", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"formatVersion\": 1}")]
    [InlineData("{\"formatVersion\": 2, \"kind\": \"feedback\"}")]
    public void A_bad_manifest_is_named(string manifest)
    {
        var forged = Forge(Original.Skip(1).Prepend(("manifest.json", Encoding.UTF8.GetBytes(manifest))));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.BadManifest, problem.Kind);
        Assert.StartsWith("manifest.json: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_manifest_is_named_and_every_file_is_unlisted()
    {
        var result = BundleVerifier.Verify(Forge(Original.Skip(1)));

        Assert.Equal(BundleProblemKind.BadManifest, result.Problems[0].Kind);
        Assert.Equal(4, result.Problems.Count(p => p.Kind == BundleProblemKind.Added));
    }

    [Fact]
    public void A_manifest_that_lies_about_a_hash_is_caught()
    {
        var manifest = JsonNode.Parse(_entries[0].Data)!;
        manifest["files"]![0]!["sha256"] = new string('0', 64);
        var forged = Forge(Original.Skip(1).Prepend(("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()))));

        var problem = Assert.Single(BundleVerifier.Verify(forged).Problems);

        Assert.Equal(BundleProblemKind.Changed, problem.Kind);
        Assert.Equal("transcripts/representative_messages.jsonl", problem.Path);
    }

    [Fact]
    public void Not_a_gzip_and_a_truncated_gzip_are_not_bundles()
    {
        var text = Path.Combine(_tree.Root, "notes.txt");
        File.WriteAllText(text, "just some notes");
        var truncated = Path.Combine(_tree.Root, "truncated.tar.gz");
        var bytes = File.ReadAllBytes(_bundle);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var corrupt = Path.Combine(_tree.Root, "corrupt.tar.gz");
        File.WriteAllBytes(corrupt, Flip(bytes, bytes.Length / 2));

        Assert.Equal(BundleProblemKind.NotABundle, Assert.Single(BundleVerifier.Verify(text).Problems).Kind);
        Assert.Contains(BundleVerifier.Verify(truncated).Problems, p => p.Kind == BundleProblemKind.NotABundle);
        Assert.False(BundleVerifier.Verify(corrupt).Intact);
    }

    [Fact]
    [Trait("spec", "FBK-4")]
    public void Cli_verify_exits_0_for_an_intact_bundle_and_1_naming_each_problem()
    {
        var intact = _tree.Run("bundle", "verify", _bundle);
        Assert.True(intact.ExitCode == 0, intact.ToString());
        Assert.Contains("intact", intact.Stdout, StringComparison.Ordinal);

        var forged = Forge(Original
            .Where(e => e.Name != "logs/representative_messages.log")
            .Select(e => e.Name == "transcripts/representative_messages.jsonl" ? (e.Name, Flip(e.Data, 0)) : e)
            .Append(("extra.txt", "x"u8.ToArray())));
        var tampered = _tree.Run("bundle", "verify", forged);
        Assert.True(tampered.ExitCode == 1, tampered.ToString());
        Assert.Contains("changed: transcripts/representative_messages.jsonl", tampered.Stdout, StringComparison.Ordinal);
        Assert.Contains("missing: logs/representative_messages.log", tampered.Stdout, StringComparison.Ordinal);
        Assert.Contains("added: extra.txt", tampered.Stdout, StringComparison.Ordinal);

        var json = _tree.Run("bundle", "verify", forged, "--json");
        Assert.Equal(1, json.ExitCode);
        var doc = JsonNode.Parse(json.Stdout)!;
        Assert.False((bool)doc["intact"]!);
        Assert.Equal(["changed", "missing", "added"], doc["problems"]!.AsArray().Select(p => (string)p!["kind"]!));
    }

    [Fact]
    public void Cli_verify_exits_2_for_a_missing_or_unreadable_file()
    {
        var missing = _tree.Run("bundle", "verify", Path.Combine(_tree.Root, "nope.tar.gz"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file", missing.Stderr, StringComparison.Ordinal);

        var directory = _tree.Run("bundle", "verify", _tree.Root);
        Assert.Equal(2, directory.ExitCode);

        var unreadable = Path.Combine(_tree.Root, "locked.tar.gz");
        File.Copy(_bundle, unreadable);
        File.SetUnixFileMode(unreadable, UnixFileMode.None);
        if (Environment.UserName != "root")
        {
            Assert.Equal(2, _tree.Run("bundle", "verify", unreadable).ExitCode);
        }
    }

    private static byte[] Flip(byte[] data, int index)
    {
        var copy = (byte[])data.Clone();
        copy[index] ^= 0x20;
        return copy;
    }
}
