namespace Custodian.Feedback.Dataflow;

/// <summary>The formats <c>custodian dataflow</c> draws (FLW-4).</summary>
public enum DataflowFormat
{
    /// <summary>A Mermaid <c>flowchart LR</c>.</summary>
    Mermaid,
    /// <summary>A Graphviz DOT digraph.</summary>
    Dot,
    /// <summary>An SVG drawn by Custodian.</summary>
    Svg,
    /// <summary>The JSON document of docs/dataflow.md.</summary>
    Json,
}

/// <summary>Draws a <see cref="DataflowDiagram"/> in any <see cref="DataflowFormat"/>.</summary>
public static class DataflowRenderer
{
    /// <summary>The format names as the command line spells them.</summary>
    public static readonly IReadOnlyList<string> FormatNames = ["mermaid", "dot", "svg", "json"];

    /// <summary>Parses a format name (case-insensitive).</summary>
    public static bool TryParseFormat(string? name, out DataflowFormat format)
    {
        for (var i = 0; i < FormatNames.Count; i++)
        {
            if (string.Equals(FormatNames[i], name, StringComparison.OrdinalIgnoreCase))
            {
                format = (DataflowFormat)i;
                return true;
            }
        }

        format = default;
        return false;
    }

    /// <summary>The diagram as text in <paramref name="format"/>, ending with a newline.</summary>
    public static string Render(DataflowDiagram diagram, DataflowFormat format) => format switch
    {
        DataflowFormat.Mermaid => MermaidRenderer.Render(diagram),
        DataflowFormat.Dot => DotRenderer.Render(diagram),
        DataflowFormat.Svg => SvgRenderer.Render(diagram),
        DataflowFormat.Json => DataflowJson.Render(diagram),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
