using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Feedback.Dataflow;
using Custodian.Feedback.Egress;

namespace Custodian.Feedback.Tests;

/// <summary>The flow catalog (FLW-1) and the Mermaid, DOT and JSON diagrams of FLW-4.</summary>
public sealed partial class DataflowRendererTests
{
    [Fact]
    [Trait("spec", "FLW-1")]
    public void The_catalog_has_the_flows_of_FLW1_with_exactly_install_sign_in_and_model_calls_required()
    {
        var (_, _, flows, _) = DataflowFixtures.Build("default");

        Assert.Equal(Enum.GetValues<Flow>().Length, flows.Count);
        Assert.Equal(["install", "model-calls", "sign-in"], flows.Where(f => f.Required).Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.All(flows.Where(f => f.Required), f => Assert.True(f.Enabled.Value));
        // FLW-1's optional list, each by its id.
        Assert.Subset(
            flows.Where(f => !f.Required).Select(f => f.Id).ToHashSet(StringComparer.Ordinal),
            new HashSet<string>(["metrics", "error-reports", "feedback-upload", "survey-ratings", "transcript-share", "webfetch-preflight", "feature-flags", "release-notes"], StringComparer.Ordinal));
        Assert.Equal("Distribution server", flows.Single(f => f.Id == "install").Destination);
        Assert.Equal("Console auth", flows.Single(f => f.Id == "sign-in").Destination);
        Assert.Equal("Public API", flows.Single(f => f.Id == "model-calls").Destination);
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void The_model_has_one_edge_per_flow_and_a_node_per_destination(string context)
    {
        var (_, _, flows, diagram) = DataflowFixtures.Build(context);

        Assert.Equal(flows.Select(f => f.Id), diagram.Edges.Select(e => e.Id));
        Assert.Equal(DataflowDiagram.ClientId, diagram.Nodes[0].Id);
        // One node per destination some flow goes to: the two collectors are alternatives (CUS-84), the rest always there.
        Assert.Equal(flows.Select(f => f.Destination).Distinct().Count() + 1, diagram.Nodes.Count);
        Assert.Subset(FlowCatalog.Destinations.ToHashSet(StringComparer.Ordinal), diagram.Nodes.Skip(1).Select(n => n.Label).ToHashSet(StringComparer.Ordinal));
        Assert.All(diagram.Nodes, n => Assert.Equal(n.Label == FlowCatalog.CustodianCollector ? FlowCatalog.CustodianCollectorDetail : null, n.Detail));
        Assert.All(diagram.Edges, e => Assert.Contains(diagram.Nodes, n => n.Id == e.To));
        Assert.All(diagram.Edges, e => Assert.Equal(e.Enabled, e.Switch is null));
        // A destination is greyed exactly when no enabled flow reaches it.
        Assert.All(diagram.Nodes.Skip(1), n => Assert.Equal(diagram.Edges.Any(e => e.To == n.Id && e.Enabled), n.Enabled));
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [InlineData("DO_NOT_TRACK=1", "DO_NOT_TRACK=1")]
    [InlineData("DO_NOT_TRACK=1 (from /etc/claude-code/managed-settings.json)", "DO_NOT_TRACK=1")]
    [InlineData("skipWebFetchPreflight=true in /home/u/.claude/settings.json (user)", "skipWebFetchPreflight=true")]
    [InlineData("gateway session: never sent, and no setting turns it back on", "gateway session")]
    [InlineData("the organization has zero data retention: no session content is persisted on the server", "organization has zero data retention")]
    [InlineData("organization policy disables product feedback", "organization policy disables product feedback")]
    public void A_disabled_flow_is_labelled_with_its_switch_in_a_few_words(string because, string expected)
    {
        Assert.Equal(expected, DataflowDiagram.ShortSwitch(because));
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void The_caption_names_plan_and_provider_and_says_when_a_provider_changed_the_terms()
    {
        Assert.Equal("pro · anthropic", DataflowFixtures.Build("default").Diagram.Caption);
        Assert.Equal("pro · bedrock · commercial terms", DataflowFixtures.Build("bedrock").Diagram.Caption);
        Assert.Equal("team · anthropic · gateway", DataflowFixtures.Build("gateway-otel").Diagram.Caption);
    }

    // ---- Mermaid ----

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void Mermaid_draws_every_flow_solid_when_required_dashed_when_optional_and_greys_the_disabled(string context)
    {
        var diagram = DataflowFixtures.Build(context).Diagram;
        var mermaid = MermaidRenderer.Render(diagram);
        var links = mermaid.Split('\n').Where(l => MermaidLink().IsMatch(l)).ToList();

        Assert.Equal(diagram.Edges.Count, links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            var edge = diagram.Edges[i];
            var link = MermaidLink().Match(links[i]);
            Assert.Equal(edge.Required ? "-->" : "-.->", link.Groups["arrow"].Value);
            Assert.Equal(edge.To.Replace('-', '_'), link.Groups["to"].Value);
            Assert.StartsWith(edge.Label, Unentity(link.Groups["label"].Value), StringComparison.Ordinal);
            if (!edge.Enabled) Assert.Equal($"{edge.Label} (off: {MermaidSafe(edge.Switch!)})", Unentity(link.Groups["label"].Value));
        }

        var disabled = diagram.Edges.Select((e, i) => (e, i)).Where(p => !p.e.Enabled).Select(p => p.i).ToList();
        var linkStyle = mermaid.Split('\n').SingleOrDefault(l => l.TrimStart().StartsWith("linkStyle ", StringComparison.Ordinal));
        if (disabled.Count == 0)
        {
            Assert.Null(linkStyle);
        }
        else
        {
            Assert.NotNull(linkStyle);
            var indexes = linkStyle!.Trim().Split(' ')[1].Split(',').Select(int.Parse);
            Assert.Equal(disabled, indexes);
            Assert.Contains("stroke:#b5b5b5", linkStyle, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Mermaid_names_the_switch_in_the_label_of_a_disabled_flow()
    {
        var mermaid = MermaidRenderer.Render(DataflowFixtures.Build("do-not-track").Diagram);

        Assert.Contains("client -.->|\"metrics (off: DO_NOT_TRACK=1)\"| metrics_endpoint", mermaid, StringComparison.Ordinal);
        Assert.Contains("client -.->|\"error reports (off: DISABLE_ERROR_REPORTING=1)\"| error_reporting", mermaid, StringComparison.Ordinal);
        Assert.Contains("client -.->|\"WebFetch domain check (off: skipWebFetchPreflight=true)\"| webfetch_check", mermaid, StringComparison.Ordinal);
        Assert.Contains("client -->|\"model calls\"| public_api", mermaid, StringComparison.Ordinal);
        Assert.Matches(@"class [a-z_,]*metrics_endpoint[a-z_,]* offNode", mermaid);
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void Mermaid_is_syntactically_plausible(string context)
    {
        var diagram = DataflowFixtures.Build(context).Diagram;
        var lines = MermaidRenderer.Render(diagram).TrimEnd('\n').Split('\n');

        // Front matter with a quoted title, then the chart.
        Assert.Equal("---", lines[0]);
        Assert.Matches("""^title: "([^"\\]|\\.)*"$""", lines[1]);
        Assert.Equal("---", lines[2]);
        Assert.Equal("flowchart LR", lines[3]);
        var declared = new HashSet<string>(StringComparer.Ordinal);
        var classDefs = new HashSet<string>(StringComparer.Ordinal);
        var linkCount = 0;
        foreach (var line in lines.Skip(4))
        {
            if (line.TrimStart().StartsWith("%%", StringComparison.Ordinal)) continue;
            if (MermaidNode().Match(line) is { Success: true } node)
            {
                Assert.True(declared.Add(node.Groups["id"].Value), "declared twice: " + line);
                continue;
            }

            if (MermaidLink().Match(line) is { Success: true } link)
            {
                Assert.Contains(link.Groups["from"].Value, declared);
                Assert.Contains(link.Groups["to"].Value, declared);
                linkCount++;
                continue;
            }

            if (MermaidClassDef().Match(line) is { Success: true } def)
            {
                classDefs.Add(def.Groups["name"].Value);
                continue;
            }

            if (MermaidClass().Match(line) is { Success: true } cls)
            {
                Assert.Contains(cls.Groups["name"].Value, classDefs);
                Assert.All(cls.Groups["ids"].Value.Split(','), id => Assert.Contains(id, declared));
                continue;
            }

            if (MermaidLinkStyle().Match(line) is { Success: true } style)
            {
                Assert.All(style.Groups["indexes"].Value.Split(','), i => Assert.InRange(int.Parse(i), 0, linkCount - 1));
                continue;
            }

            Assert.Fail("not a Mermaid statement this renderer writes: " + line);
        }

        Assert.Equal(diagram.Edges.Count, linkCount);
    }

    // ---- DOT ----

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void Dot_styles_required_solid_optional_dashed_and_disabled_grey_with_rule_and_switch(string context)
    {
        var diagram = DataflowFixtures.Build(context).Diagram;
        var dot = DotRenderer.Render(diagram);

        foreach (var edge in diagram.Edges)
        {
            var line = dot.Split('\n').Single(l => l.Contains($"[id=\"{edge.Id}\"", StringComparison.Ordinal));
            Assert.Contains($"client -> {edge.To.Replace('-', '_')} ", line, StringComparison.Ordinal);
            Assert.Contains(edge.Required ? "style=solid" : "style=dashed", line, StringComparison.Ordinal);
            if (edge.Enabled)
            {
                Assert.DoesNotContain("color=gray", line, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("color=gray, fontcolor=gray", line, StringComparison.Ordinal);
                Assert.Contains($"off: {DotRenderer.Quote(edge.Switch!)[1..^1]} ({edge.Rule})", line, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void Dot_is_accepted_by_graphviz_with_every_flow_drawn(string context)
    {
        var diagram = DataflowFixtures.Build(context).Diagram;
        var dot = DataflowFixtures.RequireTool("dot", "graphviz");

        var (code, svg, stderr) = DataflowFixtures.Run(dot, "-Tsvg", DotRenderer.Render(diagram));

        Assert.True(code == 0, "dot rejected the diagram: " + stderr);
        Assert.DoesNotContain("Warning", stderr, StringComparison.OrdinalIgnoreCase);
        var drawn = System.Xml.Linq.XDocument.Parse(svg);
        XNamespaceCheck(drawn);
        foreach (var edge in diagram.Edges)
        {
            Assert.Contains(drawn.Descendants(), e => (string?)e.Attribute("id") == edge.Id);
        }
    }

    // ---- JSON ----

    [Theory]
    [Trait("spec", "FLW-4")]
    [MemberData(nameof(DataflowFixtures.ContextNames), MemberType = typeof(DataflowFixtures))]
    public void Json_has_the_documented_shape_and_every_flow(string context)
    {
        var (_, decisions, flows, diagram) = DataflowFixtures.Build(context);
        using var json = JsonDocument.Parse(DataflowJson.Render(diagram));
        var root = json.RootElement;

        Assert.Equal(["format", "title", "context", "offReasons", "nodes", "edges"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("custodian-dataflow/1", root.GetProperty("format").GetString());
        Assert.Equal(["plan", "category", "provider", "caption"], root.GetProperty("context").EnumerateObject().Select(p => p.Name));
        Assert.Equal(decisions.Category.Value == Policy.PlanCategory.Consumer ? "consumer" : "commercial", root.GetProperty("context").GetProperty("category").GetString());

        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.All(nodes, n => Assert.Equal(["id", "label", "kind", "enabled", "detail"], n.EnumerateObject().Select(p => p.Name)));
        Assert.Equal("client", nodes[0].GetProperty("kind").GetString());
        var nodeIds = nodes.Select(n => n.GetProperty("id").GetString()).ToHashSet();

        var edges = root.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(flows.Select(f => f.Id), edges.Select(e => e.GetProperty("id").GetString()));
        foreach (var (edge, flow) in edges.Zip(flows))
        {
            Assert.Equal(["id", "label", "from", "to", "required", "enabled", "rule", "because", "switch"], edge.EnumerateObject().Select(p => p.Name));
            Assert.Equal("client", edge.GetProperty("from").GetString());
            Assert.Contains(edge.GetProperty("to").GetString(), nodeIds);
            Assert.Equal(flow.Required, edge.GetProperty("required").GetBoolean());
            Assert.Equal(flow.Enabled.Value, edge.GetProperty("enabled").GetBoolean());
            Assert.Equal(flow.Enabled.Rule, edge.GetProperty("rule").GetString());
            Assert.Equal(flow.Enabled.Because, edge.GetProperty("because").GetString());
            Assert.Equal(flow.Enabled.Value ? JsonValueKind.Null : JsonValueKind.String, edge.GetProperty("switch").ValueKind);
        }

        Assert.Equal(diagram.OffReasons, root.GetProperty("offReasons").EnumerateArray().Select(s => s.GetString()!));
    }

    [Fact]
    [Trait("spec", "FLW-4")]
    public void Json_marks_each_disabled_flow_with_its_rule_and_switch()
    {
        using var json = JsonDocument.Parse(DataflowJson.Render(DataflowFixtures.Build("do-not-track").Diagram));
        var metrics = json.RootElement.GetProperty("edges").EnumerateArray().Single(e => e.GetProperty("id").GetString() == "metrics");

        Assert.False(metrics.GetProperty("enabled").GetBoolean());
        Assert.Equal("FLW-2", metrics.GetProperty("rule").GetString());
        Assert.Equal("DO_NOT_TRACK=1", metrics.GetProperty("switch").GetString());
        Assert.Equal("metrics-endpoint", metrics.GetProperty("to").GetString());
    }

    private static void XNamespaceCheck(System.Xml.Linq.XDocument svg) =>
        Assert.Equal("http://www.w3.org/2000/svg", svg.Root!.Name.NamespaceName);

    // The escapes MermaidRenderer applies, undone, so labels compare as text.
    private static string Unentity(string text) =>
        text.Replace("#quot;", "\"", StringComparison.Ordinal).Replace("#lt;", "<", StringComparison.Ordinal)
            .Replace("#gt;", ">", StringComparison.Ordinal).Replace("#124;", "|", StringComparison.Ordinal)
            .Replace("#35;", "#", StringComparison.Ordinal);

    private static string MermaidSafe(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    [GeneratedRegex("""^    (?<from>[a-z_]+) (?<arrow>-->|-\.->)\|"(?<label>[^"|]*)"\| (?<to>[a-z_]+)$""")]
    private static partial Regex MermaidLink();

    [GeneratedRegex("""^    (?<id>[a-z_]+)\["(?<label>[^"]*)"\]$""")]
    private static partial Regex MermaidNode();

    [GeneratedRegex("""^    classDef (?<name>[A-Za-z]+) [a-z-]+:[^ ,]+(,[a-z-]+:[^,]+)*$""")]
    private static partial Regex MermaidClassDef();

    [GeneratedRegex("""^    class (?<ids>[a-z_]+(,[a-z_]+)*) (?<name>[A-Za-z]+)$""")]
    private static partial Regex MermaidClass();

    [GeneratedRegex("""^    linkStyle (?<indexes>\d+(,\d+)*) [a-z-]+:[^ ,]+(,[a-z-]+:[^ ,]+)*$""")]
    private static partial Regex MermaidLinkStyle();
}
