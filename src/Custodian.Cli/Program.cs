using Custodian.Cli;
using Custodian.Cli.Commands;

// The guard's hook runs on every prompt and tool call: answer it without building the command tree.
if (args is ["hook"])
{
    var host = CliHost.FromProcess();
    using var stdin = Console.OpenStandardInput();
    using var stdout = Console.OpenStandardOutput();
    return HookCommand.Run(stdin, stdout, Console.Error, host.Environment, host.HomeDirectory);
}

return await CustodianCli.RunAsync(args, CliHost.FromProcess());
