using Custodian.Policy;

namespace Custodian.Feedback.Survey;

/// <summary>One file of a transcript share as the person is shown it before confirming (SHR-6).</summary>
/// <param name="Name">Its path inside the bundle, e.g. <c>transcripts/&lt;id&gt;.jsonl</c>.</param>
/// <param name="Bytes">Its size after redaction.</param>
/// <param name="Redactions">How many secrets were replaced in it.</param>
public sealed record ShareFile(string Name, long Bytes, long Redactions);

/// <summary>
/// Exactly what a Yes would send (SHR-3) or write (SHR-4): the files, their sizes, the redactions and where it
/// goes. <see cref="Payload"/> is the prepared bundle itself, so what is delivered is what was shown.
/// </summary>
/// <param name="SessionId">The session shared.</param>
/// <param name="Destination">Upload or local archive.</param>
/// <param name="Where">Where it goes, in words: the server's address or the archive folder.</param>
/// <param name="Files">The files, in bundle order.</param>
/// <param name="PayloadBytes">The exact size of what is sent or written (the compressed bundle).</param>
/// <param name="RedactionsByRule">Secrets replaced, per redaction rule.</param>
/// <param name="Payload">The prepared payload, opaque to the survey; handed back to <see cref="ITranscriptShare.DeliverAsync"/>.</param>
public sealed record SharePreview(
    string SessionId,
    Destination Destination,
    string Where,
    IReadOnlyList<ShareFile> Files,
    long PayloadBytes,
    IReadOnlyDictionary<string, long> RedactionsByRule,
    object? Payload)
{
    /// <summary>The files' total size before compression.</summary>
    public long FileBytes => Files.Sum(f => f.Bytes);

    /// <summary>All secrets replaced.</summary>
    public long TotalRedactions => RedactionsByRule.Values.Sum();
}

/// <summary>Where a delivered share ended up.</summary>
/// <param name="Destination">Upload or local archive.</param>
/// <param name="Location">The server's id for the upload, or the archive's path.</param>
public sealed record ShareReceipt(Destination Destination, string Location);

/// <summary>
/// The transcript-share step of the follow-up (SHR-3, SHR-4). The survey only asks; the bundle (its format,
/// redaction and delivery) belongs to the feedback bundles, so there is one bundle format in Custodian.
/// </summary>
public interface ITranscriptShare
{
    /// <summary>Builds the redacted payload for <paramref name="sessionId"/> without sending or writing anything.</summary>
    Task<SharePreview> PrepareAsync(string sessionId, Destination destination, CancellationToken cancellationToken);

    /// <summary>Sends or writes exactly <paramref name="preview"/>'s payload. Called only after the person confirmed it.</summary>
    Task<ShareReceipt> DeliverAsync(SharePreview preview, CancellationToken cancellationToken);
}
