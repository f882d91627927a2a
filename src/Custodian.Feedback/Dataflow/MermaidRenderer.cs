using System.Globalization;
using System.Text;

namespace Custodian.Feedback.Dataflow;

/// <summary>
/// Draws a <see cref="DataflowDiagram"/> as a Mermaid <c>flowchart LR</c>: required flows solid (<c>--&gt;</c>),
/// optional ones dashed (<c>-.-&gt;</c>), disabled ones greyed by <c>linkStyle</c> with the switch that turned
/// them off in the label, and destinations that nothing reaches greyed by a <c>classDef</c>.
/// </summary>
public static class MermaidRenderer
{
    /// <summary>The Mermaid source, ending with a newline.</summary>
    public static string Render(DataflowDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        var s = new StringBuilder();
        // Front matter carries the title: Mermaid shows it above the chart, and it stays out of the graph.
        s.Append("---\ntitle: \"").Append(YamlEscape(diagram.Title + " · " + diagram.Caption)).Append("\"\n---\n");
        s.Append("flowchart LR\n");
        s.Append("    %% Effective data flows (FLW-1, FLW-4): required solid, optional dashed, off greyed with its switch.\n");
        foreach (var node in diagram.Nodes)
        {
            s.Append("    ").Append(Id(node.Id)).Append("[\"").Append(LabelEscape(node.Label));
            if (node.Detail is { } detail) s.Append("<br/><small>").Append(LabelEscape(detail)).Append("</small>");
            s.Append("\"]\n");
        }

        var disabledLinks = new List<int>();
        for (var i = 0; i < diagram.Edges.Count; i++)
        {
            var edge = diagram.Edges[i];
            s.Append("    ").Append(Id(edge.From)).Append(edge.Required ? " -->" : " -.->")
                .Append("|\"").Append(LabelEscape(Label(edge))).Append("\"| ").Append(Id(edge.To)).Append('\n');
            if (!edge.Enabled) disabledLinks.Add(i);
        }

        s.Append("    classDef clientNode fill:#eef2ff,stroke:#4338ca,color:#1e1b4b\n");
        s.Append("    classDef destNode fill:#f3f4f6,stroke:#6b7280,color:#111827\n");
        s.Append("    classDef offNode fill:#fafafa,stroke:#c4c4c4,color:#8a8a8a,stroke-dasharray:4 3\n");
        s.Append("    class ").Append(Id(DataflowDiagram.ClientId)).Append(" clientNode\n");
        AppendClass(s, diagram.Nodes.Where(n => n.Kind == DataflowNodeKind.Destination && n.Enabled), "destNode");
        AppendClass(s, diagram.Nodes.Where(n => n.Kind == DataflowNodeKind.Destination && !n.Enabled), "offNode");
        if (disabledLinks.Count > 0)
        {
            s.Append("    linkStyle ")
                .AppendJoin(',', disabledLinks.Select(i => i.ToString(CultureInfo.InvariantCulture)))
                .Append(" stroke:#b5b5b5,color:#8a8a8a\n");
        }

        return s.ToString();
    }

    /// <summary>An edge's label: the flow, and for a disabled one the switch that turned it off.</summary>
    internal static string Label(DataflowEdge edge) =>
        edge.Enabled ? edge.Label : $"{edge.Label} (off: {edge.Switch})";

    /// <summary>A Mermaid-safe node id: kebab-case ids become snake case, since <c>-</c> can read as part of an arrow.</summary>
    internal static string Id(string id) => id.Replace('-', '_');

    private static void AppendClass(StringBuilder s, IEnumerable<DataflowNode> nodes, string className)
    {
        var ids = nodes.Select(n => Id(n.Id)).ToList();
        if (ids.Count == 0) return;
        s.Append("    class ").AppendJoin(',', ids).Append(' ').Append(className).Append('\n');
    }

    // Inside a quoted Mermaid label, characters are written as Mermaid entity codes ("#quot;"), so '#' itself
    // must be escaped first; '<' and '>' would otherwise be read as HTML.
    private static string LabelEscape(string text)
    {
        var s = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '#' => s.Append("#35;"),
                '"' => s.Append("#quot;"),
                '<' => s.Append("#lt;"),
                '>' => s.Append("#gt;"),
                '|' => s.Append("#124;"),
                '\r' or '\n' => s.Append(' '),
                _ => s.Append(c),
            };
        }

        return s.ToString();
    }

    private static string YamlEscape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
}
