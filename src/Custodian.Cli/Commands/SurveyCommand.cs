using System.CommandLine;
using System.Text.Json;
using Custodian.Feedback.Bundles;
using Custodian.Feedback.Egress;
using Custodian.Feedback.Otel;
using Custodian.Feedback.Survey;
using Custodian.Policy;
using Custodian.Policy.Account;
using Custodian.Sessions;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian survey [--session ID]</c>: the session quality survey and its transcript-share follow-up in the
/// terminal (SRV, SHR; docs/survey.md). Answers are whole lines: a digit alone is a rating, a digit in a sentence
/// is not; a share leaves only after <c>yes</c> is typed in full below the exact payload. There is deliberately
/// no flag that answers or confirms on the person's behalf.
/// </summary>
internal static class SurveyCommand
{
    private static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    public static Command Create(CustodianCli cli)
    {
        var session = new Option<string?>("--session")
        {
            Description = "The session to ask about (default: the most recent session of the project directory)",
            HelpName = "ID",
        };
        var settings = new SettingsOptions();
        var command = new Command("survey", "How is Claude doing this session? Rate it, and choose whether to share its transcript");
        command.Options.Add(session);
        settings.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(cli, parse, settings, parse.GetValue(session), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CustodianCli cli, ParseResult parse, SettingsOptions settings, string? sessionId, CancellationToken cancellationToken)
    {
        var host = cli.Host;
        var configDir = cli.ConfigDir(parse);
        var json = cli.Json(parse);
        var resolved = settings.Resolve(cli, parse);
        var environment = resolved.EnvironmentVariables();
        var account = LocalAccount.Read(configDir, environment);
        foreach (var warning in account.Warnings) cli.Warn(warning);
        var context = MachineContext.Build(resolved, account);
        var decisions = Decide(context);

        var store = new SurveyStateStore(configDir);
        var state = store.Load(out var stateWarning);
        if (stateWarning is not null) cli.Warn(stateWarning);

        var server = ServerEndpoint.FromEnvironment(environment, out var serverError);
        if (serverError is not null) cli.Warn(serverError);
        var flows = FlowCatalog.Evaluate(decisions);
        using var gate = new EgressGate(flows, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
        using var http = new HttpClient(gate, disposeHandler: false) { Timeout = ServerTimeout };
        var serverClient = server is null ? null : new SurveyServerClient(http, server);

        // SRV-2: without a rate in settings, the rate the server publishes; refreshed here because ratings go to that
        // server anyway, cached in state.json for when it cannot be reached.
        if (decisions.Survey.Enabled.Value && decisions.Survey.Sink.Value == SurveySink.Server && serverClient is not null
            && context.Settings.FeedbackSurveyRate is null)
        {
            var published = await TryFetchRateAsync(serverClient, cancellationToken);
            if (published is { } rate && rate != context.PublishedSurveyRate)
            {
                store.SetPublishedRate(rate);
                context = context with { PublishedSurveyRate = rate };
                decisions = Decide(context);
            }
        }

        var session = FindSession(configDir, sessionId, ProjectDirectory(cli, settings, parse));

        // Where a Yes would go: the policy's destination, kept on the machine when there is no server to upload to.
        var plan = BundleDelivery.Plan(decisions, BundleKind.TranscriptShare, server);
        decisions = decisions with
        {
            TranscriptShare = decisions.TranscriptShare with { Destination = new Decision<Destination>(plan.Destination, plan.Rule, plan.Because) },
        };

        using var telemetry = decisions.Survey.Enabled.Value && decisions.Survey.Sink.Value == SurveySink.Otel
            ? SurveyTelemetry.Create(environment, flows)
            : null;
        using var share = decisions.TranscriptShare.Offered.Value ? new BundleTranscriptShare(configDir, host.TimeProvider, gate, server) : null;
        var world = new SurveyWorld(store, new LocalRatingLog(configDir), serverClient, telemetry, share);
        var screen = json ? host.Stderr : host.Stdout;
        var machine = new SurveyMachine(SystemRandomSource.Instance, host.TimeProvider);
        SurveyRun run;
        try
        {
            run = await new SurveyConversation(machine, world, host.Stdin, screen).RunAsync(decisions, state, session, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new OperationFailedException("could not send: " + e.Message);
        }
        catch (BundleUploadException e)
        {
            throw new OperationFailedException("could not upload the transcript share: " + e.Message);
        }
        finally
        {
            // Queued OpenTelemetry events leave before the process does.
            if (telemetry is not null && !telemetry.Flush(FlushTimeout)) cli.Warn($"the OpenTelemetry collector ({telemetry.Endpoint}) did not take every survey event");
        }

        if (json) cli.WriteJson(w => WriteResult(w, run, decisions));
        return ExitCodes.Success;
    }

    private static PolicyDecisions Decide(PolicyContext context)
    {
        var outcome = PolicyEngine.Evaluate(context);
        return outcome.Decisions ?? throw new UsageException(outcome.Error!.ToString());
    }

    private static async Task<double?> TryFetchRateAsync(SurveyServerClient client, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConfigTimeout);
        try
        {
            return await client.GetPublishedRateAsync(timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The cached rate (or the built-in one) stands: the survey never fails over its rate.
            return null;
        }
    }

    private static string ProjectDirectory(CustodianCli cli, SettingsOptions settings, ParseResult parse) =>
        parse.GetValue(settings.Project) is { } project ? Path.GetFullPath(project, cli.Host.CurrentDirectory) : cli.Host.CurrentDirectory;

    private static SurveySession? FindSession(string configDir, string? sessionId, string projectDirectory)
    {
        var catalog = new SessionCatalog(new ClaudeLayout(configDir));
        SessionInfo? info;
        if (sessionId is not null)
        {
            info = catalog.Find(sessionId) ?? throw new UsageException($"--session: no session '{sessionId}' under {Path.Combine(configDir, "projects")}");
        }
        else
        {
            info = catalog.MostRecentIn(projectDirectory);
        }

        // Without its transcript (CUS-28) a session has no prompts of the person to count.
        return info is null ? null : new SurveySession(info.SessionId, info.HasTranscript ? SurveyEligibility.CountUserTurns(info.TranscriptPath) : 0);
    }

    private static void WriteResult(Utf8JsonWriter w, SurveyRun run, PolicyDecisions decisions)
    {
        w.WriteStartObject();
        switch (run.Final)
        {
            case SurveySkipped skipped:
                w.WriteString("result", "skipped");
                w.WriteString("reason", skipped.Reason switch
                {
                    SkipReason.Disabled => "disabled",
                    SkipReason.NoSession => "no-session",
                    SkipReason.TooShort => "too-short",
                    SkipReason.AlreadyDrawn => "already-drawn",
                    _ => "not-sampled",
                });
                w.WriteString("rule", skipped.Rule);
                w.WriteString("because", skipped.Because);
                break;
            case SurveyFinished finished:
                w.WriteString("result", finished.End switch
                {
                    SurveyEnd.Abandoned => "abandoned",
                    SurveyEnd.FollowUpNo => "rated-follow-up-no",
                    SurveyEnd.FollowUpDontAskAgain => "rated-follow-up-dont-ask-again",
                    SurveyEnd.ShareCancelled => "rated-share-cancelled",
                    SurveyEnd.Shared => "rated-shared",
                    _ => "rated",
                });
                if (finished.Rating is { } rating)
                {
                    w.WriteString("sessionId", rating.SessionId);
                    w.WriteString("appearanceId", rating.AppearanceId);
                    w.WriteNumber("rating", (int)rating.Rating);
                    w.WriteString("sink", decisions.Survey.Sink.Value.ToWireName());
                }

                break;
        }

        w.WriteEndObject();
    }
}
