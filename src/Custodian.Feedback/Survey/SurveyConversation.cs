using System.Globalization;
using Custodian.Policy;

namespace Custodian.Feedback.Survey;

/// <summary>Applies a <see cref="SurveyMachine"/>'s effects to the world and prepares share previews.</summary>
public interface ISurveyWorld
{
    /// <summary>Applies one effect; returns a line telling the person what happened, or null.</summary>
    Task<string?> ApplyAsync(SurveyEffect effect, CancellationToken cancellationToken);

    /// <summary>Prepares, without sending, what a share of <paramref name="sessionId"/> would send (SHR-6).</summary>
    Task<SharePreview> PrepareShareAsync(string sessionId, Destination destination, CancellationToken cancellationToken);
}

/// <summary>How a conversation ended: the final state and every effect applied, in order.</summary>
/// <param name="Final">The final state: <see cref="SurveySkipped"/> or <see cref="SurveyFinished"/>.</param>
/// <param name="Applied">The effects applied.</param>
public sealed record SurveyRun(SurveyStep Final, IReadOnlyList<SurveyEffect> Applied);

/// <summary>
/// Runs the <see cref="SurveyMachine"/> as a conversation over a line-oriented terminal: it shows each state,
/// reads whole lines (so the terminal's own line editing lets a person fix a typo before Enter), feeds them to the
/// machine and applies the effects it names. Plain text only, so it reads the same in a terminal, a pipe and a test.
/// </summary>
public sealed class SurveyConversation
{
    private readonly SurveyMachine _machine;
    private readonly ISurveyWorld _world;
    private readonly TextReader _input;
    private readonly TextWriter _screen;

    /// <summary>A conversation reading <paramref name="input"/> and writing to <paramref name="screen"/>.</summary>
    public SurveyConversation(SurveyMachine machine, ISurveyWorld world, TextReader input, TextWriter screen)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(screen);
        _machine = machine;
        _world = world;
        _input = input;
        _screen = screen;
    }

    /// <summary>Runs one survey for <paramref name="session"/> under <paramref name="policy"/>.</summary>
    public async Task<SurveyRun> RunAsync(PolicyDecisions policy, SurveyState state, SurveySession? session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(state);
        var applied = new List<SurveyEffect>();
        var transition = _machine.Begin(policy, state, session);
        await ApplyAsync(transition, applied, cancellationToken);
        if (transition.Next is SurveySkipped skipped)
        {
            WriteSkipped(skipped);
            return new SurveyRun(skipped, applied);
        }

        var step = transition.Next;
        Show(step);
        while (step is not SurveyFinished)
        {
            var line = await _input.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                _screen.WriteLine();
                transition = SurveyMachine.Abandon(step);
            }
            else
            {
                transition = step switch
                {
                    AwaitingRating rating => _machine.Rate(rating, line, state),
                    AwaitingFollowUp followUp => SurveyMachine.FollowUp(followUp, line),
                    AwaitingShareConfirmation confirmation => SurveyMachine.Confirm(confirmation, line),
                    _ => throw new InvalidOperationException("no input is expected in " + step.GetType().Name),
                };
            }

            if (transition.Rejected is { } rejected)
            {
                _screen.WriteLine($"  {Quote(line)} is {rejected}.");
                Prompt(step);
                continue;
            }

            var given = transition.Next switch { AwaitingFollowUp f => f.Rating, SurveyFinished f => f.Rating, _ => null };
            if (step is AwaitingRating && given is not null)
            {
                _screen.WriteLine($"Thanks: {(int)given.Rating} {given.Rating.Label()} recorded for session {given.SessionId}.");
            }

            await ApplyAsync(transition, applied, cancellationToken);
            step = transition.Next;
            if (step is PreparingShare preparing)
            {
                step = await PrepareAsync(preparing, cancellationToken);
            }

            Show(step);
        }

        return new SurveyRun(step, applied);
    }

    private async Task<SurveyStep> PrepareAsync(PreparingShare preparing, CancellationToken cancellationToken)
    {
        SharePreview preview;
        try
        {
            preview = await _world.PrepareShareAsync(preparing.Appearance.SessionId, preparing.Destination, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
        {
            _screen.WriteLine($"Could not prepare the transcript share: {e.Message.Split('\n')[0]}");
            return new SurveyFinished(SurveyEnd.ShareCancelled, preparing.Rating);
        }

        return SurveyMachine.Prepared(preparing, preview).Next;
    }

    private async Task ApplyAsync(SurveyTransition transition, List<SurveyEffect> applied, CancellationToken cancellationToken)
    {
        foreach (var effect in transition.Effects)
        {
            var note = await _world.ApplyAsync(effect, cancellationToken);
            applied.Add(effect);
            if (note is not null) _screen.WriteLine(note);
        }
    }

    private void WriteSkipped(SurveySkipped skipped)
    {
        var what = skipped.Reason switch
        {
            SkipReason.Disabled => "The survey is turned off",
            SkipReason.NoSession => "No survey",
            SkipReason.TooShort => "No survey yet",
            SkipReason.AlreadyDrawn => "No survey",
            _ => "No survey this time",
        };
        _screen.WriteLine($"{what} ({skipped.Rule}: {skipped.Because}).");
    }

    private void Show(SurveyStep step)
    {
        switch (step)
        {
            case AwaitingRating rating:
                _screen.WriteLine();
                _screen.WriteLine($"How is Claude doing this session?  (session {rating.Appearance.SessionId})");
                _screen.WriteLine("  1 Bad    2 Fine    3 Good    0 Dismiss");
                _screen.WriteLine("  Type the digit alone and press Enter; a digit inside a sentence is not an answer.");
                break;
            case AwaitingFollowUp:
                _screen.WriteLine();
                _screen.WriteLine("Can Anthropic look at your session transcript to help us improve Claude Code?");
                _screen.WriteLine("  y Yes    n No    d Don't ask again");
                _screen.WriteLine("  (Yes first shows exactly what would be sent and asks you to confirm; nothing is sent before that.)");
                break;
            case AwaitingShareConfirmation confirmation:
                ShowPreview(confirmation.Preview);
                break;
            case SurveyFinished finished:
                WriteFinished(finished);
                return;
            default:
                return;
        }

        Prompt(step);
    }

    private void Prompt(SurveyStep step)
    {
        _screen.Write(step switch
        {
            AwaitingRating => "rating> ",
            AwaitingFollowUp => "follow-up> ",
            AwaitingShareConfirmation => "confirm> ",
            _ => "> ",
        });
        _screen.Flush();
    }

    private void ShowPreview(SharePreview preview)
    {
        _screen.WriteLine();
        _screen.WriteLine(preview.Destination == Destination.Upload
            ? $"Yes would upload this to {preview.Where} (kept at most 6 months, never used for training):"
            : $"Yes would write this to {preview.Where} on this machine (nothing leaves it until you forward it):");
        var width = Math.Max(20, preview.Files.Select(f => f.Name.Length).DefaultIfEmpty(0).Max());
        foreach (var file in preview.Files)
        {
            _screen.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {file.Name.PadRight(width)}  {file.Bytes,12:N0} bytes  {file.Redactions,4} secret{(file.Redactions == 1 ? string.Empty : "s")} redacted"));
        }

        _screen.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {preview.Files.Count} file{(preview.Files.Count == 1 ? string.Empty : "s")}, {preview.FileBytes:N0} bytes; the bundle itself is {preview.PayloadBytes:N0} bytes."));
        if (preview.TotalRedactions > 0)
        {
            _screen.WriteLine("  Redacted: " + string.Join(", ", preview.RedactionsByRule.Where(r => r.Value > 0).OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value}"))));
        }
        else
        {
            _screen.WriteLine("  Redacted: no known API key or token patterns were found.");
        }

        _screen.WriteLine("  Source code and file contents in the transcript go as they are.");
        _screen.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"To {(preview.Destination == Destination.Upload ? "send" : "write")} exactly these {preview.PayloadBytes:N0} bytes, type {SurveyInput.ConfirmationWord} in full and press Enter. Anything else sends nothing."));
    }

    private void WriteFinished(SurveyFinished finished)
    {
        switch (finished.End)
        {
            case SurveyEnd.Abandoned:
                _screen.WriteLine("No answer; nothing was recorded.");
                break;
            case SurveyEnd.FollowUpNo:
            case SurveyEnd.ShareCancelled:
                _screen.WriteLine("Nothing was sent.");
                break;
            default:
                break;
        }
    }

    private static string Quote(string? line) => "\"" + (line ?? string.Empty).Trim() + "\"";
}
