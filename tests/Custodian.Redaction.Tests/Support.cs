using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Custodian.Redaction.Internal;
using Custodian.Redaction.Rules;

namespace Custodian.Redaction.Tests;

/// <summary>Shared helpers: rule examples as theory data, and JSON wrapping as Claude Code writes transcripts.</summary>
internal static class Support
{
    /// <summary>JavaScript's JSON.stringify escapes only quotes, backslashes and control characters; so does this.</summary>
    public static readonly JsonSerializerOptions JsOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Redactor Subject => Redaction.Redactor.Default;

    public static IEnumerable<Rule> AllRules => BuiltInRules.All;

    public static Rule Rule(string id) => BuiltInRules.All.Single(r => r.Id == id);

    public static string Marker(string id) => Redaction.Redactor.MarkerFor(id);

    /// <summary>The expected redaction of a true-positive example.</summary>
    public static string Expected(RuleExample example, string ruleId) => example.Text.Replace(example.Secret, Marker(ruleId), StringComparison.Ordinal);

    /// <summary>A string as a JSON string literal, quotes included.</summary>
    public static string Json(string value) => JsonSerializer.Serialize(value, JsOptions);

    /// <summary>One transcript-like JSON line holding <paramref name="text"/> as message content.</summary>
    public static string JsonLine(string text) =>
        "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":" + Json(text) + "}]},\"uuid\":\"3f2b6c1e-8d4a-4e7b-9c2f-1a5d6e7f8a9b\"}";

    /// <summary>Reads back the text of <see cref="JsonLine"/>.</summary>
    public static string TextOf(string jsonLine)
    {
        using var doc = JsonDocument.Parse(jsonLine);
        return doc.RootElement.GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    /// <summary>A tool result that is itself JSON, stored as a string: the secret ends up followed by <c>\"</c>.</summary>
    public static string JsonInJsonLine(string text) =>
        "{\"type\":\"user\",\"toolUseResult\":" + Json("{\"stdout\":" + Json(text) + ",\"exit\":0}") + "}";

    public static string TextOfJsonInJson(string line)
    {
        using var outer = JsonDocument.Parse(line);
        using var inner = JsonDocument.Parse(outer.RootElement.GetProperty("toolUseResult").GetString()!);
        return inner.RootElement.GetProperty("stdout").GetString()!;
    }

    public static bool IsValidJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static TheoryData<string, int> TruePositiveCases(bool formatsOnly = false)
    {
        var data = new TheoryData<string, int>();
        foreach (Rule rule in BuiltInRules.All)
        {
            if (formatsOnly && rule is not TokenFormatRule)
            {
                continue;
            }

            for (int i = 0; i < rule.TruePositives.Count; i++)
            {
                // The format-only cases are the bare tokens, which the caller puts into contexts of its own.
                if (!formatsOnly || rule.TruePositives[i].Text == rule.TruePositives[i].Secret)
                {
                    data.Add(rule.Id, i);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, int> FalsePositiveCases()
    {
        var data = new TheoryData<string, int>();
        foreach (Rule rule in BuiltInRules.All)
        {
            for (int i = 0; i < rule.FalsePositives.Count; i++)
            {
                data.Add(rule.Id, i);
            }
        }

        return data;
    }

    /// <summary>Redacts through the byte-stream path with the given buffer size.</summary>
    public static string RedactViaStream(Redactor redactor, string text, int? chunk = null)
    {
        byte[] input = Encoding.UTF8.GetBytes(text);
        using var output = new MemoryStream();
        using Stream source = chunk is int c ? new TrickleStream(input, c) : new MemoryStream(input);
        redactor.Redact(source, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static readonly string[] AllTruePositives = [.. BuiltInRules.All.SelectMany(r => r.TruePositives).Select(e => e.Text)];

    /// <summary>Command lines glued from <paramref name="parts"/> and every rule's true positives, for the command-line properties.</summary>
    public static FsCheck.Gen<string> CommandLines(string[] parts) =>
        FsCheck.Fluent.Gen.Select(
            FsCheck.Fluent.Gen.ListOf(FsCheck.Fluent.Gen.Frequency((6, FsCheck.Fluent.Gen.Elements(parts)), (2, FsCheck.Fluent.Gen.Elements(AllTruePositives)))),
            glued => string.Concat(glued));

    /// <summary>Whether redacting the text twice equals redacting it once, the second pass finding nothing.</summary>
    public static bool RedactsOnceAsTwice(string text)
    {
        string once = Subject.Redact(text);
        return Subject.Redact(once, out RedactionReport again) == once && again.IsEmpty;
    }

    /// <summary>Whether the text inside a JSON line, and inside JSON in JSON, stays valid JSON and redacts once as twice.</summary>
    public static bool StaysValidJsonOnceAsTwice(string text)
    {
        string line = Subject.Redact(JsonLine(text));
        string nested = Subject.Redact(JsonInJsonLine(text));
        return IsValidJson(line) && IsValidJson(nested) && Subject.Redact(line) == line && Subject.Redact(nested) == nested;
    }

    /// <summary>Asserts that <paramref name="text"/> redacts to <paramref name="expected"/> raw, inside a JSON line and inside JSON in JSON, the lines staying valid.</summary>
    public static void AssertRedactsRawAndJsonEscaped(string text, string expected)
    {
        Xunit.Assert.Equal(expected, Subject.Redact(text));

        string line = Subject.Redact(JsonLine(text));
        Xunit.Assert.True(IsValidJson(line), line);
        Xunit.Assert.Equal(expected, TextOf(line));

        string nested = Subject.Redact(JsonInJsonLine(text));
        Xunit.Assert.True(IsValidJson(nested), nested);
        Xunit.Assert.Equal(expected, TextOfJsonInJson(nested));
    }
}

/// <summary>A read-only stream that returns at most <c>chunk</c> bytes per read, like a pipe.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, chunk), data.Length - position);
        Array.Copy(data, position, buffer, offset, n);
        position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}
