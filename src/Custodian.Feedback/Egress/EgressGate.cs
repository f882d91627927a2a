namespace Custodian.Feedback.Egress;

/// <summary>A request the egress gate refused, naming the flow and the rule that turned it off.</summary>
public sealed class EgressRefusedException : HttpRequestException
{
    /// <summary>Creates the refusal.</summary>
    public EgressRefusedException(Flow? flow, string rule, string message)
        : base(message)
    {
        Flow = flow;
        Rule = rule;
    }

    /// <summary>Creates a refusal with a message only.</summary>
    public EgressRefusedException(string message)
        : this(null, "FLW-5", message)
    {
    }

    /// <summary>Creates a refusal with a message and an inner exception.</summary>
    public EgressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Rule = "FLW-5";
    }

    /// <summary>Creates a refusal.</summary>
    public EgressRefusedException()
        : this("refused by the egress gate")
    {
    }

    /// <summary>The refused flow; null for an untagged request.</summary>
    public Flow? Flow { get; }

    /// <summary>The spec ID of the rule that refused it.</summary>
    public string Rule { get; } = "FLW-5";
}

/// <summary>
/// The one <see cref="HttpMessageHandler"/> every client HTTP call passes (FLW-5). Each request must be tagged
/// with its <see cref="Flow"/>; an untagged request, or one whose flow the policy turned off, is refused before
/// a byte leaves the machine, so no code path can leak around the switches.
/// </summary>
public sealed class EgressGate : DelegatingHandler
{
    /// <summary>The request option that carries a request's flow.</summary>
    public static readonly HttpRequestOptionsKey<Flow> FlowKey = new("custodian.flow");

    private readonly Dictionary<Flow, FlowState> _flows;

    /// <summary>A gate over <paramref name="flows"/> (from <see cref="FlowCatalog.Evaluate"/>), sending allowed requests to <paramref name="inner"/>.</summary>
    public EgressGate(IReadOnlyList<FlowState> flows, HttpMessageHandler inner)
        : base(inner)
    {
        ArgumentNullException.ThrowIfNull(flows);
        _flows = flows.ToDictionary(f => f.Flow);
    }

    /// <summary>Tags a request with its flow.</summary>
    public static HttpRequestMessage Tag(HttpRequestMessage request, Flow flow)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(FlowKey, flow);
        return request;
    }

    /// <summary>Checks a flow without sending anything: null when allowed, else the refusal.</summary>
    public EgressRefusedException? Check(Flow flow)
    {
        if (!_flows.TryGetValue(flow, out var state))
            return new EgressRefusedException(flow, "FLW-5", $"refused: the flow {flow} is unknown to the egress gate");
        if (state.Enabled.Value) return null;
        return new EgressRefusedException(flow, state.Enabled.Rule,
            $"refused: {state.Label} to the {state.Destination.ToLowerInvariant()} is turned off ({state.Enabled.Rule}: {state.Enabled.Because})");
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(FlowKey, out var flow))
            throw new EgressRefusedException(null, "FLW-5", $"refused: {request.Method} {request.RequestUri} names no flow; every client request must (FLW-5)");
        if (Check(flow) is { } refusal) throw refusal;
        return base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(FlowKey, out var flow))
            throw new EgressRefusedException(null, "FLW-5", $"refused: {request.Method} {request.RequestUri} names no flow; every client request must (FLW-5)");
        if (Check(flow) is { } refusal) throw refusal;
        return base.Send(request, cancellationToken);
    }
}
