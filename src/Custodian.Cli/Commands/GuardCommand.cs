using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Guard;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian guard log [--session ID] [--json]</c>: the guard's decisions (GRD-7).</summary>
internal static class GuardCommand
{
    public static Command Create(CustodianCli cli)
    {
        var session = new Option<string?>("--session") { Description = "Only this session's decisions", HelpName = "ID" };
        var json = new Option<bool>("--json") { Description = "One JSON object per decision, one per line" };
        var all = new Option<bool>("--all") { Description = "Also the events the guard let through unchanged" };
        var log = new Command("log", "What the guard decided: blocked prompts, redacted tool output, refused tool calls, scrubs (never the secrets)");
        log.Options.Add(session);
        log.Options.Add(json);
        log.Options.Add(all);
        log.SetAction(parse =>
        {
            var host = cli.Host;
            var decisions = new GuardLog(cli.ConfigDir(parse)).Read(parse.GetValue(session));
            var shown = parse.GetValue(all) ? decisions : [.. decisions.Where(d => d.Action != GuardAction.Allowed)];
            if (parse.GetValue(json))
            {
                foreach (var d in shown)
                {
                    using var buffer = new MemoryStream();
                    using (var writer = new Utf8JsonWriter(buffer))
                    {
                        writer.WriteStartObject();
                        writer.WriteString("time", d.Time);
                        writer.WriteString("session", d.SessionId);
                        writer.WriteString("event", d.Event);
                        writer.WriteString("tool", d.Tool);
                        writer.WriteString("action", GuardActions.NameOf(d.Action));
                        writer.WriteStartArray("rules");
                        foreach (var rule in d.Rules) writer.WriteStringValue(rule);
                        writer.WriteEndArray();
                        writer.WriteNumber("count", d.Count);
                        if (d.AgentId is not null) writer.WriteString("agent", d.AgentId);
                        if (d.Detail is not null) writer.WriteString("detail", d.Detail);
                        writer.WriteEndObject();
                    }

                    host.Stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                }

                return ExitCodes.Success;
            }

            if (shown.Count == 0)
            {
                host.Stdout.WriteLine(decisions.Count == 0 ? "the guard has recorded no decision yet" : $"the guard let all {decisions.Count} events through unchanged (--all lists them)");
                return ExitCodes.Success;
            }

            foreach (var d in shown)
            {
                var rules = d.Rules.Count == 0 ? "" : " " + string.Join(",", d.Rules) + (d.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" ×{d.Count}") : "");
                host.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{d.Time.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z  {d.SessionId ?? "-"}  {d.Event}{(d.Tool is null ? "" : " " + d.Tool)}  {GuardActions.NameOf(d.Action)}{rules}{(d.Detail is null ? "" : "  (" + d.Detail + ")")}"));
            }

            return ExitCodes.Success;
        });
        var guard = new Command("guard", "The live guard inside Claude Code");
        guard.Subcommands.Add(log);
        return guard;
    }
}
