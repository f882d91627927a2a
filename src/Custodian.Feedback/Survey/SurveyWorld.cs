using Custodian.Feedback.Bundles;
using Custodian.Feedback.Otel;
using Custodian.Policy;

namespace Custodian.Feedback.Survey;

/// <summary>
/// The real world of the survey: the state file, the local rating log, the server (through the egress gate), the
/// OpenTelemetry collector (override mode only) and the transcript share.
/// </summary>
public sealed class SurveyWorld : ISurveyWorld
{
    private readonly SurveyStateStore _state;
    private readonly LocalRatingLog _localLog;
    private readonly SurveyServerClient? _server;
    private readonly SurveyTelemetry? _telemetry;
    private readonly ITranscriptShare? _share;

    /// <summary>Creates the world.</summary>
    /// <param name="state">The persisted state.</param>
    /// <param name="localLog">Where ratings with sink <c>none</c> are kept.</param>
    /// <param name="server">The server, when one is configured.</param>
    /// <param name="telemetry">The collector's exporter: only in OTel-override mode.</param>
    /// <param name="share">The transcript share, when available.</param>
    public SurveyWorld(SurveyStateStore state, LocalRatingLog localLog, SurveyServerClient? server, SurveyTelemetry? telemetry, ITranscriptShare? share)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(localLog);
        _state = state;
        _localLog = localLog;
        _server = server;
        _telemetry = telemetry;
        _share = share;
    }

    /// <inheritdoc />
    public async Task<string?> ApplyAsync(SurveyEffect effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(effect);
        switch (effect)
        {
            case RecordDraw draw:
                _state.RecordDraw(draw.SessionId);
                return null;
            case RecordAppearance appearance:
                _state.RecordAppearance(appearance.Appearance);
                return null;
            case RecordRating { Sink: SurveySink.Server } rating when _server is not null:
                await _server.PostRatingAsync(rating.Rating, cancellationToken);
                return $"Sent to the Custodian server at {_server.Server.BaseAddress}: the rating, the session id and the time, nothing else.";
            case RecordRating { Sink: SurveySink.Server } rating:
                _localLog.Append(rating.Rating);
                return $"No Custodian server is configured ({ServerEndpoint.UrlVariable}, {ServerEndpoint.KeyVariable}): kept on this machine in {_localLog.Path}";
            case RecordRating rating:
                _localLog.Append(rating.Rating);
                return $"Kept only on this machine (SRV-5): {_localLog.Path}";
            case EmitSurveyEvent emit:
                if (_telemetry is null) throw new InvalidOperationException("an OpenTelemetry event without an exporter");
                _telemetry.Emit(emit.Event);
                if (emit.Event.Type != SurveyEventType.Responded) return null;
                return _telemetry.DisabledBecause is { } off
                    ? $"Not exported ({off}); nothing was sent anywhere else either (SRV-4)."
                    : $"Sent to your OpenTelemetry collector only ({_telemetry.Endpoint}) as event feedback_survey (SRV-4).";
            case PersistDontAskAgain:
                _state.SetDontAskAgain();
                return "Nothing was sent, and you won't be asked to share a transcript again.";
            case DeliverShare deliver:
                if (_share is null) throw new InvalidOperationException("a share delivery without a transcript share");
                var receipt = await _share.DeliverAsync(deliver.Preview, cancellationToken);
                return receipt.Destination == Destination.Upload
                    ? $"Uploaded ({receipt.Location})."
                    : $"Written to {receipt.Location}; nothing left this machine.";
            default:
                throw new ArgumentException("unknown effect " + effect.GetType().Name, nameof(effect));
        }
    }

    /// <inheritdoc />
    public Task<SharePreview> PrepareShareAsync(string sessionId, Destination destination, CancellationToken cancellationToken) =>
        _share is null
            ? throw new InvalidOperationException("transcript sharing is not available in this build")
            : _share.PrepareAsync(sessionId, destination, cancellationToken);
}
