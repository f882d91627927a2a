using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using Custodian.Feedback.Dataflow;

namespace Custodian.Feedback.Tests;

/// <summary>
/// The SVG that Custodian draws itself (FLW-4): valid SVG with every flow, required solid, optional dashed,
/// disabled grey with its switch; a layout in which no text overlaps and nothing leaves the canvas; and a picture
/// that a real SVG renderer (librsvg's rsvg-convert) turns into a non-blank PNG of the expected size. The PNGs
/// are kept under artifacts/dataflow/ for people to look at.
/// </summary>
public sealed class DataflowSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void The_svg_is_valid_xml_in_the_svg_namespace_with_a_viewbox_and_every_flow(string context)
    {
        var diagram = DataflowFixtures.Build(context).Diagram;
        var svg = XDocument.Parse(SvgRenderer.Render(diagram));
        var root = svg.Root!;

        Assert.Equal(Svg + "svg", root.Name);
        var viewBox = ((string)root.Attribute("viewBox")!).Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, viewBox.Length);
        Assert.Equal([0d, 0d], viewBox[..2]);
        Assert.Equal(viewBox[2], double.Parse((string)root.Attribute("width")!, CultureInfo.InvariantCulture));
        Assert.Equal(viewBox[3], double.Parse((string)root.Attribute("height")!, CultureInfo.InvariantCulture));
        Assert.Contains("sans-serif", (string)root.Attribute("font-family")!, StringComparison.Ordinal);
        Assert.Contains(diagram.Caption, (string)root.Element(Svg + "title")!, StringComparison.Ordinal);

        foreach (var edge in diagram.Edges)
        {
            var g = root.Descendants(Svg + "g").Single(e => (string?)e.Attribute("data-flow") == edge.Id);
            Assert.Equal(edge.Required ? "true" : "false", (string?)g.Attribute("data-required"));
            Assert.Equal(edge.Enabled ? "true" : "false", (string?)g.Attribute("data-enabled"));
            Assert.Contains(g.Elements(Svg + "text"), t => t.Value == edge.Label);
            var path = g.Element(Svg + "path")!;
            // Required solid, optional dashed.
            Assert.Equal(edge.Required, path.Attribute("stroke-dasharray") is null);
            if (edge.Enabled)
            {
                Assert.NotNull(path.Attribute("marker-end"));
                Assert.DoesNotContain(g.Elements(Svg + "text"), t => (string?)t.Attribute("class") == "off-note");
            }
            else
            {
                // Greyed, stopped by a bar, and noted with the switch and the rule.
                Assert.Equal("#b8b8b8", (string?)path.Attribute("stroke"));
                Assert.Null(path.Attribute("marker-end"));
                var note = g.Elements(Svg + "text").Single(t => (string?)t.Attribute("class") == "off-note");
                Assert.Equal($"off — {edge.Switch} · {edge.Rule}", note.Value);
            }
        }

        foreach (var node in diagram.Nodes)
        {
            Assert.Contains(root.Descendants(Svg + "g"), g => (string?)g.Attribute("id") == "node-" + node.Id);
        }

        Assert.NotNull(root.Descendants(Svg + "g").SingleOrDefault(g => (string?)g.Attribute("id") == "legend"));
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void The_svg_text_is_readable_does_not_overlap_and_stays_on_the_canvas(string context)
    {
        var svg = XDocument.Parse(SvgRenderer.Render(DataflowFixtures.Build(context).Diagram)).Root!;
        var width = double.Parse((string)svg.Attribute("width")!, CultureInfo.InvariantCulture);
        var height = double.Parse((string)svg.Attribute("height")!, CultureInfo.InvariantCulture);

        var boxes = new List<(string Text, double X0, double Y0, double X1, double Y1)>();
        foreach (var text in svg.Descendants(Svg + "text"))
        {
            var size = double.Parse((string)text.Attribute("font-size")!, CultureInfo.InvariantCulture);
            Assert.True(size >= 12, $"'{text.Value}' is {size}px; nothing smaller than 12px");
            var x = double.Parse((string)text.Attribute("x")!, CultureInfo.InvariantCulture);
            var y = double.Parse((string)text.Attribute("y")!, CultureInfo.InvariantCulture);
            var w = SvgRenderer.TextWidth(text.Value, size, bold: true);
            var x0 = (string?)text.Attribute("text-anchor") switch { "middle" => x - w / 2, "end" => x - w, _ => x };
            // From the ascender to the descender of the line.
            boxes.Add((text.Value, x0, y - size * 0.8, x0 + w, y + size * 0.25));
        }

        foreach (var b in boxes)
        {
            Assert.True(b.X0 >= 0 && b.Y0 >= 0 && b.X1 <= width && b.Y1 <= height, $"'{b.Text}' leaves the {width}x{height} canvas");
        }

        // Texts inside one box (a destination's name in its rectangle, the client's two lines) are separate lines by design;
        // every pair of texts must still not overlap.
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                var overlap = a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1;
                Assert.False(overlap, $"'{a.Text}' overlaps '{b.Text}'");
            }
        }
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Hostile_switch_values_are_escaped_not_interpreted()
    {
        var diagram = DataflowFixtures.Build("hostile-text").Diagram;
        var text = SvgRenderer.Render(diagram);
        var svg = XDocument.Parse(text).Root!;

        Assert.DoesNotContain("<a href", text, StringComparison.Ordinal);
        Assert.Contains("&lt;a href=", text, StringComparison.Ordinal);
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName == "a");
        var metricsNote = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-flow") == "metrics")
            .Elements(Svg + "text").Single(t => (string?)t.Attribute("class") == "off-note").Value;
        Assert.StartsWith("off — DISABLE_TELEMETRY=<a href=\"x\">&amp;</a>", metricsNote, StringComparison.Ordinal);
        // A long switch value is clipped in the picture; the full value stays in the tooltip.
        Assert.EndsWith("… · FLW-2", metricsNote, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void The_svg_renders_to_a_non_blank_png_of_its_size(string context)
    {
        var rsvg = DataflowFixtures.RequireTool("rsvg-convert", "librsvg2-bin");
        var diagram = DataflowFixtures.Build(context).Diagram;
        var dir = DataflowFixtures.ArtifactsDirectory();
        var svgPath = Path.Combine(dir, context + ".svg");
        var pngPath = Path.Combine(dir, context + ".png");
        var svgText = SvgRenderer.Render(diagram);
        File.WriteAllText(svgPath, svgText);
        File.Delete(pngPath);

        var (code, _, stderr) = DataflowFixtures.Run(rsvg, $"--format=png --output=\"{pngPath}\" \"{svgPath}\"");

        Assert.True(code == 0, "rsvg-convert failed: " + stderr);
        var svg = XDocument.Parse(svgText).Root!;
        var png = Png.Read(File.ReadAllBytes(pngPath));
        Assert.Equal((int)double.Parse((string)svg.Attribute("width")!, CultureInfo.InvariantCulture), png.Width);
        Assert.Equal((int)double.Parse((string)svg.Attribute("height")!, CultureInfo.InvariantCulture), png.Height);
        Assert.InRange(png.Width, 800, 2400);
        Assert.InRange(png.Height, 600, 2000);

        // A picture, not a blank page: mostly white background, some dark text, and as many kinds of line as the diagram has.
        var pixels = png.Pixels().ToList();
        double Share(Func<(byte R, byte G, byte B), bool> test) => pixels.Count(test) / (double)pixels.Count;
        Assert.InRange(Share(p => p is { R: > 245, G: > 245, B: > 245 }), 0.6, 0.98);
        Assert.True(Share(p => p.R < 80 && p.G < 80 && p.B < 80) > 0.002, "no dark text or required lines");
        var hasOptionalOn = diagram.Edges.Any(e => !e.Required && e.Enabled);
        var bluePixels = Share(p => p.B > 180 && p.R < 90 && p.G < 140);
        Assert.True(hasOptionalOn == bluePixels > 0.0005, $"blue (optional) pixels: {bluePixels:P3}, optional flows on: {hasOptionalOn}");
        var hasOff = diagram.Edges.Any(e => !e.Enabled);
        var offWordPixels = Share(p => p.R > 150 && p.G < 60 && p.B < 60);
        Assert.True(hasOff == offWordPixels > 0.00001, $"red 'off' pixels: {offWordPixels:P4}, flows off: {hasOff}");
    }

    /// <summary>A minimal PNG reader for 8-bit RGB/RGBA non-interlaced images (what rsvg-convert writes).</summary>
    private sealed record Png(int Width, int Height, int Channels, byte[] Raw)
    {
        public static Png Read(byte[] file)
        {
            Assert.True(file.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "not a PNG");
            int width = 0, height = 0, channels = 0;
            using var idat = new MemoryStream();
            for (var at = 8; at < file.Length;)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
                var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
                var data = file.AsSpan(at + 8, length);
                if (type == "IHDR")
                {
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(8, data[8]);
                    channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException("colour type " + data[9]) };
                    Assert.Equal(0, data[12]);
                }
                else if (type == "IDAT")
                {
                    idat.Write(data);
                }

                at += 12 + length;
            }

            idat.Position = 0;
            using var inflate = new ZLibStream(idat, CompressionMode.Decompress);
            using var raw = new MemoryStream();
            inflate.CopyTo(raw);
            return new Png(width, height, channels, raw.ToArray());
        }

        /// <summary>Every pixel's colour (alpha ignored: the diagram paints an opaque white background).</summary>
        public IEnumerable<(byte R, byte G, byte B)> Pixels()
        {
            var stride = Width * Channels;
            var previous = new byte[stride];
            var current = new byte[stride];
            for (var y = 0; y < Height; y++)
            {
                var filter = Raw[y * (stride + 1)];
                Array.Copy(Raw, y * (stride + 1) + 1, current, 0, stride);
                for (var i = 0; i < stride; i++)
                {
                    int a = i >= Channels ? current[i - Channels] : 0, b = previous[i], c = i >= Channels ? previous[i - Channels] : 0;
                    current[i] = (byte)(current[i] + filter switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        4 => Paeth(a, b, c),
                        _ => throw new InvalidDataException("filter " + filter),
                    });
                }

                for (var x = 0; x < Width; x++)
                {
                    yield return (current[x * Channels], current[x * Channels + 1], current[x * Channels + 2]);
                }

                (previous, current) = (current, previous);
            }
        }

        private static int Paeth(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
    }
}
