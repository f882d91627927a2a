using Custodian.Redaction.Internal;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The meta-test: every rule's own true positives are replaced by its marker, and its false positives
/// survive, in plain text and in every shape a transcript gives them (RED-1, RED-2).
/// </summary>
[Trait("spec", "RED-1")]
[Trait("spec", "RED-2")]
[Trait("spec", "RED-6")]
[Trait("spec", "RED-7")]
public sealed class RuleExampleTests
{
    public static TheoryData<string, int> TruePositives => TruePositiveCases();

    /// <summary>True positives of the rules that recognise a token by its own format (the token table).</summary>
    public static TheoryData<string, int> FormatTruePositives => TruePositiveCases(formatsOnly: true);

    public static TheoryData<string, int> FalsePositives => FalsePositiveCases();

    private static RuleExample Example(string rule, int index) => Rule(rule).TruePositives[index];

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_alone_is_replaced_by_the_rule_marker(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        Assert.Equal(Expected(example, rule), Subject.Redact(example.Text));
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_in_prose_is_replaced_and_the_prose_kept(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        Assert.Equal("note: " + Expected(example, rule) + " (end)", Subject.Redact("note: " + example.Text + " (end)"));
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_at_the_end_of_a_line_is_replaced(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        string input = "first line\n" + example.Text + "\r\nlast line";
        Assert.Equal("first line\n" + Expected(example, rule) + "\r\nlast line", Subject.Redact(input));
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_in_a_json_string_is_replaced_and_the_line_stays_valid_json(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        string output = Subject.Redact(JsonLine(example.Text));
        Assert.True(IsValidJson(output), output);
        Assert.Equal(Expected(example, rule), TextOf(output));
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_after_an_escaped_newline_in_json_is_replaced(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        string output = Subject.Redact(JsonLine("$ cat .env\n" + example.Text + "\n"));
        Assert.True(IsValidJson(output), output);
        Assert.Equal("$ cat .env\n" + Expected(example, rule) + "\n", TextOf(output));
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_in_json_in_json_followed_by_an_escaped_quote_is_replaced(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        string line = JsonInJsonLine(example.Text);
        string output = Subject.Redact(line);
        Assert.True(IsValidJson(output), output);
        Assert.Equal(Expected(example, rule), TextOfJsonInJson(output));
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_followed_by_a_separator_is_still_replaced(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        foreach (string separator in new[] { "-", "_", "." })
        {
            string output = Subject.Redact(example.Text + separator + " next");
            string kept = Expected(example, rule) + separator + " next";
            string absorbed = (example.Text + separator).Replace(example.Secret + separator, Marker(rule), StringComparison.Ordinal) + " next";
            Assert.True(output == kept || output == absorbed, $"after '{separator}': {output}");
            Assert.DoesNotContain(example.Secret, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(TruePositives))]
    public void True_positive_is_reported_under_its_rule_id_without_the_secret(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        Subject.Redact(example.Text, out RedactionReport report);
        Assert.Equal(1, report.Total);
        Assert.Equal(1, report.Counts[rule]);
        Assert.DoesNotContain(example.Secret, report.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain(example.Secret, report.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FalsePositives))]
    public void False_positive_survives_in_plain_text(string rule, int index)
    {
        string text = Rule(rule).FalsePositives[index];
        Assert.Equal("see " + text + " here", Subject.Redact("see " + text + " here"));
        Assert.Equal(text, Subject.Redact(text));
    }

    [Theory]
    [MemberData(nameof(FalsePositives))]
    public void False_positive_survives_in_json_and_json_in_json(string rule, int index)
    {
        string text = Rule(rule).FalsePositives[index];
        string line = JsonLine("x\n" + text + "\n");
        Assert.Equal(line, Subject.Redact(line));
        string nested = JsonInJsonLine(text);
        Assert.Equal(nested, Subject.Redact(nested));
    }

    /// <summary>The assignment forms a session holds a token in (RED-6): shell, .env, JSON config, YAML, code.</summary>
    public static TheoryData<string, string> AssignmentForms() => new()
    {
        { "export", "export SERVICE_TOKEN={0}" },
        { "env", "SERVICE_TOKEN={0}\nDEBUG=1" },
        { "quoted env", "SERVICE_TOKEN=\"{0}\"" },
        { "json", "{{\"service_token\": \"{0}\", \"region\": \"eu\"}}" },
        { "yaml", "auth:\n  token: {0}\n" },
        { "code", "client = Client(api_key='{0}')" },
    };

    [Theory]
    [MemberData(nameof(FormatTruePositives))]
    public void Format_token_in_every_assignment_form_is_replaced_by_its_own_rule(string rule, int index)
    {
        RuleExample example = Example(rule, index);
        foreach (object[] form in AssignmentForms())
        {
            string template = (string)form[1];
            string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, example.Text);
            string expected = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Expected(example, rule));
            Assert.Equal(expected, Subject.Redact(text));

            // The same text inside a transcript line: quotes and newlines JSON-escaped, the token still whole.
            string output = Subject.Redact(JsonLine(text));
            Assert.True(IsValidJson(output), output);
            Assert.Equal(expected, TextOf(output));
        }
    }

    [Theory]
    [MemberData(nameof(FalsePositives))]
    public void False_positive_survives_in_assignment_forms(string rule, int index)
    {
        string text = Rule(rule).FalsePositives[index];
        if (Rule(rule).IsContextual)
        {
            return; // a contextual rule's near miss is about its context, which an assignment would replace
        }

        foreach (object[] form in AssignmentForms())
        {
            string line = string.Format(System.Globalization.CultureInfo.InvariantCulture, (string)form[1], text);
            Assert.DoesNotContain(Marker(rule), Subject.Redact(line), StringComparison.Ordinal);
            Assert.DoesNotContain(Marker(rule), Subject.Redact(JsonLine(line)), StringComparison.Ordinal);
        }
    }
}
