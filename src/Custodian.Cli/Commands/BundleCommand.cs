using System.CommandLine;
using Custodian.Feedback.Bundles;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian bundle verify FILE</c>: checks a feedback bundle against its manifest — manifest first and valid, every
/// listed file present with its size and SHA-256, nothing added. Exit 0 intact, 1 listing every problem, 2 when the
/// file is missing or unreadable.
/// </summary>
internal static class BundleCommand
{
    public static Command Create(CustodianCli cli)
    {
        var file = new Argument<string>("FILE") { Description = "The bundle (.tar.gz)" };
        var verify = new Command("verify", "Check a bundle's manifest, hashes and sizes: names every changed, added or missing file");
        verify.Arguments.Add(file);
        verify.SetAction(parse =>
        {
            var given = parse.GetValue(file)!;
            var path = Path.GetFullPath(given, cli.Host.CurrentDirectory);
            if (Directory.Exists(path)) throw new UsageException($"{given}: is a directory, not a bundle");
            if (!File.Exists(path)) throw new UsageException($"{given}: no such file");
            BundleVerification result;
            try
            {
                result = BundleVerifier.Verify(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{given}: cannot be read: {e.Message}");
            }

            if (cli.Json(parse))
            {
                cli.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("file", path);
                    w.WriteBoolean("intact", result.Intact);
                    if (result.Manifest is { } m)
                    {
                        w.WriteString("kind", m.Kind.ToWireName());
                        w.WriteStartArray("sessionIds");
                        foreach (var id in m.SessionIds) w.WriteStringValue(id);
                        w.WriteEndArray();
                        w.WriteNumber("files", m.Files.Count);
                    }

                    w.WriteStartArray("problems");
                    foreach (var p in result.Problems)
                    {
                        w.WriteStartObject();
                        w.WriteString("kind", p.KindName);
                        w.WriteString("path", p.Path);
                        w.WriteString("message", p.Message);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else if (result.Intact)
            {
                var m = result.Manifest!;
                cli.Host.Stdout.WriteLine(
                    $"{given}: intact: {m.Kind.ToWireName()} bundle, {m.Files.Count} file(s), {Format.Bytes(m.TotalSize)}, session(s) {string.Join(", ", m.SessionIds)}");
            }
            else
            {
                cli.Host.Stdout.WriteLine($"{given}: {result.Problems.Count} problem(s):");
                foreach (var p in result.Problems) cli.Host.Stdout.WriteLine("  " + p);
            }

            return result.Intact ? ExitCodes.Success : ExitCodes.Failure;
        });

        var command = new Command("bundle", "Work with feedback bundles");
        command.Subcommands.Add(verify);
        return command;
    }
}
