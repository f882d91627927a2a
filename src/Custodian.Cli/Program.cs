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

// Bulk commands on an AVX-512 machine run in the executable compiled for it, where there is one (CUS-87).
Custodian.Cli.Internal.NativeCompanion.ExecIfBetter(args);

return await CustodianCli.RunAsync(args, CliHost.FromProcess());
