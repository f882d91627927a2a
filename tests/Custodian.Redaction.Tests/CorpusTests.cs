using System.Text.Json;
using System.Text.Json.Nodes;
using Custodian.Redaction.Internal;
using Custodian.Redaction.Rules;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The real Claude Code transcripts of the shared corpus, with secrets of every rule planted into their
/// text fields: every line stays valid JSON, every secret is gone, nothing else changes (RED-1, SHR-3).
/// </summary>
public sealed class CorpusTests
{
    internal static readonly string CorpusDirectory = FindCorpus();

    public static TheoryData<string> CorpusFiles() => [.. Directory.GetFiles(CorpusDirectory, "*.jsonl").Order().Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    [Trait("spec", "RED-1")]
    public void Corpus_without_secrets_passes_through_byte_for_byte(string file)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(CorpusDirectory, file));
        using var output = new MemoryStream();
        RedactionReport report = Subject.Redact(new MemoryStream(input), output);
        Assert.True(report.IsEmpty, report.ToString());
        Assert.Equal(input, output.ToArray());
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    [Trait("spec", "RED-1")]
    [Trait("spec", "SHR-3")]
    [Trait("spec", "FBK-4")]
    public void Planted_secrets_are_removed_and_every_line_stays_valid_json(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(CorpusDirectory, file));
        RuleExample[] examples = [.. BuiltInRules.All.SelectMany(r => r.TruePositives.Select(e => (r, e))).Select(p => p.e)];
        // The input is the planted lines as serialized; nothing but the secrets may differ in the output.
        string[] expectedLines = new string[lines.Length];
        string[] plantedLines = new string[lines.Length];
        int planted = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            RuleExample example = examples[i % examples.Length];
            string rule = BuiltInRules.All.First(r => r.TruePositives.Contains(example)).Id;
            (plantedLines[i], expectedLines[i]) = Plant(lines[i], example, rule, ref planted);
        }

        string input = string.Join('\n', plantedLines) + "\n";
        string output = RedactViaStream(new RedactorBuilder().WithBufferSize(4096).Build(), input);
        string[] outLines = output.Split('\n')[..^1];
        Assert.Equal(lines.Length, outLines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal(expectedLines[i], outLines[i]);
            Assert.Equal(IsValidJson(lines[i]), IsValidJson(outLines[i]));
        }

        Assert.True(planted > 0);
        foreach (RuleExample example in examples.Take(lines.Length))
        {
            Assert.DoesNotContain(Json(example.Secret).Trim('"'), output, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Appends the example to the first string value of a JSON object line (deepest first found), so the
    /// secret sits inside a JSON string as in a real transcript. Lines that are not objects stay as they are.
    /// </summary>
    private static (string Planted, string Expected) Plant(string line, RuleExample example, string rule, ref int planted)
    {
        if (!IsValidJson(line) || JsonNode.Parse(line) is not JsonObject)
        {
            return (line, line);
        }

        string? planted1 = PlantInto(line, " " + example.Text + " ");
        if (planted1 is null)
        {
            return (line, line);
        }

        planted++;
        return (planted1, PlantInto(line, " " + Expected(example, rule) + " ")!);
    }

    private static string? PlantInto(string line, string text)
    {
        JsonNode root = JsonNode.Parse(line)!;
        JsonValue? target = FirstString(root);
        if (target is null)
        {
            return null;
        }

        target.ReplaceWith(JsonValue.Create(target.GetValue<string>() + text));
        return root.ToJsonString(JsOptions);
    }

    private static JsonValue? FirstString(JsonNode? node) => node switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value,
        JsonObject obj => obj.Select(p => FirstString(p.Value)).FirstOrDefault(v => v is not null),
        JsonArray array => array.Select(FirstString).FirstOrDefault(v => v is not null),
        _ => null,
    };

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "corpus", "claude-code-log");
            if (Directory.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new DirectoryNotFoundException("../shared/corpus/claude-code-log not found above " + AppContext.BaseDirectory);
    }
}
