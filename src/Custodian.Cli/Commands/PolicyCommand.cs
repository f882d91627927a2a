using System.CommandLine;
using Custodian.Policy;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian policy [--context FILE]</c>: the effective decisions of the data policy, each with its rule.</summary>
internal static class PolicyCommand
{
    public static Command Create(CustodianCli cli)
    {
        var context = new PolicyContextOptions();
        var command = new Command("policy", "Print the effective data-policy decisions, each with the rule that made it");
        context.AddTo(command);
        command.SetAction(parse =>
        {
            var decisions = PolicyContextOptions.Decide(context.Resolve(cli, parse));
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
