using System.Globalization;
using Custodian.Feedback.Egress;
using Custodian.Policy;

namespace Custodian.Feedback.Dataflow;

/// <summary>What a node of the data-flow diagram stands for.</summary>
public enum DataflowNodeKind
{
    /// <summary>The client on the user's machine, where every flow starts.</summary>
    Client,
    /// <summary>A destination some flows go to.</summary>
    Destination,
}

/// <summary>One box of the diagram.</summary>
/// <param name="Id">A stable kebab-case id (<c>custodian-server</c>).</param>
/// <param name="Label">The box's text.</param>
/// <param name="Kind">Client or destination.</param>
/// <param name="Enabled">False for a destination that every one of its flows is turned off for (nothing reaches it).</param>
/// <param name="Detail">A second line under the label, or null: for Custodian's collector, the policy it applies at ingest (CUS-84).</param>
public sealed record DataflowNode(string Id, string Label, DataflowNodeKind Kind, bool Enabled, string? Detail = null);

/// <summary>One flow of the diagram: an arrow from the client to a destination (FLW-1, FLW-4).</summary>
/// <param name="Id">The flow's stable id (<see cref="FlowState.Id"/>).</param>
/// <param name="Label">A short label.</param>
/// <param name="From">The id of the node it starts at (always the client).</param>
/// <param name="To">The id of the destination node.</param>
/// <param name="Required">Required flows are drawn solid, optional or user-initiated ones dashed.</param>
/// <param name="Enabled">Whether the policy lets the flow open.</param>
/// <param name="Rule">The spec ID of the rule that decided <paramref name="Enabled"/>.</param>
/// <param name="Because">The input that made the rule decide so, in full.</param>
/// <param name="Switch">For a disabled flow, the switch that turned it off in a few words (<c>DO_NOT_TRACK=1</c>); null when enabled.</param>
public sealed record DataflowEdge(
    string Id, string Label, string From, string To, bool Required, bool Enabled, string Rule, string Because, string? Switch);

/// <summary>
/// The effective data-flow diagram for one policy context, independent of how it is drawn: the client, the
/// destinations, and one edge per flow with its state. Every renderer draws exactly this model, so the
/// formats cannot disagree about which flows exist or which are off.
/// </summary>
/// <param name="Title">The diagram's title.</param>
/// <param name="Caption">The context in a few words (<c>pro · anthropic</c>).</param>
/// <param name="Category">The terms in force (<c>consumer</c> or <c>commercial</c>).</param>
/// <param name="Provider">The provider (<c>anthropic</c>, <c>bedrock</c>, …).</param>
/// <param name="Plan">The account's plan when known (<c>pro</c>), else null.</param>
/// <param name="Nodes">The client first, then the destinations in <see cref="FlowCatalog.Destinations"/> order.</param>
/// <param name="Edges">One edge per flow, in the order of <see cref="FlowCatalog.Evaluate"/>.</param>
public sealed record DataflowDiagram(
    string Title,
    string Caption,
    string Category,
    string Provider,
    string? Plan,
    IReadOnlyList<DataflowNode> Nodes,
    IReadOnlyList<DataflowEdge> Edges)
{
    /// <summary>The id of the client node.</summary>
    public const string ClientId = "client";

    /// <summary>The client node's label.</summary>
    public const string ClientLabel = "Custodian client";

    /// <summary>The default title.</summary>
    public const string DefaultTitle = "Custodian data flows";

    /// <summary>The distinct <see cref="DataflowEdge.Switch"/> texts of the disabled flows, in edge order: why anything is grey, in one list.</summary>
    public IReadOnlyList<string> OffReasons =>
        Edges.Where(e => e.Switch is not null).Select(e => e.Switch!).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The diagram of <paramref name="flows"/> (from <see cref="FlowCatalog.Evaluate"/>) under <paramref name="decisions"/>.</summary>
    /// <param name="flows">Every flow with its state.</param>
    /// <param name="decisions">The decisions the flows were evaluated from; they give the caption's terms and provider.</param>
    /// <param name="plan">The account's plan, when known, for the caption.</param>
    /// <param name="gateway">Whether this is a gateway session, for the caption.</param>
    /// <param name="guard">The live guard's state on this machine in a few words (<c>guard: user scope</c>), for the caption.</param>
    public static DataflowDiagram Create(IReadOnlyList<FlowState> flows, PolicyDecisions decisions, Plan? plan = null, bool gateway = false, string? guard = null)
    {
        ArgumentNullException.ThrowIfNull(flows);
        ArgumentNullException.ThrowIfNull(decisions);

        var category = decisions.Category.Value.ToWireName();
        var provider = decisions.Provider.Value.ToWireName();
        var captionParts = new List<string> { plan?.ToWireName() ?? category, provider };
        // A plan whose terms the provider overrode (pro on Bedrock) would mislead on its own: say which terms apply.
        if (plan is { } p && PlanNames.CategoryOf(p) != decisions.Category.Value) captionParts.Add(category + " terms");
        if (gateway) captionParts.Add("gateway");
        if (guard is not null) captionParts.Add(guard);

        // Destinations in the catalog's order, then any the catalog does not list (so no flow is ever dropped).
        var destinations = FlowCatalog.Destinations.Where(d => flows.Any(f => f.Destination == d))
            .Concat(flows.Select(f => f.Destination).Where(d => !FlowCatalog.Destinations.Contains(d)))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var nodes = new List<DataflowNode>(destinations.Count + 1) { new(ClientId, ClientLabel, DataflowNodeKind.Client, true) };
        nodes.AddRange(destinations.Select(d => new DataflowNode(
            NodeId(d), d, DataflowNodeKind.Destination, flows.Any(f => f.Destination == d && f.Enabled.Value), FlowCatalog.DetailOf(d))));

        var edges = flows.Select(f => new DataflowEdge(
            f.Id,
            f.Label,
            ClientId,
            NodeId(f.Destination),
            f.Required,
            f.Enabled.Value,
            f.Enabled.Rule,
            f.Enabled.Because,
            f.Enabled.Value ? null : ShortSwitch(f.Enabled.Because))).ToList();

        return new DataflowDiagram(DefaultTitle, string.Join(" · ", captionParts), category, provider, plan?.ToWireName(), nodes, edges);
    }

    /// <summary>The node id of a destination: its name in kebab case (<c>Custodian server</c> → <c>custodian-server</c>).</summary>
    public static string NodeId(string destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var chars = destination.Trim().ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var id = new string(chars);
        while (id.Contains("--", StringComparison.Ordinal)) id = id.Replace("--", "-", StringComparison.Ordinal);
        return id.Trim('-');
    }

    /// <summary>
    /// The switch behind a decision in a few words, for labels: <c>DO_NOT_TRACK=1 (from /etc/…)</c> →
    /// <c>DO_NOT_TRACK=1</c>; <c>skipWebFetchPreflight=true in ~/.claude/settings.json</c> →
    /// <c>skipWebFetchPreflight=true</c>; a fixed reason <c>gateway session: never sent, …</c> → <c>gateway session</c>.
    /// The full text stays in <see cref="DataflowEdge.Because"/>.
    /// </summary>
    public static string ShortSwitch(string because)
    {
        ArgumentNullException.ThrowIfNull(because);
        var text = because.Trim();
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && IsIdentifier(text.AsSpan(0, eq)))
        {
            // Environment evidence names its source as " (from …)", settings evidence as " in …".
            var cut = text.IndexOf(" (from ", eq, StringComparison.Ordinal);
            if (cut < 0 && char.IsAsciiLetterLower(text[0])) cut = text.IndexOf(" in ", eq, StringComparison.Ordinal);
            return Clip(cut < 0 ? text : text[..cut]);
        }

        // The engine's fixed reasons read "what: why"; the part before the colon is what a user switched.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var head = colon > 0 ? text[..colon] : text;
        if (head.StartsWith("the ", StringComparison.OrdinalIgnoreCase)) head = head[4..];
        return Clip(head);
    }

    private static bool IsIdentifier(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_')) return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        }

        return true;
    }

    // A switch value can be arbitrarily long (an env var is free text); labels must stay one short line.
    private static string Clip(string text) =>
        text.Length <= MaxSwitchLength ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..(MaxSwitchLength - 1)]}…");

    private const int MaxSwitchLength = 64;
}
