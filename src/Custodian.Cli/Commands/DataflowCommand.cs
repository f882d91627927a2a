using System.CommandLine;
using System.Text;
using Custodian.Feedback.Dataflow;
using Custodian.Feedback.Egress;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian dataflow [--context FILE] [--format mermaid|dot|svg|json] [--output FILE]</c>: the effective
/// data-flow diagram (FLW-4) for the same context <c>custodian policy</c> decides for.
/// </summary>
internal static class DataflowCommand
{
    public static Command Create(CustodianCli cli)
    {
        var context = new PolicyContextOptions();
        var format = new Option<string>("--format")
        {
            Description = "Diagram format: mermaid, dot, svg or json",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "mermaid",
        };
        // A validator rather than AcceptOnlyFromAmong: its message spans lines, and exit-2 errors are one line naming the flag.
        format.CompletionSources.Add([.. DataflowRenderer.FormatNames]);
        format.Validators.Add(result =>
        {
            var name = result.GetValueOrDefault<string>();
            if (!DataflowRenderer.TryParseFormat(name, out _))
                result.AddError($"--format: unknown format '{name}' (use {string.Join(", ", DataflowRenderer.FormatNames)})");
        });
        var output = new Option<string?>("--output")
        {
            Description = "Write the diagram to FILE (atomically) instead of stdout",
            HelpName = "FILE",
        };
        var command = new Command("dataflow", "Draw the effective data flows: required solid, optional dashed, switched-off ones greyed with their switch");
        context.AddTo(command);
        command.Options.Add(format);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var chosen = ChooseFormat(cli, parse, format);
            // Check the output location before deciding anything, so a typo costs nothing.
            var target = parse.GetValue(output) is { } file ? OutputPath(cli, file) : null;

            var policyContext = context.Resolve(cli, parse);
            var decisions = PolicyContextOptions.Decide(policyContext);
            var guard = context.GuardScopes(cli, parse) is { } scopes ? PolicyContextOptions.DescribeGuard(scopes) : null;
            var diagram = DataflowDiagram.Create(FlowCatalog.Evaluate(decisions), decisions, policyContext.Plan, policyContext.Gateway, guard);
            var text = DataflowRenderer.Render(diagram, chosen);

            if (target is null)
            {
                cli.Host.Stdout.Write(text);
            }
            else
            {
                WriteAtomically(target, text);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static DataflowFormat ChooseFormat(CustodianCli cli, ParseResult parse, Option<string> format)
    {
        var explicitFormat = parse.GetResult(format) is { Implicit: false };
        var name = parse.GetValue(format);
        // --json asks for machine-readable output: the JSON diagram, unless another format was asked for explicitly.
        if (cli.Json(parse))
        {
            if (explicitFormat && !string.Equals(name, "json", StringComparison.Ordinal))
                throw new UsageException($"--json conflicts with --format {name}: use one of them");
            return DataflowFormat.Json;
        }

        return DataflowRenderer.TryParseFormat(name, out var chosen)
            ? chosen
            : throw new UsageException($"--format: unknown format '{name}' (use {string.Join(", ", DataflowRenderer.FormatNames)})");
    }

    private static string OutputPath(CustodianCli cli, string file)
    {
        var path = Path.GetFullPath(file, cli.Host.CurrentDirectory);
        if (Directory.Exists(path)) throw new UsageException($"--output: {path} is a directory");
        var directory = Path.GetDirectoryName(path);
        if (directory is null || !Directory.Exists(directory)) throw new UsageException($"--output: no such directory: {directory}");
        return path;
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it over, so a reader never sees half a diagram.</summary>
    private static void WriteAtomically(string path, string text)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
