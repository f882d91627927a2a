using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Feedback.Bundles;
using Custodian.Feedback.Egress;
using Custodian.Policy;
using Custodian.Policy.Account;
using Custodian.Redaction;
using Custodian.Sessions;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian feedback [--session ID] [--scope session|24h|7d] [--yes]</c>: builds a redacted bundle of the session
/// (FBK-1, FBK-4) and, as the policy decides, uploads it to the Custodian server or writes it to the local archive
/// (FBK-3), or refuses (FBK-2). It shows exactly what will be sent and asks first, unless <c>--yes</c>.
/// </summary>
internal static class FeedbackCommand
{
    public static Command Create(CustodianCli cli)
    {
        var session = new Option<string?>("--session")
        {
            Description = "The session to send (default: the most recent session in the current directory)",
            HelpName = "ID",
        };
        var scope = new Option<string>("--scope")
        {
            Description = "session (default), or also this project's sessions active in the last 24h or 7d",
            HelpName = "SCOPE",
            DefaultValueFactory = _ => "session",
        };
        scope.AcceptOnlyFromAmong("session", "24h", "7d");
        var yes = new Option<bool>("--yes") { Description = "Send without asking (required when not on a terminal)" };
        var settings = new SettingsOptions();
        var command = new Command("feedback", "Send a redacted bundle of this session to the server, or write it to the local archive (FBK)");
        command.Options.Add(session);
        command.Options.Add(scope);
        command.Options.Add(yes);
        settings.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            BundleNames.TryParseScope(parse.GetValue(scope), out var chosenScope);
            var request = new Request(parse.GetValue(session), chosenScope, parse.GetValue(yes), cli.Json(parse));
            return await RunAsync(cli, settings, parse, request, cancellationToken);
        });
        return command;
    }

    private sealed record Request(string? SessionId, BundleScope Scope, bool Yes, bool Json);

    private static async Task<int> RunAsync(CustodianCli cli, SettingsOptions settings, ParseResult parse, Request request, CancellationToken cancellationToken)
    {
        // Ask nothing of a pipe: without a terminal the only yes is --yes (SHR-6: a stray keystroke is not consent).
        if (!request.Yes && !cli.Host.Interactive)
            throw new UsageException("refusing to send feedback without --yes (not a terminal to ask on)");

        var configDir = cli.ConfigDir(parse);
        var resolved = settings.Resolve(cli, parse);
        var environment = resolved.EnvironmentVariables();
        var account = LocalAccount.Read(configDir, environment);
        foreach (var warning in account.Warnings) cli.Warn(warning);
        var outcome = PolicyEngine.Evaluate(MachineContext.Build(resolved, account));
        if (outcome.Error is { } error) throw new UsageException(error.ToString());
        var decisions = outcome.Decisions!;

        var server = ServerEndpoint.FromEnvironment(environment, out var serverError);
        if (serverError is not null) throw new UsageException(serverError);
        var plan = BundleDelivery.Plan(decisions, BundleKind.Feedback, server);
        if (plan.Refused)
        {
            if (request.Json) cli.WriteJson(w => WriteRefusal(w, plan));
            throw new OperationFailedException($"/feedback is disabled ({plan.Rule}: {plan.Because}); nothing was sent or written");
        }

        var layout = new ClaudeLayout(configDir);
        var sessionId = request.SessionId ?? MostRecentSession(cli, layout, settings, parse);
        var builder = new BundleBuilder()
            .WithLayout(layout)
            .WithSession(sessionId)
            .WithScope(request.Scope)
            .WithKind(BundleKind.Feedback)
            .WithRedactor(Redactor.Default)
            .WithTimeProvider(cli.Host.TimeProvider)
            .WithClientVersion(BundleBuilder.DefaultClientVersion);

        PendingBundle bundle;
        try
        {
            bundle = await builder.BuildAsync(cancellationToken);
        }
        catch (BundleException e)
        {
            throw new UsageException(e.Message);
        }
        catch (RedactionException e)
        {
            // RED-4: every temporary file is gone; say so and fail.
            throw new OperationFailedException("redaction failed, so nothing was sent or written (RED-4): " + (e.InnerException?.Message ?? e.Message));
        }

        await using (bundle)
        {
            if (!request.Yes)
            {
                // With --json, stdout carries only the result document: the preview and question go to stderr.
                var console = request.Json ? StderrConsole(cli.Host) : cli.Host.CreateConsole();
                Preview(console, bundle, plan, BundleFiles.ArchiveDirectory(configDir));
                var question = $"Send this bundle ({Format.Bytes(bundle.Size)}, {bundle.Manifest.Files.Count} file(s)) "
                    + (plan.Destination == Destination.Upload ? $"to {plan.Server}?" : "to the local archive? Nothing leaves this machine.");
                if (!console.Confirm(Markup.Escape(question), defaultValue: false))
                {
                    cli.Host.Stderr.WriteLine("custodian: nothing was sent or written");
                    return ExitCodes.Failure;
                }
            }

            if (plan.Destination == Destination.Upload)
            {
                var receipt = await UploadAsync(decisions, plan, bundle, cancellationToken);
                if (request.Json) cli.WriteJson(w => WriteResult(w, plan, bundle, receipt, null));
                else
                {
                    cli.Host.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Sent feedback bundle {receipt.Id} ({Format.Bytes(bundle.Size)}, {bundle.Manifest.SessionIds.Count} session(s), {bundle.Manifest.Redactions.Total} secret(s) redacted) to {plan.Server}."));
                    if (receipt.Retention is not null) cli.Host.Stdout.WriteLine($"The server keeps it for {receipt.Retention} ({receipt.RetentionRule}).");
                }

                return ExitCodes.Success;
            }

            var path = bundle.Commit();
            if (request.Json) cli.WriteJson(w => WriteResult(w, plan, bundle, null, path));
            else
            {
                cli.Host.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Wrote {path} ({Format.Bytes(bundle.Size)}, {bundle.Manifest.SessionIds.Count} session(s), {bundle.Manifest.Redactions.Total} secret(s) redacted)."));
                cli.Host.Stdout.WriteLine($"Nothing left this machine ({plan.Rule}: {plan.Because}).");
            }

            return ExitCodes.Success;
        }
    }

    private static IAnsiConsole StderrConsole(CliHost host) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(host.Stderr),
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Detect,
    });

    private static string MostRecentSession(CustodianCli cli, ClaudeLayout layout, SettingsOptions settings, ParseResult parse)
    {
        var directory = parse.GetValue(settings.Project) is { } p ? Path.GetFullPath(p, cli.Host.CurrentDirectory) : cli.Host.CurrentDirectory;
        return new SessionCatalog(layout).MostRecentIn(directory)?.SessionId
            ?? throw new OperationFailedException($"no session in {directory} to send; name one with --session ID");
    }

    private static async Task<UploadReceipt> UploadAsync(PolicyDecisions decisions, DeliveryPlan plan, PendingBundle bundle, CancellationToken cancellationToken)
    {
        using var gate = new EgressGate(FlowCatalog.Evaluate(decisions), new SocketsHttpHandler());
        using var uploader = new BundleUploader(gate, plan.Server!);
        try
        {
            return await uploader.UploadAsync(bundle, cancellationToken);
        }
        catch (EgressRefusedException e)
        {
            throw new OperationFailedException(e.Message);
        }
        catch (BundleUploadException e)
        {
            throw new OperationFailedException(e.Message + "; nothing was kept locally");
        }
        catch (HttpRequestException e)
        {
            throw new OperationFailedException($"could not reach {plan.Server}: {e.Message}; nothing was sent or kept");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OperationFailedException($"the upload to {plan.Server} timed out; nothing was kept locally");
        }
    }

    private static void Preview(IAnsiConsole console, PendingBundle bundle, DeliveryPlan plan, string archive)
    {
        var m = bundle.Manifest;
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Feedback bundle: {m.SessionIds.Count} session(s) (scope {m.Scope.ToWireName()}), {m.Files.Count} file(s), {Format.Bytes(m.TotalSize)} after redaction, {Format.Bytes(bundle.Size)} compressed")));
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("File");
        table.AddColumn(new TableColumn("Size").RightAligned());
        table.AddColumn("Redacted");
        foreach (var f in m.Files)
        {
            table.AddRow(Markup.Escape(f.Path), Format.Bytes(f.Size), Markup.Escape(Counts(f.Redactions)));
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape("Redacted in total: " + Counts(m.Redactions) + ". Source code and file contents go as they are."));
        console.MarkupLine(Markup.Escape(plan.Destination == Destination.Upload
            ? $"Destination: upload to {plan.Server} ({plan.Rule}: {plan.Because})"
            : $"Destination: local archive {archive} — nothing leaves this machine ({plan.Rule}: {plan.Because})"));
    }

    private static string Counts(RedactionReport report) =>
        report.IsEmpty ? "nothing" : string.Join(", ", report.Counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));

    private static void WriteRefusal(Utf8JsonWriter w, DeliveryPlan plan)
    {
        w.WriteStartObject();
        w.WriteString("result", "refused");
        w.WriteString("destination", plan.Destination.ToWireName());
        w.WriteString("rule", plan.Rule);
        w.WriteString("because", plan.Because);
        w.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter w, DeliveryPlan plan, PendingBundle bundle, UploadReceipt? receipt, string? path)
    {
        var m = bundle.Manifest;
        w.WriteStartObject();
        w.WriteString("result", receipt is null ? "archived" : "uploaded");
        w.WriteString("destination", plan.Destination.ToWireName());
        w.WriteString("rule", plan.Rule);
        w.WriteString("because", plan.Because);
        if (path is not null) w.WriteString("path", path);
        if (receipt is not null)
        {
            w.WriteString("server", plan.Server!.ToString());
            w.WriteString("serverId", receipt.Id);
            w.WriteString("retention", receipt.Retention);
            w.WriteBoolean("trainingEligible", receipt.TrainingEligible);
        }

        w.WriteString("kind", m.Kind.ToWireName());
        w.WriteString("scope", m.Scope.ToWireName());
        w.WriteStartArray("sessionIds");
        foreach (var id in m.SessionIds) w.WriteStringValue(id);
        w.WriteEndArray();
        w.WriteNumber("bundleBytes", bundle.Size);
        w.WriteNumber("contentBytes", m.TotalSize);
        w.WriteStartArray("files");
        foreach (var f in m.Files)
        {
            w.WriteStartObject();
            w.WriteString("path", f.Path);
            w.WriteNumber("size", f.Size);
            w.WriteString("sha256", f.Sha256);
            w.WriteNumber("redacted", f.Redactions.Total);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName("redactions");
        m.Redactions.WriteJson(w);
        w.WriteEndObject();
    }
}
