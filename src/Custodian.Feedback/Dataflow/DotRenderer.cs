using System.Text;

namespace Custodian.Feedback.Dataflow;

/// <summary>
/// Draws a <see cref="DataflowDiagram"/> as a Graphviz DOT digraph (left to right): required flows
/// <c>style=solid</c>, optional ones <c>style=dashed</c>, disabled ones <c>color=gray fontcolor=gray</c> with the
/// rule and the switch that turned them off in the label.
/// </summary>
public static class DotRenderer
{
    /// <summary>The DOT source, ending with a newline.</summary>
    public static string Render(DataflowDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        var s = new StringBuilder();
        s.Append("// Effective data flows (FLW-1, FLW-4): required solid, optional dashed, off greyed with its rule and switch.\n");
        s.Append("digraph custodian_dataflow {\n");
        s.Append("    graph [rankdir=LR, labelloc=t, fontname=\"sans-serif\", fontsize=18, nodesep=0.35, ranksep=2.2, label=")
            .Append(Quote(diagram.Title + "\n" + diagram.Caption)).Append("];\n");
        s.Append("    node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=14, fillcolor=\"#f3f4f6\", color=\"#6b7280\"];\n");
        s.Append("    edge [fontname=\"sans-serif\", fontsize=12];\n");
        foreach (var node in diagram.Nodes)
        {
            s.Append("    ").Append(Id(node.Id)).Append(" [label=").Append(Quote(node.Detail is null ? node.Label : node.Label + "\n" + node.Detail));
            if (node.Kind == DataflowNodeKind.Client) s.Append(", fillcolor=\"#eef2ff\", color=\"#4338ca\"");
            else if (!node.Enabled) s.Append(", style=\"rounded,filled,dashed\", fillcolor=\"#fafafa\", color=gray, fontcolor=gray");
            s.Append("];\n");
        }

        foreach (var edge in diagram.Edges)
        {
            s.Append("    ").Append(Id(edge.From)).Append(" -> ").Append(Id(edge.To))
                .Append(" [id=").Append(Quote(edge.Id))
                .Append(", label=").Append(Quote(edge.Enabled ? edge.Label : $"{edge.Label}\noff: {edge.Switch} ({edge.Rule})"))
                .Append(", tooltip=").Append(Quote($"{edge.Rule}: {edge.Because}"))
                .Append(", style=").Append(edge.Required ? "solid" : "dashed");
            if (!edge.Enabled) s.Append(", color=gray, fontcolor=gray, arrowhead=tee");
            else if (!edge.Required) s.Append(", color=\"#2563eb\"");
            s.Append("];\n");
        }

        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>A DOT identifier: kebab-case ids become snake case so they need no quoting.</summary>
    internal static string Id(string id) => id.Replace('-', '_');

    /// <summary>A DOT double-quoted string: backslashes and quotes escaped, line breaks as centred <c>\n</c>.</summary>
    internal static string Quote(string text)
    {
        var s = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '\\' => s.Append("\\\\"),
                '"' => s.Append("\\\""),
                '\n' => s.Append("\\n"),
                '\r' => s,
                _ => s.Append(c),
            };
        }

        return s.Append('"').ToString();
    }
}
