using System.Text;
using System.Text.Json;
using Custodian.Cli;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary><c>custodian redact</c> and <c>custodian scrub</c>, run in-process through the CLI host.</summary>
public sealed class CliCommandTests : IDisposable
{
    private static readonly string Token = "ghp_llAj7n4JuXFZo2qh20xlReGsaL1dvnyzv0Zz";
    private static readonly string Line = JsonLine("deploy with " + Token + " now");
    private readonly string root = Directory.CreateTempSubdirectory("custodian-redact-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    [Trait("spec", "RED-1")]
    [Trait("spec", "RED-5")]
    public async Task Redact_copies_a_file_to_stdout_redacted_and_reports_counts_on_stderr()
    {
        string file = Path.Combine(root, "t.jsonl");
        await File.WriteAllTextAsync(file, Line + "\n" + Line + "\n");
        var (code, stdout, stderr) = await Run("", "redact", file, "--report");
        Assert.Equal(0, code);
        string expected = Subject.Redact(Line);
        Assert.Equal(expected + "\n" + expected + "\n", stdout);
        using var report = JsonDocument.Parse(stderr);
        Assert.Equal(2, report.RootElement.GetProperty("rules").GetProperty("github-pat-classic").GetInt32());
        Assert.DoesNotContain(Token, stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "RED-1")]
    public async Task Redact_reads_stdin_when_given_a_dash_or_nothing()
    {
        foreach (string[] args in new[] { new[] { "redact", "-" }, new[] { "redact" } })
        {
            var (code, stdout, stderr) = await Run("a " + Token + "\n", args);
            Assert.Equal(0, code);
            Assert.Equal("a [REDACTED:github-pat-classic]\n", stdout);
            Assert.Equal("", stderr);
        }
    }

    [Fact]
    [Trait("spec", "CUS-57")]
    public async Task Redact_copies_bytes_that_are_not_utf8_unchanged_from_a_file_or_stdin_to_a_byte_stdout()
    {
        byte[] head = [0xEF, 0xBB, 0xBF, 0xFF, 0xFE, (byte)' '];
        byte[] tail = [(byte)' ', 0xC3, 0x28, 0xED, 0xA0, 0x80, (byte)'\n'];
        byte[] input = [.. head, .. Encoding.ASCII.GetBytes(Token), .. tail];
        string file = Path.Combine(root, "latin.jsonl");
        await File.WriteAllBytesAsync(file, input);
        foreach (string[] args in new[] { new[] { "redact", file }, new[] { "redact" } })
        {
            using var stdout = new MemoryStream();
            using var stderr = new StringWriter();
            var host = new CliHost(new StringWriter(), stderr, new StringReader(""), new Dictionary<string, string>(), root, root,
                stdoutBytes: stdout, stdinBytes: new MemoryStream(input));
            Assert.Equal(0, await CustodianCli.RunAsync(args, host));
            Assert.Equal([.. head, .. Encoding.ASCII.GetBytes(Marker("github-pat-classic")), .. tail], stdout.ToArray());
            Assert.Equal("", stderr.ToString());
        }
    }

    [Fact]
    public async Task Redact_of_a_missing_file_is_a_one_line_usage_error_naming_it()
    {
        var (code, stdout, stderr) = await Run("", "redact", "no-such.jsonl");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("custodian: no-such.jsonl: no such file\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    [Trait("spec", "RED-1")]
    public async Task Scrub_dry_run_counts_and_changes_nothing()
    {
        string session = Transcript("p", "s1.jsonl", Line);
        var (code, stdout, _) = await Run("", "scrub", "--dry-run", "--config-dir", root);
        Assert.Equal(0, code);
        Assert.Contains("Would replace 1 secret(s) in 1 of 1 transcript(s).", stdout, StringComparison.Ordinal);
        Assert.Equal(Line, await File.ReadAllTextAsync(session));
    }

    [Fact]
    [Trait("spec", "RED-1")]
    [Trait("spec", "RED-3")]
    public async Task Scrub_rewrites_every_transcript_atomically_keeping_mode_and_leaving_no_temp_files()
    {
        string main = Transcript("-home-u-app", "abc.jsonl", Line + "\n" + JsonLine("clean") + "\n");
        string agent = Transcript("-home-u-app/abc/subagents", "agent-1.jsonl", Line + "\n");
        string clean = Transcript("-home-u-app", "clean.jsonl", JsonLine("nothing here") + "\n");
        string other = Transcript("-home-u-app", "notes.txt", Token);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(main, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        DateTime cleanWritten = File.GetLastWriteTimeUtc(clean);
        var (code, stdout, _) = await Run("", "scrub", "--json", "--config-dir", root);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(3, json.RootElement.GetProperty("scanned").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("changed").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("total").GetProperty("total").GetInt32());

        string redacted = Subject.Redact(Line);
        Assert.Equal(redacted + "\n" + JsonLine("clean") + "\n", await File.ReadAllTextAsync(main));
        Assert.Equal(redacted + "\n", await File.ReadAllTextAsync(agent));
        Assert.Equal(Token, await File.ReadAllTextAsync(other)); // only *.jsonl transcripts are touched
        Assert.Equal(cleanWritten, File.GetLastWriteTimeUtc(clean)); // nothing to replace: not rewritten
        Assert.Empty(Directory.GetFiles(root, "*.scrub-tmp", SearchOption.AllDirectories));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(main));
        }

        var (again, secondOut, _) = await Run("", "scrub", "--config-dir", root);
        Assert.Equal(0, again);
        Assert.Contains("Replaced 0 secret(s) in 0 of 3 transcript(s).", secondOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrub_never_follows_a_symbolic_link_out_of_the_config_dir()
    {
        string outside = Directory.CreateTempSubdirectory("custodian-outside-").FullName;
        try
        {
            string target = Path.Combine(outside, "victim.jsonl");
            await File.WriteAllTextAsync(target, Line);
            Directory.CreateDirectory(Path.Combine(root, "projects", "p"));
            File.CreateSymbolicLink(Path.Combine(root, "projects", "p", "link.jsonl"), target);
            Directory.CreateSymbolicLink(Path.Combine(root, "projects", "linked-dir"), outside);
            var (code, stdout, _) = await Run("", "scrub", "--config-dir", root);
            Assert.Equal(0, code);
            Assert.Contains("Skipped 2 symbolic link(s).", stdout, StringComparison.Ordinal);
            Assert.Equal(Line, await File.ReadAllTextAsync(target));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Scrub_without_a_projects_directory_reports_nothing_to_do()
    {
        var (code, stdout, _) = await Run("", "scrub", "--config-dir", root);
        Assert.Equal(0, code);
        Assert.Contains("Replaced 0 secret(s) in 0 of 0 transcript(s).", stdout, StringComparison.Ordinal);
    }

    private string Transcript(string project, string name, string content)
    {
        string directory = Path.Combine(root, "projects", project);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    private async Task<(int Code, string Stdout, string Stderr)> Run(string stdin, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var host = new CliHost(stdout, stderr, new StringReader(stdin), new Dictionary<string, string>(), root, root);
        int code = await CustodianCli.RunAsync(args, host);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
