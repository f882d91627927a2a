using System.CommandLine;
using Custodian.Policy;
using Custodian.Policy.Account;
using Custodian.Policy.Context;

namespace Custodian.Cli;

/// <summary>
/// How a command chooses the context it decides for: <c>--context FILE</c> (INTERFACES.md "Policy context file"),
/// else the real machine — settings files chosen by <see cref="SettingsOptions"/>, the environment, and the
/// signed-in account. Shared so that <c>custodian policy</c> and <c>custodian dataflow</c> cannot disagree about
/// what the effective policy is.
/// </summary>
public sealed class PolicyContextOptions
{
    /// <summary><c>--context FILE</c>.</summary>
    public Option<string?> ContextFile { get; } = new("--context")
    {
        Description = "Decide for the account, org, env and settings in this JSON file instead of the real machine",
        HelpName = "FILE",
    };

    /// <summary>The settings options used when no <c>--context</c> is given.</summary>
    public SettingsOptions Settings { get; } = new();

    /// <summary>Adds <c>--context</c> and the settings options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(ContextFile);
        Settings.AddTo(command);
    }

    /// <summary>
    /// The context for this invocation. A context file that cannot be read, is not valid JSON, or has an unknown
    /// key or wrong type is a <see cref="UsageException"/>; account warnings go to stderr.
    /// </summary>
    public PolicyContext Resolve(CustodianCli cli, ParseResult parse) => ResolveWithEnvironment(cli, parse).Context;

    /// <summary>
    /// As <see cref="Resolve"/>, with the client's effective environment variables (process and settings <c>env</c>
    /// blocks) when the context is this machine's; null for a <c>--context</c> file, which describes no client.
    /// </summary>
    public (PolicyContext Context, IReadOnlyDictionary<string, string>? Environment) ResolveWithEnvironment(CustodianCli cli, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(ContextFile) is { } file
            ? (FromFile(Path.GetFullPath(file, cli.Host.CurrentDirectory)), null)
            : FromMachine(cli, parse);
    }

    /// <summary>
    /// Where the live guard is installed on this machine (GRD-1), for <c>policy</c> and <c>dataflow</c>; null for a
    /// <c>--context</c> file, which describes no machine.
    /// </summary>
    public IReadOnlyList<Guard.GuardTarget>? GuardScopes(CustodianCli cli, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(ContextFile) is null ? Guard.GuardInstaller.InstalledScopes(Settings.Locations(cli, parse)) : null;
    }

    /// <summary>The guard's state in a few words: <c>guard: user scope</c>, <c>guard: not installed</c>.</summary>
    public static string DescribeGuard(IReadOnlyList<Guard.GuardTarget> scopes) =>
        scopes.Count == 0 ? "guard: not installed" : "guard: " + string.Join(", ", scopes.Select(t => Guard.GuardTarget.NameOf(t.Scope))) + " scope";

    /// <summary>The decisions for <paramref name="context"/>; an impossible combination is a <see cref="UsageException"/> naming the key.</summary>
    public static PolicyDecisions Decide(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = PolicyEngine.Evaluate(context);
        if (outcome.Error is { } error)
        {
            throw new UsageException(error.ToString());
        }

        return outcome.Decisions!;
    }

    private static PolicyContext FromFile(string path)
    {
        var read = PolicyContextReader.ReadFile(path);
        return read.Context ?? throw new UsageException(read.Error!);
    }

    private (PolicyContext, IReadOnlyDictionary<string, string>) FromMachine(CustodianCli cli, ParseResult parse)
    {
        var resolved = Settings.Resolve(cli, parse);
        var environment = resolved.EnvironmentVariables();
        var account = LocalAccount.Read(cli.ConfigDir(parse), environment);
        foreach (var warning in account.Warnings) cli.Warn(warning);
        return (MachineContext.Build(resolved, account), environment);
    }
}
