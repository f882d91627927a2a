using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Custodian.Feedback.Dataflow;

/// <summary>
/// Draws a <see cref="DataflowDiagram"/> as a self-contained SVG, laid out by Custodian itself (no graph library):
/// the client on the left, the destinations on the right in one column (one box per destination, as tall as its
/// flows), and one arrow per flow on a row of its own, so no two labels can overlap and no line crosses a label.
/// Required flows are solid, optional ones dashed, disabled ones grey and ending in a bar, with a small
/// "off — switch · rule" note under the label. A title with the context and a legend frame the picture.
/// </summary>
/// <remarks>
/// Layout: every flow gets a row; the rows of one destination are consecutive and the destination box spans
/// them. Arrows leave the client's right edge in row order and fan out along cubic curves that all share the
/// same horizontal control points, so their heights stay in order at every x and they never cross; past the fan
/// each arrow runs straight to its destination with its label above it and its note below it. Text widths are
/// estimated from DejaVu Sans metrics (the widest common sans-serif), so any real font fits the space given.
/// </remarks>
public static class SvgRenderer
{
    private const string FontFamily = "Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif";
    private const double Margin = 32;
    private const double TitleSize = 20;
    private const double SummarySize = 14;
    private const double LabelSize = 13;
    private const double NoteSize = 12;
    private const double NodeSize = 14;
    private const double DetailSize = 12;
    private const double LegendSize = 12;
    private const double RowPitch = 54;
    private const double GroupGap = 14;
    private const double FanWidth = 190;
    private const double LabelInset = 14;
    private const double ArrowClearance = 36;
    private const double TeeGap = 12;
    private const double StartSpacing = 18;

    private const string RequiredColor = "#1f2937";
    private const string OptionalColor = "#2563eb";
    private const string OffLineColor = "#b8b8b8";
    private const string OffTextColor = "#7a7a7a";
    private const string OffWordColor = "#b42318";
    private const string TextColor = "#111827";
    private const string MutedTextColor = "#4b5563";
    private const string DashPattern = "7 5";

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The SVG document as text (UTF-8, no XML declaration needed), ending with a newline.</summary>
    public static string Render(DataflowDiagram diagram)
    {
        var document = RenderDocument(diagram);
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, NewLineChars = "\n" };
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = XmlWriter.Create(text, settings))
        {
            document.Save(writer);
        }

        return text + "\n";
    }

    /// <summary>The SVG document; every text and attribute is escaped by <see cref="System.Xml.Linq"/>.</summary>
    public static XDocument RenderDocument(DataflowDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);

        var destinations = diagram.Nodes.Where(n => n.Kind == DataflowNodeKind.Destination).ToList();
        // Rows grouped by destination (in node order), flows of one destination in edge order.
        var groups = destinations
            .Select(d => (Node: d, Edges: diagram.Edges.Where(e => e.To == d.Id).ToList()))
            .Where(g => g.Edges.Count > 0)
            .ToList();
        var rows = groups.SelectMany((g, gi) => g.Edges.Select(e => (Edge: e, Group: gi))).ToList();

        // Horizontal layout first: it fixes the width that the header may wrap to.
        var clientWidth = Math.Max(176, Math.Max(TextWidth(DataflowDiagram.ClientLabel, 15, bold: true), TextWidth("your machine", 12)) + 40);
        var clientX = Margin;
        var fanStartX = clientX + clientWidth;
        var fanEndX = fanStartX + FanWidth;
        var labelX = fanEndX + LabelInset;
        var labelColumn = rows.Count == 0 ? 200 : rows.Max(r => Math.Max(TextWidth(r.Edge.Label, LabelSize), NoteWidth(r.Edge)));
        var destX = labelX + Math.Max(200, labelColumn + ArrowClearance);
        var destWidth = Math.Max(180, destinations.Count == 0 ? 0 : destinations.Max(d =>
            Math.Max(TextWidth(d.Label, NodeSize, bold: true), d.Detail is null ? 0 : TextWidth(d.Detail, DetailSize))) + 40);
        var legendItems = LegendItems();
        var legendWidth = legendItems.Sum(i => 44 + TextWidth(i.Text, LegendSize)) + (legendItems.Count - 1) * 28 + 32;
        var titleWidth = TextWidth(diagram.Title, TitleSize, bold: true) + TextWidth("  ·  " + diagram.Caption, TitleSize);
        var width = Math.Ceiling(Math.Max(destX + destWidth + Margin, Math.Max(legendWidth, titleWidth) + 2 * Margin));

        // Vertical layout.
        var titleY = Margin + TitleSize;
        var summaryY = titleY + 26;
        var rowsTop = summaryY + 34;
        var rowY = new double[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            rowY[i] = rowsTop + RowPitch / 2 + i * RowPitch + rows[i].Group * GroupGap;
        }

        var rowsBottom = rows.Count == 0 ? rowsTop + RowPitch : rowY[^1] + RowPitch / 2;
        var clientHeight = Math.Max(120, rows.Count * StartSpacing + 40);
        var clientCenter = rows.Count == 0 ? (rowsTop + rowsBottom) / 2 : (rowY[0] + rowY[^1]) / 2;
        var clientY = clientCenter - clientHeight / 2;
        var legendY = rowsBottom + 30;
        var legendHeight = 40;
        var height = Math.Ceiling(legendY + legendHeight + Margin);

        var root = new XElement(Svg + "svg",
            new XAttribute("width", Num(width)),
            new XAttribute("height", Num(height)),
            new XAttribute("viewBox", $"0 0 {Num(width)} {Num(height)}"),
            new XAttribute("font-family", FontFamily),
            new XAttribute("role", "img"),
            new XAttribute("aria-labelledby", "dataflow-title dataflow-desc"),
            new XElement(Svg + "title", new XAttribute("id", "dataflow-title"), $"{diagram.Title} · {diagram.Caption}"),
            new XElement(Svg + "desc", new XAttribute("id", "dataflow-desc"), Description(diagram)),
            Definitions(),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "#ffffff")));

        // Header: title with the context, then how many flows are open.
        var open = diagram.Edges.Count(e => e.Enabled);
        root.Add(new XElement(Svg + "text",
            new XAttribute("x", Num(Margin)), new XAttribute("y", Num(titleY)), new XAttribute("font-size", Num(TitleSize)), new XAttribute("fill", TextColor),
            new XElement(Svg + "tspan", new XAttribute("font-weight", "700"), diagram.Title),
            new XElement(Svg + "tspan", new XAttribute("fill", MutedTextColor), "  ·  " + diagram.Caption)));
        root.Add(new XElement(Svg + "text",
            new XAttribute("x", Num(Margin)), new XAttribute("y", Num(summaryY)), new XAttribute("font-size", Num(SummarySize)), new XAttribute("fill", MutedTextColor),
            string.Create(CultureInfo.InvariantCulture, $"{open} of {diagram.Edges.Count} flows open · {diagram.Edges.Count - open} switched off")));

        // Client.
        root.Add(new XElement(Svg + "g",
            new XAttribute("id", "node-" + DataflowDiagram.ClientId), new XAttribute("class", "node client"),
            Rect(clientX, clientY, clientWidth, clientHeight, 10, "#eef2ff", "#4338ca", 1.5, dashed: false),
            Text(clientX + clientWidth / 2, clientCenter - 2, DataflowDiagram.ClientLabel, 15, "#1e1b4b", "middle", bold: true),
            Text(clientX + clientWidth / 2, clientCenter + 18, "your machine", 12, MutedTextColor, "middle")));

        // Destinations: one box per destination, spanning its rows.
        var rowIndex = 0;
        foreach (var (node, edges) in groups)
        {
            var top = rowY[rowIndex] - RowPitch / 2 + 6;
            var bottom = rowY[rowIndex + edges.Count - 1] + RowPitch / 2 - 6;
            rowIndex += edges.Count;
            var g = new XElement(Svg + "g",
                new XAttribute("id", "node-" + node.Id),
                new XAttribute("class", node.Enabled ? "node destination" : "node destination off"),
                new XAttribute("data-enabled", node.Enabled ? "true" : "false"),
                new XElement(Svg + "title", (node.Detail is null ? node.Label : $"{node.Label} ({node.Detail})") + (node.Enabled ? string.Empty : ": nothing is sent here")),
                node.Enabled
                    ? Rect(destX, top, destWidth, bottom - top, 8, "#f8fafc", "#64748b", 1.25, dashed: false)
                    : Rect(destX, top, destWidth, bottom - top, 8, "#fafafa", "#c8c8c8", 1.25, dashed: true));
            var middle = (top + bottom) / 2;
            // With a detail line the two lines share the middle: even a one-row box (42 px) holds both.
            g.Add(Text(destX + destWidth / 2, node.Detail is null ? middle + NodeSize * 0.35 : middle - 4, node.Label, NodeSize,
                node.Enabled ? TextColor : OffTextColor, "middle", bold: true));
            if (node.Detail is { } detail)
            {
                g.Add(Text(destX + destWidth / 2, middle + 13, detail, DetailSize, node.Enabled ? MutedTextColor : OffTextColor, "middle"));
            }

            root.Add(g);
        }

        // Flows: fan out of the client in row order, then one straight run per row.
        var spacing = rows.Count <= 1 ? 0 : Math.Min(StartSpacing, (clientHeight - 36) / (rows.Count - 1));
        for (var i = 0; i < rows.Count; i++)
        {
            var edge = rows[i].Edge;
            var startY = clientCenter + (i - (rows.Count - 1) / 2.0) * spacing;
            root.Add(Flow(edge, diagram, fanStartX, startY, fanEndX, rowY[i], labelX, destX));
        }

        root.Add(Legend(legendItems, Margin, legendY, legendWidth, legendHeight));
        return new XDocument(root);
    }

    private static XElement Flow(DataflowEdge edge, DataflowDiagram diagram, double x0, double y0, double x1, double y1, double labelX, double destX)
    {
        var color = !edge.Enabled ? OffLineColor : edge.Required ? RequiredColor : OptionalColor;
        var endX = edge.Enabled ? destX - 1 : destX - TeeGap;
        var half = (x1 - x0) / 2;
        var path = string.Create(CultureInfo.InvariantCulture,
            $"M {Num(x0)} {Num(y0)} C {Num(x0 + half)} {Num(y0)} {Num(x1 - half)} {Num(y1)} {Num(x1)} {Num(y1)} L {Num(endX)} {Num(y1)}");
        var line = new XElement(Svg + "path",
            new XAttribute("d", path),
            new XAttribute("fill", "none"),
            new XAttribute("stroke", color),
            new XAttribute("stroke-width", edge.Enabled ? "2" : "1.75"));
        if (!edge.Required) line.Add(new XAttribute("stroke-dasharray", DashPattern));
        if (edge.Enabled) line.Add(new XAttribute("marker-end", edge.Required ? "url(#arrow-required)" : "url(#arrow-optional)"));

        var destination = diagram.Nodes.FirstOrDefault(n => n.Id == edge.To)?.Label ?? edge.To;
        var g = new XElement(Svg + "g",
            new XAttribute("id", "flow-" + edge.Id),
            new XAttribute("class", $"flow {(edge.Required ? "required" : "optional")} {(edge.Enabled ? "on" : "off")}"),
            new XAttribute("data-flow", edge.Id),
            new XAttribute("data-required", edge.Required ? "true" : "false"),
            new XAttribute("data-enabled", edge.Enabled ? "true" : "false"),
            new XAttribute("data-rule", edge.Rule),
            new XElement(Svg + "title", $"{edge.Label} → {destination}: {(edge.Enabled ? "on" : "off")} ({edge.Rule}: {edge.Because})"),
            line,
            Text(labelX, y1 - 8, edge.Label, LabelSize, edge.Enabled ? TextColor : OffTextColor, "start"));
        if (!edge.Enabled)
        {
            // A bar across the line's end: the flow stops before it reaches its destination.
            g.Add(new XElement(Svg + "line",
                new XAttribute("x1", Num(endX)), new XAttribute("y1", Num(y1 - 7)),
                new XAttribute("x2", Num(endX)), new XAttribute("y2", Num(y1 + 7)),
                new XAttribute("stroke", OffLineColor), new XAttribute("stroke-width", "2.5"), new XAttribute("stroke-linecap", "round")));
            g.Add(new XElement(Svg + "text",
                new XAttribute("class", "off-note"),
                new XAttribute("x", Num(labelX)), new XAttribute("y", Num(y1 + 18)),
                new XAttribute("font-size", Num(NoteSize)), new XAttribute("fill", OffTextColor),
                new XElement(Svg + "tspan", new XAttribute("fill", OffWordColor), new XAttribute("font-weight", "700"), "off"),
                $" — {edge.Switch} · {edge.Rule}"));
        }

        return g;
    }

    private static List<(string Kind, string Text)> LegendItems() =>
    [
        ("required", "required"),
        ("optional", "optional or user-initiated"),
        ("off", "switched off (the switch and rule are named)"),
    ];

    private static XElement Legend(List<(string Kind, string Text)> items, double x, double y, double width, double height)
    {
        var g = new XElement(Svg + "g", new XAttribute("id", "legend"), new XAttribute("class", "legend"),
            Rect(x, y, width, height, 6, "#ffffff", "#d1d5db", 1, dashed: false));
        var cx = x + 16;
        var cy = y + height / 2;
        foreach (var (kind, text) in items)
        {
            var sample = new XElement(Svg + "line",
                new XAttribute("x1", Num(cx)), new XAttribute("y1", Num(cy)), new XAttribute("x2", Num(cx + 34)), new XAttribute("y2", Num(cy)),
                new XAttribute("stroke", kind switch { "required" => RequiredColor, "optional" => OptionalColor, _ => OffLineColor }),
                new XAttribute("stroke-width", "2"));
            if (kind != "required") sample.Add(new XAttribute("stroke-dasharray", DashPattern));
            if (kind == "required") sample.Add(new XAttribute("marker-end", "url(#arrow-required)"));
            if (kind == "optional") sample.Add(new XAttribute("marker-end", "url(#arrow-optional)"));
            g.Add(sample);
            if (kind == "off")
            {
                g.Add(new XElement(Svg + "line",
                    new XAttribute("x1", Num(cx + 34)), new XAttribute("y1", Num(cy - 6)), new XAttribute("x2", Num(cx + 34)), new XAttribute("y2", Num(cy + 6)),
                    new XAttribute("stroke", OffLineColor), new XAttribute("stroke-width", "2.5"), new XAttribute("stroke-linecap", "round")));
            }

            g.Add(Text(cx + 44, cy + LegendSize * 0.35, text, LegendSize, MutedTextColor, "start"));
            cx += 44 + TextWidth(text, LegendSize) + 28;
        }

        return g;
    }

    private static XElement Definitions() =>
        new(Svg + "defs",
            Marker("arrow-required", RequiredColor),
            Marker("arrow-optional", OptionalColor));

    private static XElement Marker(string id, string color) =>
        new(Svg + "marker",
            new XAttribute("id", id),
            new XAttribute("viewBox", "0 0 10 10"),
            new XAttribute("refX", "10"), new XAttribute("refY", "5"),
            new XAttribute("markerWidth", "11"), new XAttribute("markerHeight", "11"),
            new XAttribute("markerUnits", "userSpaceOnUse"),
            new XAttribute("orient", "auto"),
            new XElement(Svg + "path", new XAttribute("d", "M 0 0 L 10 5 L 0 10 z"), new XAttribute("fill", color)));

    private static XElement Rect(double x, double y, double w, double h, double r, string fill, string stroke, double strokeWidth, bool dashed)
    {
        var rect = new XElement(Svg + "rect",
            new XAttribute("x", Num(x)), new XAttribute("y", Num(y)), new XAttribute("width", Num(w)), new XAttribute("height", Num(h)),
            new XAttribute("rx", Num(r)), new XAttribute("fill", fill), new XAttribute("stroke", stroke), new XAttribute("stroke-width", Num(strokeWidth)));
        if (dashed) rect.Add(new XAttribute("stroke-dasharray", "5 4"));
        return rect;
    }

    private static XElement Text(double x, double y, string text, double size, string fill, string anchor, bool bold = false)
    {
        var element = new XElement(Svg + "text",
            new XAttribute("x", Num(x)), new XAttribute("y", Num(y)), new XAttribute("font-size", Num(size)),
            new XAttribute("fill", fill), new XAttribute("text-anchor", anchor), text);
        if (bold) element.Add(new XAttribute("font-weight", "700"));
        return element;
    }

    private static string Description(DataflowDiagram diagram) =>
        string.Join("; ", diagram.Edges.Select(e =>
            $"{e.Label} to {diagram.Nodes.FirstOrDefault(n => n.Id == e.To)?.Label ?? e.To}: {(e.Required ? "required" : "optional")}, " +
            (e.Enabled ? "on" : $"off ({e.Switch}, {e.Rule})"))) + ".";

    private static double NoteWidth(DataflowEdge edge) =>
        edge.Enabled ? 0 : TextWidth("off", NoteSize, bold: true) + TextWidth($" — {edge.Switch} · {edge.Rule}", NoteSize);

    private static string Num(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>
    /// The width of <paramref name="text"/> at <paramref name="size"/> px, from DejaVu Sans advance widths (in em),
    /// rounded up; DejaVu is wider than Helvetica, Arial or Liberation Sans, so the estimate errs on the roomy side.
    /// </summary>
    internal static double TextWidth(string text, double size, bool bold = false)
    {
        double em = 0;
        foreach (var c in text)
        {
            em += c switch
            {
                ' ' => 0.32,
                'i' or 'j' or 'l' or 'I' or 'J' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' => 0.30,
                'f' or 't' or 'r' or '(' or ')' or '[' or ']' or '/' or '-' or '·' => 0.40,
                's' or 'z' or 'c' => 0.55,
                'm' => 0.98,
                'w' => 0.82,
                'M' => 0.87,
                'W' => 0.99,
                '=' or '+' or '<' or '>' or '~' or '→' => 0.84,
                '_' => 0.50,
                '—' or '…' or '@' => 1.0,
                >= 'a' and <= 'z' => 0.64,
                >= 'A' and <= 'Z' => 0.74,
                >= '0' and <= '9' => 0.64,
                _ => c < 128 ? 0.64 : 1.0,
            };
        }

        return Math.Ceiling(em * size * (bold ? 1.1 : 1.0) * 1.04);
    }
}
