using System.Diagnostics;
using System.Text;
using Custodian.Feedback.Dataflow;
using Custodian.Feedback.Egress;
using Custodian.Policy;
using Custodian.Policy.Context;

namespace Custodian.Feedback.Tests;

/// <summary>Contexts and helpers shared by the data-flow diagram tests.</summary>
internal static class DataflowFixtures
{
    /// <summary>Named policy contexts (the JSON of <c>--context</c>) that together switch every flow off at least once.</summary>
    public static readonly IReadOnlyDictionary<string, string> Contexts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["default"] = "{}",
        ["do-not-track"] = """{"env":{"DO_NOT_TRACK":"1","DISABLE_ERROR_REPORTING":"1"},"settings":{"skipWebFetchPreflight":true}}""",
        ["nonessential"] = """{"env":{"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC":"false"}}""",
        ["bedrock"] = """{"env":{"CLAUDE_CODE_USE_BEDROCK":"1"}}""",
        ["gateway-otel"] = """{"plan":"team","gateway":true,"env":{"DISABLE_TELEMETRY":"1","CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1","DISABLE_AUTOUPDATER":"1"}}""",
        // Claude Code's events to the configured Custodian server's collector, its metrics to another one (CUS-84).
        ["custodian-collector"] = """{"env":{"CLAUDE_CODE_ENABLE_TELEMETRY":"1","OTEL_LOGS_EXPORTER":"otlp","OTEL_METRICS_EXPORTER":"otlp","OTEL_EXPORTER_OTLP_PROTOCOL":"http/protobuf","OTEL_EXPORTER_OTLP_ENDPOINT":"https://custodian.example.com","OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":"http://collector.example:4318/v1/metrics","CUSTODIAN_SERVER_URL":"https://custodian.example.com/"}}""",
        // Only metrics, and only to Custodian: its box spans a single row (CUS-84).
        ["custodian-metrics-only"] = """{"env":{"CLAUDE_CODE_ENABLE_TELEMETRY":"1","OTEL_METRICS_EXPORTER":"otlp","OTEL_EXPORTER_OTLP_PROTOCOL":"http/json","OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":"http://127.0.0.1:8787/v1/metrics","OTEL_EXPORTER_OTLP_LOGS_ENDPOINT":"http://collector.example:4318/v1/logs","CUSTODIAN_SERVER_URL":"http://127.0.0.1:8787"}}""",
        // Characters that XML, DOT, Mermaid and JSON each treat specially, in a switch value that lands in labels.
        ["hostile-text"] = """{"env":{"DO_NOT_TRACK":"1","DISABLE_TELEMETRY":"<a href=\"x\">&amp;</a> 'q' #quot; \\ | ]] --> -.-> ;}{ a very long value that goes on and on to test clipping"}}""",
    };

    public static TheoryData<string> ContextNames => new(Contexts.Keys);

    /// <summary>The decisions, flows and diagram of a named context.</summary>
    public static (PolicyContext Context, PolicyDecisions Decisions, IReadOnlyList<FlowState> Flows, DataflowDiagram Diagram) Build(string name)
    {
        var read = PolicyContextReader.Parse(Encoding.UTF8.GetBytes(Contexts[name]), name + ".json");
        Assert.True(read.Context is not null, read.Error);
        var decisions = PolicyEngine.Evaluate(read.Context!).Decisions!;
        var flows = FlowCatalog.Evaluate(decisions);
        return (read.Context!, decisions, flows, DataflowDiagram.Create(flows, decisions, read.Context!.Plan, read.Context!.Gateway));
    }

    /// <summary>The repository root (the folder holding Custodian.slnx).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Custodian.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("Custodian.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary><c>artifacts/dataflow/</c> under the repository root, created; gitignored, kept for people to look at.</summary>
    public static string ArtifactsDirectory()
    {
        var dir = Path.Combine(RepositoryRoot(), "artifacts", "dataflow");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The full path of a tool on PATH, or null.</summary>
    public static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    /// <summary>A tool that eng/test.sh installs; fails the test with the reason when it is missing.</summary>
    public static string RequireTool(string name, string package)
    {
        var path = FindTool(name);
        Assert.True(path is not null, $"'{name}' is not installed: eng/test.sh installs it (apt-get install -y {package})");
        return path!;
    }

    /// <summary>Runs a tool with <paramref name="stdin"/>; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Run(string tool, string arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{tool} {arguments} did not finish in 60 s");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
