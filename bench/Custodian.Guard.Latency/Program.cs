// Hook latency (issue 15): what one hook call costs, process start included, against programs that only read the
// same JSON (jq -c ., python3's json.load) and one that reads nothing (true). Then the added wall time of a scripted
// real session with the guard installed.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Custodian.ClaudeCode.Testing;

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Custodian.Guard.Latency --hook 'CMD…' [--runs N] [--session-runs N] [--out DIR]");
    return 2;
}

Directory.CreateDirectory(options.OutDir);
var inputs = Inputs.Write(options.OutDir);
var commands = new (string Name, string[] Argv)[]
{
    ("custodian hook", options.Hook),
    ("jq -c .", ["jq", "-c", "."]),
    ("python3 json.load", ["python3", "-c", "import json,sys; json.dump(json.load(sys.stdin), sys.stdout)"]),
    ("true", ["true"]),
};

var report = new StringBuilder();
report.AppendLine(Inv($"| Event (input) | {string.Join(" | ", commands.Select(c => c.Name + " p50 / p99 ms"))} | custodian ÷ jq (p50) |"));
report.AppendLine("|---|" + string.Concat(commands.Select(_ => "---:|")) + "---:|");
foreach (var (name, path) in inputs)
{
    var bytes = File.ReadAllBytes(path);
    var cells = new List<string>();
    double custodian = 0, jq = 0;
    foreach (var (command, argv) in commands)
    {
        // One warm-up call: the page cache holds the executable, as it does in a session.
        Run(argv, bytes);
        var times = new double[options.Runs];
        for (var i = 0; i < times.Length; i++) times[i] = Run(argv, bytes);
        Array.Sort(times);
        var p50 = Percentile(times, 0.50);
        var p99 = Percentile(times, 0.99);
        if (command == "custodian hook") custodian = p50;
        if (command == "jq -c .") jq = p50;
        cells.Add(Inv($"{p50:F1} / {p99:F1}"));
    }

    report.AppendLine(Inv($"| {name} ({bytes.Length / 1024.0:F0} KB) | {string.Join(" | ", cells)} | {custodian / jq:F2} |"));
}

Console.WriteLine(report);
File.WriteAllText(Path.Combine(options.OutDir, "latency.md"), report.ToString());

if (options.SessionRuns > 0)
{
    var (without, with) = await Sessions.MeasureAsync(options);
    var line = Inv($"scripted real session (Read, Bash, subagent Read of a .env; {options.SessionRuns} runs each): median {without:F2} s without the guard, {with:F2} s with it, +{with - without:F2} s ({(with / without - 1) * 100:F0}%)");
    Console.WriteLine(line);
    File.AppendAllText(Path.Combine(options.OutDir, "latency.md"), "\n" + line + "\n");
}

return 0;

static double Run(string[] argv, byte[] input)
{
    var start = new ProcessStartInfo(argv[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    var stderr = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
    try
    {
        process.StandardInput.BaseStream.Write(input);
    }
    catch (IOException)
    {
        // `true` exits without reading its input.
    }

    try
    {
        process.StandardInput.Close();
    }
    catch (IOException)
    {
    }

    process.WaitForExit();
    Task.WaitAll(stdout, stderr);
    return clock.Elapsed.TotalMilliseconds;
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

internal sealed record Options(string[] Hook, int Runs, int SessionRuns, string OutDir)
{
    public static Options? Parse(string[] args)
    {
        string[]? hook = null;
        int runs = 200, sessionRuns = 0;
        var outDir = Path.Combine(Path.GetTempPath(), "custodian-guard-latency");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--hook": hook = args[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--session-runs": sessionRuns = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--out": outDir = args[i + 1]; break;
                default: return null;
            }
        }

        return hook is null ? null : new Options(hook, runs, sessionRuns, outDir);
    }
}

/// <summary>The hook inputs measured: each event as the real client sends it, tool outputs of 64 KB.</summary>
internal static class Inputs
{
    private const string Token = "ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK";

    public static List<(string Name, string Path)> Write(string dir)
    {
        var lines = new StringBuilder();
        var random = new Random(15);
        while (lines.Length < 64 * 1024)
        {
            lines.Append("src/module").Append(random.Next(1000)).Append(".ts:").Append(random.Next(500)).Append(": const value = compute(\"")
                .Append(Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))).Append("\");\n");
        }

        var clean = lines.ToString();
        var withSecret = clean.Insert(clean.Length / 2, "GITHUB_TOKEN=" + Token + "\n");
        JsonObject Common(string hookEvent) => new()
        {
            ["session_id"] = "5f8c1d2e-0000-4000-8000-000000000001",
            ["transcript_path"] = Path.Combine(dir, "config", "projects", "-p", "5f8c1d2e-0000-4000-8000-000000000001.jsonl"),
            ["cwd"] = "/home/dev/project",
            ["permission_mode"] = "default",
            ["hook_event_name"] = hookEvent,
        };
        JsonObject With(JsonObject o, params (string, JsonNode)[] fields)
        {
            foreach (var (k, v) in fields) o[k] = v;
            return o;
        }

        var inputs = new List<(string, JsonObject)>
        {
            ("UserPromptSubmit, a short prompt", With(Common("UserPromptSubmit"), ("prompt", "Refactor the parser to stream its input and add tests"))),
            ("PreToolUse Bash", With(Common("PreToolUse"), ("tool_name", "Bash"), ("tool_input", new JsonObject { ["command"] = "npm test -- --runInBand", ["description"] = "Run the tests" }), ("tool_use_id", "toolu_01"))),
            ("PostToolUse Bash, no secret", With(Common("PostToolUse"), ("tool_name", "Bash"), ("tool_input", new JsonObject { ["command"] = "grep -rn compute src" }),
                ("tool_response", new JsonObject { ["stdout"] = clean, ["stderr"] = "", ["interrupted"] = false, ["isImage"] = false }), ("tool_use_id", "toolu_02"))),
            ("PostToolUse Read, one secret", With(Common("PostToolUse"), ("tool_name", "Read"), ("tool_input", new JsonObject { ["file_path"] = "/home/dev/project/src/all.ts" }),
                ("tool_response", new JsonObject { ["type"] = "text", ["file"] = new JsonObject { ["filePath"] = "/home/dev/project/src/all.ts", ["content"] = withSecret, ["numLines"] = 1200, ["startLine"] = 1, ["totalLines"] = 1200 } }), ("tool_use_id", "toolu_03"))),
        };

        // The Stop scrub reads a 1 MB transcript of its own.
        var transcript = Path.Combine(dir, "config", "projects", "-p", "5f8c1d2e-0000-4000-8000-000000000001.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(transcript)!);
        var jsonl = new StringBuilder();
        while (jsonl.Length < 1024 * 1024) jsonl.Append(new JsonObject { ["type"] = "user", ["message"] = new JsonObject { ["content"] = clean[..2000] } }.ToJsonString()).Append('\n');
        File.WriteAllText(transcript, jsonl.ToString());
        inputs.Add(("Stop, 1 MB transcript", With(Common("Stop"), ("stop_hook_active", false), ("last_assistant_message", "Done."))));

        var written = new List<(string, string)>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var path = Path.Combine(dir, Inv($"input-{i}.json"));
            File.WriteAllText(path, inputs[i].Item2.ToJsonString());
            written.Add((inputs[i].Item1, path));
        }

        return written;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A scripted real session (the pinned client against the Messages stand-in), timed with and without the guard.</summary>
internal static class Sessions
{
    public static async Task<(double Without, double With)> MeasureAsync(Options options)
    {
        var without = new List<double>();
        var with = new List<double>();
        for (var i = 0; i < options.SessionRuns; i++)
        {
            without.Add(await OnceAsync(options, guard: false));
            with.Add(await OnceAsync(options, guard: true));
        }

        without.Sort();
        with.Sort();
        return (without[without.Count / 2], with[with.Count / 2]);
    }

    private static async Task<double> OnceAsync(Options options, bool guard)
    {
        const string Prompt = "Check the deployment configuration";
        const string SubagentPrompt = "Helper task: read the env file";
        await using var api = await MessagesStandIn.StartAsync();
        using var sandbox = new ClaudeCodeSandbox(api);
        var dotEnv = Path.Combine(sandbox.ProjectDir, ".env");
        File.WriteAllText(dotEnv, "AWS_ACCESS_KEY_ID=AKIAQ3EGRTSPXL7WJ2MZ\nDEBUG=true\n");
        if (guard)
        {
            var hooks = new JsonObject();
            foreach (var name in new[] { "UserPromptSubmit", "PreToolUse", "PostToolUse", "SubagentStop", "Stop", "SessionEnd" })
            {
                hooks[name] = new JsonArray(new JsonObject { ["hooks"] = new JsonArray(new JsonObject { ["type"] = "command", ["command"] = string.Join(' ', options.Hook.Select(Quote)), ["timeout"] = 30 }) });
            }

            sandbox.WriteUserSettings(new JsonObject { ["hooks"] = hooks });
        }

        api.Script(Prompt, ScriptedTurn.Read(dotEnv), ScriptedTurn.Bash("cat .env"), ScriptedTurn.Agent("read env", SubagentPrompt), ScriptedTurn.Text("All checked."));
        api.Script(SubagentPrompt, ScriptedTurn.Read(dotEnv), ScriptedTurn.Text("Read it."));
        var clock = Stopwatch.StartNew();
        var run = await sandbox.PrintAsync(Prompt, "--allowedTools", "Read Bash Agent");
        var seconds = clock.Elapsed.TotalSeconds;
        if (run.IsError) throw new InvalidOperationException("the scripted session failed: " + run.Describe());
        if (guard && api.Received("AKIAQ3EGRTSPXL7WJ2MZ")) throw new InvalidOperationException("the guard let the key through");
        return seconds;
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
