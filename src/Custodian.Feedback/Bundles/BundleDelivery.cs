using Custodian.Policy;

namespace Custodian.Feedback.Bundles;

/// <summary>Where a bundle goes, and the rule that decided it.</summary>
/// <param name="Destination"><see cref="Destination.Upload"/>, <see cref="Destination.LocalArchive"/>, or <see cref="Destination.None"/> when refused.</param>
/// <param name="Rule">The spec ID of the deciding rule.</param>
/// <param name="Because">The input that caused it, for people.</param>
/// <param name="Server">The server to upload to, for <see cref="Destination.Upload"/>.</param>
public sealed record DeliveryPlan(Destination Destination, string Rule, string Because, ServerEndpoint? Server)
{
    /// <summary>True when the policy refuses the bundle altogether.</summary>
    public bool Refused => Destination == Destination.None;
}

/// <summary>
/// Decides where a bundle goes from the policy (FBK-1..3 for <c>/feedback</c>, SHR-3/SHR-4 and CUS-1 for a transcript
/// share) and from whether the client has a server to upload to at all.
/// </summary>
public static class BundleDelivery
{
    /// <summary>Why an upload the policy allows still stays local: the client has no server credentials.</summary>
    public const string NoEndpointBecause =
        "no Custodian server credentials: " + ServerEndpoint.UrlVariable + " and " + ServerEndpoint.KeyVariable + " are not both set";

    /// <summary>
    /// The plan for a bundle of <paramref name="kind"/> under <paramref name="decisions"/>. When the policy says upload
    /// but <paramref name="server"/> is null, the bundle goes to the local archive: without a server URL and key the
    /// client holds no server credentials, which is FBK-3's (and, for shares, CUS-1's) case (CUS-20).
    /// </summary>
    public static DeliveryPlan Plan(PolicyDecisions decisions, BundleKind kind, ServerEndpoint? server)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var (enabled, destination, fallbackRule) = kind == BundleKind.Feedback
            ? (decisions.FeedbackCommand.Enabled, decisions.FeedbackCommand.Destination, "FBK-3")
            : (decisions.TranscriptShare.Offered, decisions.TranscriptShare.Destination, "CUS-1");
        if (!enabled.Value) return new DeliveryPlan(Destination.None, enabled.Rule, enabled.Because, null);
        return destination.Value switch
        {
            Destination.Upload when server is null => new DeliveryPlan(Destination.LocalArchive, fallbackRule, NoEndpointBecause, null),
            Destination.Upload => new DeliveryPlan(Destination.Upload, destination.Rule, destination.Because, server),
            Destination.LocalArchive => new DeliveryPlan(Destination.LocalArchive, destination.Rule, destination.Because, null),
            _ => new DeliveryPlan(Destination.None, destination.Rule, destination.Because, null),
        };
    }
}
