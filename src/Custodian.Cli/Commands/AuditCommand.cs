using System.CommandLine;
using Custodian.Server;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian audit verify --store STORE</c>: walks the hash chain; exit 1 naming the first changed or removed entry.</summary>
internal static class AuditCommand
{
    public static Command Create(CustodianCli cli)
    {
        var store = StoreOption.Create();
        var verify = new Command("verify", "Check the audit log's hash chain");
        verify.Options.Add(store);
        verify.SetAction(async (parse, cancellationToken) =>
        {
            await using var opened = await StoreOption.OpenInitializedAsync(parse.GetValue(store), cli.Host, cancellationToken);
            var result = await AuditVerifier.VerifyAsync(opened, cancellationToken);
            if (cli.Json(parse))
            {
                cli.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("intact", result.Intact);
                    w.WriteNumber("entries", result.Entries);
                    w.WriteString("problem", result.Problem);
                    w.WriteEndObject();
                });
            }
            else if (result.Intact)
            {
                cli.Host.Stdout.WriteLine($"audit log intact: {result.Entries} entries");
            }

            if (!result.Intact) cli.Host.Stderr.WriteLine("custodian: audit log broken: " + result.Problem);
            return result.Intact ? ExitCodes.Success : ExitCodes.Failure;
        });
        var command = new Command("audit", "The server's audit log");
        command.Subcommands.Add(verify);
        return command;
    }
}
