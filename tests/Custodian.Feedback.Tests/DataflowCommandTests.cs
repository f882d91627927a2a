using System.Text.Json;
using System.Xml.Linq;
using Custodian.Cli;

namespace Custodian.Feedback.Tests;

/// <summary><c>custodian dataflow</c> run in-process, in a throwaway home (FLW-4; INTERFACES.md exit codes).</summary>
public sealed class DataflowCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "custodian-dataflow-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public DataflowCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "home", ".claude"));
        Directory.CreateDirectory(Path.Combine(_root, "managed"));
        Directory.CreateDirectory(Path.Combine(_root, "project"));
        _environment["HOME"] = Path.Combine(_root, "home");
        _environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = Path.Combine(_root, "managed");
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, content);
        return path;
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var host = new CliHost(stdout, stderr, new StringReader(string.Empty), _environment, Path.Combine(_root, "home"), Path.Combine(_root, "project"));
        var code = CustodianCli.RunAsync(args, host).GetAwaiter().GetResult();
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Mermaid_is_the_default_and_shows_a_context_files_switches()
    {
        var context = Write("ctx.json", """{"env":{"DO_NOT_TRACK":"1"}}""");

        var (code, stdout, stderr) = Run("dataflow", "--context", context);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains("flowchart LR", stdout, StringComparison.Ordinal);
        Assert.Contains("metrics (off: DO_NOT_TRACK=1)", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [InlineData("mermaid", "flowchart LR")]
    [InlineData("dot", "digraph custodian_dataflow {")]
    [InlineData("svg", "<svg ")]
    [InlineData("json", "\"format\": \"custodian-dataflow/1\"")]
    public void Every_format_is_drawn_for_the_same_context(string format, string marker)
    {
        var context = Write("ctx.json", """{"env":{"CLAUDE_CODE_USE_VERTEX":"1"}}""");

        var (code, stdout, _) = Run("dataflow", "--context", context, "--format", format);

        Assert.Equal(0, code);
        Assert.Contains(marker, stdout, StringComparison.Ordinal);
        Assert.Contains("vertex", stdout, StringComparison.Ordinal);
        Assert.Contains("CLAUDE_CODE_USE_VERTEX=1", stdout, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Without_a_context_file_it_decides_for_the_machine_like_custodian_policy()
    {
        _environment["DISABLE_ERROR_REPORTING"] = "1";
        File.WriteAllText(Path.Combine(_root, "home", ".claude", "settings.json"), """{"skipWebFetchPreflight": true}""");

        var (code, stdout, _) = Run("dataflow", "--format", "json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var edges = json.RootElement.GetProperty("edges").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!);
        Assert.Equal("DISABLE_ERROR_REPORTING=1", edges["error-reports"].GetProperty("switch").GetString());
        Assert.Equal("skipWebFetchPreflight=true", edges["webfetch-preflight"].GetProperty("switch").GetString());
        Assert.True(edges["metrics"].GetProperty("enabled").GetBoolean());
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Json_flag_without_a_format_prints_the_json_diagram()
    {
        var (code, stdout, _) = Run("dataflow", "--context", Write("ctx.json", "{}"), "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("custodian-dataflow/1", json.RootElement.GetProperty("format").GetString());
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Output_writes_the_file_atomically_and_prints_nothing()
    {
        var target = Path.Combine(_root, "out", "flows.svg");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, "old");

        var (code, stdout, _) = Run("dataflow", "--context", Write("ctx.json", "{}"), "--format", "svg", "--output", target);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("svg", XDocument.Load(target).Root!.Name.LocalName);
        Assert.Equal(["flows.svg"], Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [InlineData("--format", "png")]
    [InlineData("--format", "")]
    [InlineData("--output", "no/such/dir/flows.svg")]
    public void Bad_usage_exits_2_with_one_line(string flag, string value)
    {
        var (code, stdout, stderr) = Run("dataflow", "--context", Write("ctx.json", "{}"), flag, value);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("custodian: " + flag + ":", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Json_flag_with_another_format_is_a_usage_error()
    {
        var (code, _, stderr) = Run("dataflow", "--context", Write("ctx.json", "{}"), "--json", "--format", "svg");

        Assert.Equal(2, code);
        Assert.Contains("--json conflicts with --format svg", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [InlineData("""{"colour":"blue"}""", "colour")]
    [InlineData("""{"gateway":"yes"}""", "gateway")]
    [InlineData("""{"plan":"pro","org":{"zeroDataRetention":true}}""", "zeroDataRetention")]
    [InlineData("not json", "ctx.json")]
    public void A_bad_context_exits_2_naming_the_key_like_custodian_policy(string content, string named)
    {
        var context = Write("ctx.json", content);

        var dataflow = Run("dataflow", "--context", context);
        var policy = Run("policy", "--context", context);

        Assert.Equal(2, dataflow.Code);
        Assert.Contains(named, dataflow.Stderr, StringComparison.Ordinal);
        Assert.Equal(policy.Code, dataflow.Code);
        Assert.Equal(policy.Stderr, dataflow.Stderr);
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void A_missing_context_file_exits_2()
    {
        var (code, _, stderr) = Run("dataflow", "--context", Path.Combine(_root, "nope.json"));

        Assert.Equal(2, code);
        Assert.Contains("nope.json", stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
