using System.CommandLine;
using Custodian.Policy;
using Custodian.Policy.Account;
using Custodian.Policy.Context;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian policy [--context FILE]</c>: the effective decisions of the data policy, each with its rule.</summary>
internal static class PolicyCommand
{
    public static Command Create(CustodianCli cli)
    {
        var context = new Option<string?>("--context")
        {
            Description = "Decide for the account, org, env and settings in this JSON file instead of the real machine",
            HelpName = "FILE",
        };
        var settings = new SettingsOptions();
        var command = new Command("policy", "Print the effective data-policy decisions, each with the rule that made it");
        command.Options.Add(context);
        settings.AddTo(command);
        command.SetAction(parse =>
        {
            var policyContext = parse.GetValue(context) is { } file
                ? FromFile(Path.GetFullPath(file, cli.Host.CurrentDirectory))
                : FromMachine(cli, settings, parse);

            var outcome = PolicyEngine.Evaluate(policyContext);
            if (outcome.Error is { } error)
            {
                throw new UsageException(error.ToString());
            }

            var decisions = outcome.Decisions!;
            if (cli.Json(parse))
            {
                cli.WriteJson(w => PolicyJson.Write(w, decisions));
            }
            else
            {
                Render(cli.Host.CreateConsole(), decisions);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static PolicyContext FromFile(string path)
    {
        var read = PolicyContextReader.ReadFile(path);
        return read.Context ?? throw new UsageException(read.Error!);
    }

    private static PolicyContext FromMachine(CustodianCli cli, SettingsOptions options, ParseResult parse)
    {
        var resolved = options.Resolve(cli, parse);
        var account = LocalAccount.Read(cli.ConfigDir(parse), resolved.EnvironmentVariables());
        foreach (var warning in account.Warnings) cli.Warn(warning);
        return MachineContext.Build(resolved, account);
    }

    private static void Render(IAnsiConsole console, PolicyDecisions decisions)
    {
        console.MarkupLine(
            $"[bold]Custodian data policy[/]: {decisions.Category.Value.ToWireName()} terms, provider {decisions.Provider.Value.ToWireName()}");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Decision");
        table.AddColumn("Value");
        table.AddColumn("Rule");
        table.AddColumn("Why");
        foreach (var entry in decisions.Trace())
        {
            table.AddRow(
                Markup.Escape(entry.Decision),
                Markup.Escape(Display(entry.Value)),
                Markup.Escape(entry.Rule),
                Markup.Escape(entry.Because));
        }

        console.Write(table);
    }

    private static string Display(object? value) => value switch
    {
        null => "null",
        bool b => b ? "yes" : "no",
        double d => d.ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
