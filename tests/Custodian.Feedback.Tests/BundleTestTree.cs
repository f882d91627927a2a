using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Custodian.Cli;
using Custodian.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Feedback.Tests;

/// <summary>
/// A throwaway home whose Claude config dir holds sessions made from the shared corpus
/// (<c>../shared/corpus/claude-code-log</c>), with secrets planted in transcripts, subagent transcripts and session
/// logs; timestamps are shifted so each session's last activity (LOC-5) is exactly where a test wants it.
/// </summary>
public sealed partial class BundleTree : IDisposable
{
    /// <summary>The test's "now".</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public const string AnthropicKey =
        "sk-ant-api03-PlAnTeD9xK2mQ7vR4tY8wB3nC6hJ1sF5dG0aZ_uE-iO7pL2kM9qW4eR6tY1uI3oP5aS8dF0gH2jK4lZ6xC8vBnMqAA";
    public const string GitHubToken = "ghp_Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gFeDcBa";
    public const string AwsKeyId = "AKIAPLANTEDQ7WJ2MZRX";

    public static readonly string[] PemLines =
    [
        "MIIEowIBAAKCAQEAzPlAnTeDkEyMaTeRiAl0a1b2c3d4e5f6g7h8i9j0k1l2m3n4",
        "o5p6q7r8s9t0PLANTEDu1v2w3x4y5z6A7B8C9D0E1F2G3H4I5J6K7L8M9N0O1P2Q",
        "R3S4T5U6V7W8X9Y0Z+/plantedKeyTailQwErTyUiOpAsDfGhJkLzXcVbNm12345=",
    ];

    /// <summary>A PEM private key; planted inside JSON strings, so its line breaks are <c>\n</c> escapes.</summary>
    public static readonly string PemBlock = "-----BEGIN RSA PRIVATE KEY-----\n" + string.Join("\n", PemLines) + "\n-----END RSA PRIVATE KEY-----\n";

    /// <summary>Every planted secret, and every distinctive piece of one, that must appear nowhere in a bundle.</summary>
    public static readonly string[] Secrets =
    [
        AnthropicKey, AnthropicKey[..30], AnthropicKey[^30..], GitHubToken, GitHubToken[4..], AwsKeyId, .. PemLines,
        "PlAnTeD9xK2m", "BEGIN RSA PRIVATE KEY",
    ];

    public const string AnthropicRule = "anthropic-api-key";
    public const string GitHubRule = "github-pat-classic";
    public const string AwsRule = "aws-access-key-id";
    public const string PemRule = "pem-private-key";

    /// <summary>The corpus: found by walking up from the test binaries to <c>shared/corpus/claude-code-log</c>.</summary>
    public static readonly string CorpusDir = Custodian.Sessions.Tests.RealCorpus.Find("claude-code-log");

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public BundleTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "custodian-bundles-" + Guid.NewGuid().ToString("N"));
        Home = Path.Combine(Root, "home");
        ConfigDir = Path.Combine(Home, ".claude");
        ProjectDir = Path.Combine(Root, "work", "project");
        ManagedDir = Path.Combine(Root, "managed");
        Directory.CreateDirectory(Path.Combine(ConfigDir, "projects"));
        Directory.CreateDirectory(ProjectDir);
        Directory.CreateDirectory(ManagedDir);
        Layout = new ClaudeLayout(ConfigDir);
    }

    public string Root { get; }
    public string Home { get; }
    public string ConfigDir { get; }
    public string ProjectDir { get; }
    public string ManagedDir { get; }
    public ClaudeLayout Layout { get; }
    public FakeTimeProvider Time { get; } = new(Now);

    /// <summary>Extra environment for in-process runs (HOME and the managed-settings dir are always set).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string ArchiveDir => Path.Combine(ConfigDir, "feedback-bundles");

    /// <summary>
    /// Adds session <paramref name="id"/>: a corpus transcript whose newest timestamp is <see cref="Now"/> minus
    /// <paramref name="age"/>, with three planted lines (Anthropic key and GitHub token in a prompt, AWS key id in an
    /// answer, a PEM private key in a tool result); <paramref name="subagents"/> subagent transcripts (GitHub token and
    /// PEM key each); and, with <paramref name="log"/>, a debug log (Anthropic key and AWS key id).
    /// </summary>
    public string AddSession(string id, string corpusFile, TimeSpan age, string? workingDirectory = null, int subagents = 0, bool log = false)
    {
        var last = Now - age;
        var project = Layout.ProjectDirFor(workingDirectory ?? ProjectDir);
        Directory.CreateDirectory(project);
        var transcript = Path.Combine(project, id + ".jsonl");
        var lines = Shifted(corpusFile, last).ToList();
        lines.Add(Line("user", last, id, $"Please use {AnthropicKey} for the API, and my token {GitHubToken} to push."));
        lines.Add(Line("assistant", last, id, new JsonArray(new JsonObject { ["type"] = "text", ["text"] = $"The deploy role uses the key id {AwsKeyId}; I will not print it again." })));
        lines.Add(Line("user", last, id, new JsonArray(new JsonObject
        {
            ["type"] = "tool_result",
            ["tool_use_id"] = "toolu_planted",
            ["content"] = "$ cat ~/.ssh/id_rsa\n" + PemBlock,
        })));
        File.WriteAllText(transcript, string.Join('\n', lines) + "\n");

        for (var i = 0; i < subagents; i++)
        {
            var sub = Path.Combine(project, id, "subagents", $"agent-a{i}b{i}.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(sub)!);
            var subLines = Shifted("session_b.jsonl", last - TimeSpan.FromMinutes(5)).ToList();
            subLines.Add(Line("user", last, id, $"subagent found the token {GitHubToken} in .env"));
            subLines.Add(Line("user", last, id, new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_sub", ["content"] = PemBlock })));
            File.WriteAllText(sub, string.Join('\n', subLines) + "\n");
        }

        if (log)
        {
            WriteConfigFile($"debug/{id}.txt",
                $"2026-03-01T11:00:00.000Z [DEBUG] starting session {id}\n" +
                $"2026-03-01T11:00:01.000Z [DEBUG] env ANTHROPIC_API_KEY={AnthropicKey}\n" +
                $"2026-03-01T11:00:02.000Z [DEBUG] aws profile deploy: {AwsKeyId}\n" +
                "2026-03-01T11:00:03.000Z [DEBUG] done\n");
        }

        return transcript;
    }

    /// <summary>The rule counts that <see cref="AddSession"/> plants, for sessions, subagent transcripts and logs.</summary>
    public static Dictionary<string, long> Planted(int sessions, int subagents, int logs) => new(StringComparer.Ordinal)
    {
        [AnthropicRule] = sessions + logs,
        [GitHubRule] = sessions + subagents,
        [AwsRule] = sessions + logs,
        [PemRule] = sessions + subagents,
    };

    public string WriteConfigFile(string relative, string content)
    {
        var path = Path.Combine(ConfigDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Runs <c>custodian</c> in-process in <see cref="ProjectDir"/>, on the fake clock, without a terminal.</summary>
    public Result Run(params string[] args) => RunAsync(args).GetAwaiter().GetResult();

    public async Task<Result> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string>(Environment, StringComparer.Ordinal)
        {
            ["HOME"] = Home,
            ["CUSTODIAN_MANAGED_SETTINGS_DIR"] = ManagedDir,
        };
        var host = new CliHost(stdout, stderr, new StringReader(string.Empty), env, Home, ProjectDir, Time);
        var code = await CustodianCli.RunAsync(args, host);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Finished bundles in the local archive.</summary>
    public string[] FinalBundles() =>
        Directory.Exists(ArchiveDir) ? [.. Directory.GetFiles(ArchiveDir).Where(f => f.EndsWith(".tar.gz", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith('.'))] : [];

    /// <summary>Every file in the local archive, by name.</summary>
    public string[] ArchiveFiles() => Directory.Exists(ArchiveDir) ? [.. Directory.GetFiles(ArchiveDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];

    // ---- archives ------------------------------------------------------------------------------------------------

    public sealed record Entry(string Name, TarEntryType Type, byte[] Data);

    /// <summary>Every entry of a .tar.gz, in order.</summary>
    public static List<Entry> ReadArchive(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var entries = new List<Entry>();
        while (tar.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries.Add(new Entry(entry.Name, entry.EntryType, data.ToArray()));
        }

        return entries;
    }

    /// <summary>Every byte of the archive after decompression: headers, manifest and files.</summary>
    public static byte[] Decompressed(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var all = new MemoryStream();
        gzip.CopyTo(all);
        return all.ToArray();
    }

    /// <summary>Writes entries as a .tar.gz (to forge tampered bundles).</summary>
    public static void WriteArchive(string path, IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, data) in entries)
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static string Line(string role, DateTimeOffset at, string sessionId, JsonNode content) =>
        new JsonObject
        {
            ["type"] = role,
            ["timestamp"] = Stamp(at),
            ["sessionId"] = sessionId,
            ["cwd"] = "/work/project",
            ["message"] = new JsonObject { ["role"] = role, ["content"] = content },
        }.ToJsonString(Relaxed);

    private static string Line(string role, DateTimeOffset at, string sessionId, string text) => Line(role, at, sessionId, JsonValue.Create(text));

    /// <summary>A corpus file's lines with every timestamp moved so the newest is <paramref name="newest"/>.</summary>
    private static IEnumerable<string> Shifted(string corpusFile, DateTimeOffset newest)
    {
        var lines = File.ReadAllLines(Path.Combine(CorpusDir, corpusFile)).Where(l => l.Length > 0).ToList();
        var stamps = lines.SelectMany(l => TimestampRegex().Matches(l)).Select(m => DateTimeOffset.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
        var delta = newest - stamps.Max();
        return lines.Select(l => TimestampRegex().Replace(l, m =>
            m.Groups[1].Value + Stamp(DateTimeOffset.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + delta) + "\""));
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("(\"timestamp\":\\s*\")([^\"]+)\"")]
    private static partial Regex TimestampRegex();

    /// <summary>The index of <paramref name="needle"/> in <paramref name="haystack"/>, or -1.</summary>
    public static int IndexOf(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle));
}
