using System.Globalization;
using Custodian.Cli;

namespace Custodian.Sessions.Tests;

/// <summary>A config dir on disk with sessions laid out the way Claude Code writes them.</summary>
public sealed class SessionTree : IDisposable
{
    /// <summary>The shared corpus: <c>../shared/corpus/claude-code-log</c> beside the checkout, found by walking up.</summary>
    public static readonly string CorpusDir = RealCorpus.Find("claude-code-log");

    public SessionTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "custodian-sessions-" + Guid.NewGuid().ToString("N"));
        ConfigDir = Path.Combine(Root, "home", ".claude");
        Directory.CreateDirectory(Path.Combine(ConfigDir, "projects"));
        Directory.CreateDirectory(Path.Combine(Root, "managed"));
        Layout = new ClaudeLayout(ConfigDir);
    }

    public string Root { get; }
    public string ConfigDir { get; }
    public ClaudeLayout Layout { get; }
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes a session whose newest timestamp is <paramref name="lastActivity"/>.</summary>
    public string AddSession(
        string workingDirectory, string id, DateTimeOffset lastActivity, int subagents = 0, bool perSessionFiles = false, string prompt = "hello")
    {
        var project = Layout.ProjectDirFor(workingDirectory);
        Directory.CreateDirectory(project);
        var first = lastActivity.AddMinutes(-10).ToString("O", CultureInfo.InvariantCulture);
        var last = lastActivity.ToString("O", CultureInfo.InvariantCulture);
        var transcript = Path.Combine(project, id + ".jsonl");
        File.WriteAllLines(transcript,
        [
            $$$"""{"type":"user","timestamp":"{{{first}}}","cwd":"{{{workingDirectory}}}","sessionId":"{{{id}}}","message":{"role":"user","content":"{{{prompt}}}"}}""",
            $$$"""{"type":"assistant","timestamp":"{{{last}}}","cwd":"{{{workingDirectory}}}","sessionId":"{{{id}}}","message":{"role":"assistant","content":[{"type":"text","text":"hi"}]}}""",
        ]);
        for (var i = 0; i < subagents; i++)
        {
            var sub = Path.Combine(project, id, "subagents", $"agent-a{i}.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(sub)!);
            File.WriteAllText(sub, $$$"""{"type":"user","timestamp":"{{{first}}}","message":{"role":"user","content":"sub"}}""" + "\n");
        }

        if (perSessionFiles)
        {
            Write($"file-history/{id}/abc@v1", "old contents");
            Write($"todos/{id}-agent-{id}.json", "[]");
            Write($"debug/{id}.txt", "debug log");
        }

        // The files are "touched" now: age must come from the timestamps inside, not from this (LOC-5).
        return transcript;
    }

    /// <summary>
    /// Writes a Claude Code 2.0 subagent transcript beside the transcripts, <c>&lt;project&gt;/agent-&lt;agentId&gt;.jsonl</c>,
    /// whose sidechain lines carry <paramref name="sessionId"/> and whose newest timestamp is <paramref name="lastActivity"/>.
    /// </summary>
    public string AddBesideAgent(string workingDirectory, string agentId, string sessionId, DateTimeOffset lastActivity)
    {
        var project = Layout.ProjectDirFor(workingDirectory);
        Directory.CreateDirectory(project);
        var first = lastActivity.AddMinutes(-3).ToString("O", CultureInfo.InvariantCulture);
        var last = lastActivity.ToString("O", CultureInfo.InvariantCulture);
        var path = Path.Combine(project, $"agent-{agentId}.jsonl");
        File.WriteAllLines(path,
        [
            $$$"""{"parentUuid":null,"isSidechain":true,"cwd":"{{{workingDirectory}}}","sessionId":"{{{sessionId}}}","type":"user","message":{"role":"user","content":"Run the test suite"},"timestamp":"{{{first}}}"}""",
            $$$"""{"isSidechain":true,"cwd":"{{{workingDirectory}}}","sessionId":"{{{sessionId}}}","type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"ok"}]},"timestamp":"{{{last}}}"}""",
        ]);
        return path;
    }

    /// <summary>Writes a 2.1 subagent transcript <c>&lt;project&gt;/&lt;sessionId&gt;/subagents/agent-&lt;agentId&gt;.jsonl</c>.</summary>
    public string AddFolderAgent(string workingDirectory, string agentId, string sessionId, DateTimeOffset lastActivity)
    {
        var path = Path.Combine(Layout.ProjectDirFor(workingDirectory), sessionId, "subagents", $"agent-{agentId}.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var last = lastActivity.ToString("O", CultureInfo.InvariantCulture);
        File.WriteAllText(path,
            $$$"""{"isSidechain":true,"cwd":"{{{workingDirectory}}}","sessionId":"{{{sessionId}}}","agentId":"{{{agentId}}}","type":"user","message":{"role":"user","content":"Explore"},"timestamp":"{{{last}}}"}""" + "\n");
        return path;
    }

    public string Write(string relative, string content)
    {
        var path = Path.Combine(ConfigDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public static void SetAge(string path, DateTimeOffset time)
    {
        if (Directory.Exists(path))
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories))
            {
                File.SetLastWriteTimeUtc(entry, time.UtcDateTime);
            }

            Directory.SetLastWriteTimeUtc(path, time.UtcDateTime);
        }
        else
        {
            File.SetLastWriteTimeUtc(path, time.UtcDateTime);
        }
    }

    public (int Code, string Stdout, string Stderr) Run(TimeProvider? time, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string>(Environment, StringComparer.Ordinal)
        {
            ["HOME"] = Path.Combine(Root, "home"),
            ["CUSTODIAN_MANAGED_SETTINGS_DIR"] = Path.Combine(Root, "managed"),
        };
        var host = new CliHost(stdout, stderr, new StringReader(string.Empty), env, Path.Combine(Root, "home"), Root, time);
        var code = CustodianCli.RunAsync(args, host).GetAwaiter().GetResult();
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Every file under the config dir, relative, excluding Custodian's own state.</summary>
    public SortedSet<string> Files(string under = "")
    {
        var root = Path.Combine(ConfigDir, under);
        var set = new SortedSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return set;
        foreach (var f in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var rel = Path.GetRelativePath(ConfigDir, f);
            if (!rel.StartsWith("custodian/", StringComparison.Ordinal)) set.Add(rel);
        }

        return set;
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
    }
}
