using System.Text.Json;

namespace Custodian.Sessions.Tests;

/// <summary>
/// The shared corpora beside the checkout (<c>shared/corpus/&lt;name&gt;</c>, found by walking up from the test
/// binaries), and the real Claude Code transcripts of <c>shared/corpus/real-claude-code</c> laid out in a config dir
/// the way its <c>SOURCES.md</c> says Claude Code wrote them. The corpus is only ever read; copies are laid out.
/// Also compiled into the Feedback tests, so both lay the corpus out the same way.
/// </summary>
public static class RealCorpus
{
    /// <summary>The folders of <c>real-claude-code</c> that hold transcripts.</summary>
    public static readonly IReadOnlyList<string> TranscriptSources =
        ["marot+spotter", "d-kimuson+claude-code-viewer", "DRMacIver+claude-reliability", "daaain+claude-code-log"];

    /// <summary><c>shared/corpus/real-claude-code</c>.</summary>
    public static string Dir { get; } = Find("real-claude-code");

    /// <summary>Where a corpus file went.</summary>
    /// <param name="Source">The corpus file.</param>
    /// <param name="Destination">Its copy under the config dir.</param>
    /// <param name="SessionId">The <c>sessionId</c> inside it.</param>
    /// <param name="Kind">What it is: a session transcript, a 2.0 agent file beside one, or a 2.1 subagent transcript.</param>
    public sealed record Placed(string Source, string Destination, string SessionId, TranscriptKind Kind);

    /// <summary>The three kinds of transcript file Claude Code has written (LOC-1, LOC-10).</summary>
    public enum TranscriptKind
    {
        /// <summary><c>projects/&lt;p&gt;/&lt;session-id&gt;.jsonl</c>.</summary>
        Session,
        /// <summary><c>projects/&lt;p&gt;/agent-&lt;id&gt;.jsonl</c> (2.0).</summary>
        BesideAgent,
        /// <summary><c>projects/&lt;p&gt;/&lt;session-id&gt;/subagents/agent-&lt;id&gt;.jsonl</c> (2.1).</summary>
        Subagent,
    }

    /// <summary>Finds <c>shared/corpus/<paramref name="name"/></c> above the test binaries.</summary>
    public static string Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpus", name);
            if (Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException($"shared/corpus/{name} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// Copies every transcript of the corpus under <paramref name="configDir"/><c>/projects/</c>: a session transcript to
    /// the project folder of its first main-chain <c>cwd</c>, named by its <c>sessionId</c>; a 2.1 subagent transcript to
    /// <c>&lt;session-id&gt;/subagents/</c> of its session's project folder; a 2.0 <c>agent-*.jsonl</c> beside its
    /// session's transcript. A subagent transcript whose session is not in the corpus goes where its own <c>cwd</c>
    /// says. Each copy's modification time is the newest timestamp inside it, as Claude Code's appends leave it.
    /// </summary>
    public static List<Placed> LayOut(string configDir)
    {
        var files = new List<(string Path, FileFacts Facts, TranscriptKind Kind)>();
        foreach (var source in TranscriptSources)
        {
            foreach (var path in Directory.EnumerateFiles(Path.Combine(Dir, source), "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(path);
                var kind = Path.GetFileName(Path.GetDirectoryName(path)) == "subagents" ? TranscriptKind.Subagent
                    : name.StartsWith("agent-", StringComparison.Ordinal) ? TranscriptKind.BesideAgent
                    : TranscriptKind.Session;
                files.Add((path, Read(path), kind));
            }
        }

        var projectOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, facts, kind) in files)
        {
            if (kind == TranscriptKind.Session) projectOf.Add(facts.SessionId, ClaudeLayout.EncodeProjectName(facts.MainCwd!));
        }

        var placed = new List<Placed>();
        var projects = Path.Combine(configDir, "projects");
        foreach (var (path, facts, kind) in files)
        {
            var project = projectOf.TryGetValue(facts.SessionId, out var p) ? p : ClaudeLayout.EncodeProjectName(facts.AnyCwd!);
            var destination = kind switch
            {
                TranscriptKind.Session => Path.Combine(projects, project, facts.SessionId + ".jsonl"),
                TranscriptKind.BesideAgent => Path.Combine(projects, project, Path.GetFileName(path)),
                _ => Path.Combine(projects, project, facts.SessionId, "subagents", Path.GetFileName(path)),
            };
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);

            // Written afresh rather than copied: the corpus files are read-only, the copies must not be.
            File.WriteAllBytes(destination, File.ReadAllBytes(path));
            File.SetLastWriteTimeUtc(destination, facts.Newest.UtcDateTime);
            placed.Add(new Placed(path, destination, facts.SessionId, kind));
        }

        return placed;
    }

    private sealed record FileFacts(string SessionId, string? MainCwd, string? AnyCwd, DateTimeOffset Newest);

    private static FileFacts Read(string path)
    {
        string? sessionId = null, mainCwd = null, anyCwd = null;
        DateTimeOffset? newest = null;
        foreach (var line in File.ReadLines(path))
        {
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(line);
                root = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            if (root.ValueKind != JsonValueKind.Object) continue;
            if (sessionId is null && root.TryGetProperty("sessionId", out var id) && id.ValueKind == JsonValueKind.String) sessionId = id.GetString();
            if (root.TryGetProperty("cwd", out var cwd) && cwd.ValueKind == JsonValueKind.String)
            {
                anyCwd ??= cwd.GetString();
                var sidechain = root.TryGetProperty("isSidechain", out var side) && side.ValueKind == JsonValueKind.True;
                if (!sidechain) mainCwd ??= cwd.GetString();
            }

            if (root.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.String && ts.TryGetDateTimeOffset(out var t)
                && (newest is null || t > newest))
            {
                newest = t;
            }
        }

        return new FileFacts(
            sessionId ?? throw new InvalidDataException(path + " has no sessionId"), mainCwd, anyCwd,
            newest ?? throw new InvalidDataException(path + " has no timestamp"));
    }
}
