using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Custodian.Feedback.Dataflow;

/// <summary>
/// Writes a <see cref="DataflowDiagram"/> as the JSON document of docs/dataflow.md:
/// <c>{format, title, context{plan, category, provider, caption}, offReasons[], nodes[], edges[]}</c>.
/// The shape is a contract for scripts: fields are only ever added.
/// </summary>
public static class DataflowJson
{
    /// <summary>The value of the document's <c>format</c> field.</summary>
    public const string Format = "custodian-dataflow/1";

    /// <summary>Writes the document to <paramref name="w"/>.</summary>
    public static void Write(Utf8JsonWriter w, DataflowDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(diagram);
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteString("title", diagram.Title);
        w.WriteStartObject("context");
        w.WriteString("plan", diagram.Plan);
        w.WriteString("category", diagram.Category);
        w.WriteString("provider", diagram.Provider);
        w.WriteString("caption", diagram.Caption);
        w.WriteEndObject();
        w.WriteStartArray("offReasons");
        foreach (var s in diagram.OffReasons) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteStartArray("nodes");
        foreach (var n in diagram.Nodes)
        {
            w.WriteStartObject();
            w.WriteString("id", n.Id);
            w.WriteString("label", n.Label);
            w.WriteString("kind", n.Kind == DataflowNodeKind.Client ? "client" : "destination");
            w.WriteBoolean("enabled", n.Enabled);
            w.WriteString("detail", n.Detail);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("edges");
        foreach (var e in diagram.Edges)
        {
            w.WriteStartObject();
            w.WriteString("id", e.Id);
            w.WriteString("label", e.Label);
            w.WriteString("from", e.From);
            w.WriteString("to", e.To);
            w.WriteBoolean("required", e.Required);
            w.WriteBoolean("enabled", e.Enabled);
            w.WriteString("rule", e.Rule);
            w.WriteString("because", e.Because);
            w.WriteString("switch", e.Switch);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The document as indented UTF-8 text, ending with a newline.</summary>
    public static string Render(DataflowDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps "·" and "—" readable; the output is JSON text, never embedded in HTML.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, diagram);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
