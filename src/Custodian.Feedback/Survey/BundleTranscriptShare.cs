using Custodian.Feedback.Bundles;
using Custodian.Feedback.Egress;
using Custodian.Policy;

namespace Custodian.Feedback.Survey;

/// <summary>
/// The follow-up's Yes over the feedback bundles (SHR-3, SHR-4): a <see cref="BundleKind.TranscriptShare"/> bundle of
/// the session (its transcript, subagent transcripts and raw log, redacted), built completely before anything is
/// shown, so the preview's sizes are those of the very file that is sent. Delivery uploads it through the egress
/// gate or commits it into <c>&lt;config-dir&gt;/feedback-bundles/</c>; a bundle never delivered is removed on dispose.
/// </summary>
public sealed class BundleTranscriptShare : ITranscriptShare, IDisposable
{
    private readonly string _configDir;
    private readonly TimeProvider _time;
    private readonly EgressGate? _gate;
    private readonly ServerEndpoint? _server;
    private readonly List<PendingBundle> _pending = [];

    /// <summary>A share for sessions under <paramref name="configDir"/>.</summary>
    /// <param name="configDir">The config dir.</param>
    /// <param name="time">The clock.</param>
    /// <param name="gate">The egress gate uploads pass; null when nothing may be uploaded.</param>
    /// <param name="server">The server to upload to; null when there is none.</param>
    public BundleTranscriptShare(string configDir, TimeProvider time, EgressGate? gate, ServerEndpoint? server)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDir);
        ArgumentNullException.ThrowIfNull(time);
        _configDir = configDir;
        _time = time;
        _gate = gate;
        _server = server;
    }

    /// <inheritdoc />
    public async Task<SharePreview> PrepareAsync(string sessionId, Destination destination, CancellationToken cancellationToken)
    {
        if (destination == Destination.Upload && (_gate is null || _server is null))
            throw new InvalidOperationException("an upload needs a Custodian server and the egress gate");
        if (destination is not (Destination.Upload or Destination.LocalArchive))
            throw new InvalidOperationException("a share goes to the server or the local archive");

        PendingBundle bundle;
        try
        {
            bundle = await new BundleBuilder()
                .WithConfigDir(_configDir)
                .WithSession(sessionId)
                .WithKind(BundleKind.TranscriptShare)
                .WithScope(BundleScope.Session)
                .WithTimeProvider(_time)
                .BuildAsync(cancellationToken);
        }
        catch (BundleException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }

        _pending.Add(bundle);
        var manifest = bundle.Manifest;
        var files = manifest.Files.Select(f => new ShareFile(f.Path, f.Size, f.Redactions.Counts.Values.Sum())).ToList();
        var where = destination == Destination.Upload ? $"the Custodian server at {_server}" : bundle.Directory;
        return new SharePreview(sessionId, destination, where, files, bundle.Size, manifest.Redactions.Counts, bundle);
    }

    /// <inheritdoc />
    public async Task<ShareReceipt> DeliverAsync(SharePreview preview, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preview);
        if (preview.Payload is not PendingBundle bundle || !_pending.Contains(bundle))
            throw new InvalidOperationException("the preview was not prepared by this share");
        if (preview.Destination == Destination.LocalArchive)
            return new ShareReceipt(Destination.LocalArchive, bundle.Commit());

        using var uploader = new BundleUploader(_gate!, _server!);
        var receipt = await uploader.UploadAsync(bundle, cancellationToken);
        return new ShareReceipt(Destination.Upload, $"transcript share {receipt.Id}, kept {receipt.Retention ?? "per the server's policy"}");
    }

    /// <summary>Removes every prepared bundle that was not committed to the local archive.</summary>
    public void Dispose()
    {
        foreach (var bundle in _pending) bundle.Dispose();
        _pending.Clear();
    }
}
