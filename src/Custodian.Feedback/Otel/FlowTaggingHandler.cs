using Custodian.Feedback.Egress;

namespace Custodian.Feedback.Otel;

/// <summary>
/// Tags every request of its client with one <see cref="Flow"/> before the <see cref="EgressGate"/> sees it. For
/// clients whose requests Custodian does not build itself (the OpenTelemetry exporter's), so they still pass the
/// gate under their own flow rather than being refused as untagged or, worse, sent around it.
/// </summary>
public sealed class FlowTaggingHandler : DelegatingHandler
{
    private readonly Flow _flow;

    /// <summary>Tags with <paramref name="flow"/> and passes on to <paramref name="gate"/>.</summary>
    public FlowTaggingHandler(Flow flow, EgressGate gate)
        : base(gate)
    {
        _flow = flow;
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(EgressGate.Tag(request, _flow), cancellationToken);

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.Send(EgressGate.Tag(request, _flow), cancellationToken);
}
