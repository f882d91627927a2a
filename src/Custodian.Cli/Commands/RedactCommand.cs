using System.CommandLine;
using Custodian.Cli.Internal;
using Custodian.Redaction;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian redact [FILE|-] [--report]</c>: copies FILE (or stdin) to stdout with secrets replaced (RED-1, RED-5).</summary>
internal static class RedactCommand
{
    public static Command Create(CustodianCli cli)
    {
        var file = new Argument<string>("FILE")
        {
            Description = "The file to redact; '-' or nothing reads stdin",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "-",
        };
        var report = new Option<bool>("--report") { Description = "Write the replacements per rule as JSON to stderr (never the secrets)" };
        var command = new Command("redact", "Copy a file or stdin to stdout with API keys, tokens, private keys and passwords replaced");
        command.Arguments.Add(file);
        command.Options.Add(report);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file) ?? "-";
            RedactionReport counts;
            try
            {
                // Bytes in, bytes out (CUS-57): no UTF-16 round trip, and bytes that are not UTF-8 pass through unchanged.
                // The output is written in 1 MB pieces on a second thread, while this one reads and scans on.
                using var output = new WriteBehindStream(cli.Host.StdoutBytes);
                if (path == "-")
                {
                    counts = Redactor.Default.Redact(cli.Host.StdinBytes, output);
                }
                else
                {
                    var full = Path.GetFullPath(path, cli.Host.CurrentDirectory);
                    if (!File.Exists(full)) throw new UsageException($"{path}: no such file");
                    // Unbuffered: each read goes straight into the redactor's own buffer.
                    using var input = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
                    counts = Redactor.Default.Redact(input, output);
                }

                output.Flush(); // disposing it stops its thread; the host's stdout stays open
            }
            catch (RedactionException e)
            {
                // RED-4: what was written so far is incomplete; say so, and fail.
                throw new OperationFailedException("redaction failed; the output is incomplete and must not be used: " + (e.InnerException?.Message ?? e.Message));
            }

            if (parse.GetValue(report)) cli.Host.Stderr.WriteLine(counts.ToJson());
            return ExitCodes.Success;
        });
        return command;
    }
}
