using System.CommandLine;
using System.Text.Json;
using Custodian.Feedback.Bundles;
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
            var (resolved, environment) = context.ResolveWithEnvironment(cli, parse);
            var decisions = PolicyContextOptions.Decide(resolved);
            var delivery = environment is null ? null : Delivery(cli, decisions, environment);
            var guard = context.GuardScopes(cli, parse);
            if (cli.Json(parse))
            {
                // A --context file describes no client: delivery, guard and telemetry are this machine's (CUS-20, CUS-65, CUS-84).
                Action<Utf8JsonWriter>? extension = environment is null ? null : writer =>
                {
                    if (delivery is { } plans) WriteDelivery(writer, plans);
                    if (guard is not null) WriteGuard(writer, guard);
                    WriteTelemetry(writer, decisions);
                };
                cli.WriteJson(w => PolicyJson.Write(w, decisions, extension));
            }
            else
            {
                var console = cli.Host.CreateConsole();
                Render(console, decisions);
                RenderIgnoredProviders(cli.Host.Stdout, decisions);
                if (delivery is { } plans) RenderDelivery(console, plans);
                if (environment is not null) RenderTelemetry(cli.Host.Stdout, decisions);
                if (guard is not null)
                {
                    cli.Host.Stdout.WriteLine(guard.Count == 0
                        ? "Live guard: not installed; secrets in prompts and tool output reach the model as typed (custodian install)"
                        : "Live guard: installed in " + string.Join(", ", guard.Select(t => Guard.GuardTarget.NameOf(t.Scope) + " scope (" + t.SettingsPath + ")")));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Where a <c>/feedback</c> bundle and a transcript share would actually go from this client: the policy may allow
    /// an upload that still stays local because no Custodian server URL and key are set (CUS-20). Null when the
    /// server URL is not usable (a warning says why; <c>custodian feedback</c> would stop with exit 2).
    /// </summary>
    private static Deliveries? Delivery(
        CustodianCli cli, PolicyDecisions decisions, IReadOnlyDictionary<string, string> environment)
    {
        var server = ServerEndpoint.FromEnvironment(environment, out var error);
        if (error is not null)
        {
            cli.Warn(error);
            return null;
        }

        return new Deliveries(BundleDelivery.Plan(decisions, BundleKind.Feedback, server), BundleDelivery.Plan(decisions, BundleKind.TranscriptShare, server));
    }

    /// <summary>The guard's state (CUS-65): <c>"guard": {"installed": bool, "scopes": [{"scope", "file"}]}</c>.</summary>
    private static void WriteGuard(Utf8JsonWriter writer, IReadOnlyList<Guard.GuardTarget> scopes)
    {
        writer.WriteStartObject("guard");
        writer.WriteBoolean("installed", scopes.Count > 0);
        writer.WriteStartArray("scopes");
        foreach (var target in scopes)
        {
            writer.WriteStartObject();
            writer.WriteString("scope", Guard.GuardTarget.NameOf(target.Scope));
            writer.WriteString("file", target.SettingsPath);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Claude Code's OpenTelemetry export (CUS-84): <c>"telemetry": {"enabled", "because", "custodianServer",
    /// "logs": {…}, "metrics": {…}, "ingest"}</c>, each signal with whether it is exported, its protocol and endpoint,
    /// and its destination (<c>custodian-collector</c> or <c>otel-collector</c>); <c>ingest</c> is what Custodian's
    /// collector applies as this client knows the policy, null when no signal goes to it.
    /// </summary>
    private static void WriteTelemetry(Utf8JsonWriter writer, PolicyDecisions decisions)
    {
        var telemetry = decisions.Telemetry;
        writer.WriteStartObject("telemetry");
        writer.WriteBoolean("enabled", telemetry.Enabled);
        writer.WriteString("because", telemetry.Because);
        writer.WriteString("custodianServer", telemetry.CustodianServer?.AbsoluteUri);
        foreach (var signal in telemetry.Signals)
        {
            writer.WriteStartObject(signal.Name);
            writer.WriteBoolean("exported", signal.Exported);
            writer.WriteString("protocol", signal.Protocol);
            writer.WriteString("endpoint", signal.Endpoint?.AbsoluteUri);
            writer.WriteString("destination", DestinationName(signal.Collector));
            writer.WriteString("rule", "CUS-84");
            writer.WriteString("because", signal.Because);
            writer.WriteEndObject();
        }

        if (Ingest(decisions) is { } ingest)
        {
            writer.WriteStartObject("ingest");
            writer.WriteString("rule", "OTL-3");
            writer.WriteBoolean("redaction", true);
            writer.WriteBoolean("zeroDataRetention", ingest.ZeroDataRetention);
            writer.WriteString("retention", ingest.Retention?.ToString());
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("ingest");
        }

        writer.WriteEndObject();
    }

    private static string DestinationName(OtelCollectorKind kind) =>
        kind == OtelCollectorKind.Custodian ? "custodian-collector" : "otel-collector";

    /// <summary>What Custodian's collector will apply to this client's telemetry, when some goes to it.</summary>
    private sealed record IngestPolicy(bool ZeroDataRetention, RetentionPeriod? Retention);

    /// <summary>
    /// The policy at ingest as this client knows it (OTL-3): the server decides from the account's policy in force
    /// when a batch arrives, so this is a forecast; the retention is unknown (null) where the session data does not
    /// reach Anthropic's server (RET-8), since the client then holds no retention decision to forecast from.
    /// </summary>
    private static IngestPolicy? Ingest(PolicyDecisions decisions)
    {
        if (!decisions.Telemetry.Signals.Any(s => s.Exported && s.Collector == OtelCollectorKind.Custodian)) return null;
        var retention = decisions.ServerRetention;
        var zdr = retention.ReachesServer.Value && retention.SessionData.Value.IsZero;
        return new IngestPolicy(zdr, retention.ReachesServer.Value ? retention.Telemetry : null);
    }

    /// <summary>One unwrapped line per signal (an endpoint must stay copyable): where Claude Code's OpenTelemetry goes.</summary>
    private static void RenderTelemetry(TextWriter stdout, PolicyDecisions decisions)
    {
        var ingest = Ingest(decisions);
        foreach (var signal in decisions.Telemetry.Signals)
        {
            var what = signal.Signal == OtelSignal.Logs ? "events (logs)" : "metrics";
            string where;
            if (!signal.Exported)
            {
                where = "not exported";
            }
            else if (signal.Collector == OtelCollectorKind.Custodian)
            {
                var applied = "redaction" + (ingest!.ZeroDataRetention ? ", zero data retention (no content kept)" : string.Empty)
                    + (ingest.Retention is { } kept ? $", kept {kept}" : ", retention");
                where = $"Custodian's collector at {signal.Endpoint}, policy applied at ingest: {applied} (OTL-3)";
            }
            else
            {
                where = "an OpenTelemetry collector at " + (signal.Endpoint?.AbsoluteUri ?? "an unusable endpoint");
            }

            stdout.WriteLine($"OpenTelemetry {what} from Claude Code: {where} (CUS-84: {signal.Because})");
        }
    }

    /// <summary>The delivery plans of both kinds of bundle.</summary>
    private sealed record Deliveries(DeliveryPlan Feedback, DeliveryPlan TranscriptShare);

    private static void WriteDelivery(Utf8JsonWriter writer, Deliveries delivery)
    {
        writer.WriteStartObject("delivery");
        foreach (var (name, plan) in new[] { ("feedback", delivery.Feedback), ("transcriptShare", delivery.TranscriptShare) })
        {
            writer.WriteStartObject(name);
            writer.WriteString("destination", plan.Destination.ToWireName());
            writer.WriteString("rule", plan.Rule);
            writer.WriteString("because", plan.Because);
            if (plan.Server is { } server) writer.WriteString("server", server.BaseAddress.ToString());
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void RenderDelivery(IAnsiConsole console, Deliveries delivery)
    {
        foreach (var (what, plan) in new[] { ("/feedback bundles", delivery.Feedback), ("Transcript shares", delivery.TranscriptShare) })
        {
            var where = plan.Destination switch
            {
                Destination.Upload => "uploaded to " + plan.Server!.BaseAddress,
                Destination.LocalArchive => "kept in the local archive",
                _ => "refused",
            };
            console.MarkupLine(Markup.Escape($"{what} from this client: {where} ({plan.Rule}: {plan.Because})"));
        }
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

    /// <summary>One unwrapped line per ignored provider variable: it names a path that must stay copyable (SET-5).</summary>
    private static void RenderIgnoredProviders(TextWriter stdout, PolicyDecisions decisions)
    {
        foreach (var ignored in decisions.IgnoredProviders)
        {
            stdout.WriteLine($"Ignored provider variable (SET-5): {ignored}; Claude Code uses {decisions.Provider.Value.ToWireName()}.");
        }
    }

    private static string Display(object? value) => value switch
    {
        null => "null",
        bool b => b ? "yes" : "no",
        double d => d.ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
