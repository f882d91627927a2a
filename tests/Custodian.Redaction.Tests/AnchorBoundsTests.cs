using Custodian.Redaction.Internal;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The prefilter drops anchor occurrences that a rule has declared it cannot match (<see cref="Rule.BoundsOf"/>), so
/// that the common words inside snake_case keys and prose (<c>input_tokens</c>, <c>file_path</c>, "the key") run no
/// rule. Dropping is only sound if the rule would indeed have rejected every one of them.
/// </summary>
[Trait("spec", "CUS-72")]
public sealed class AnchorBoundsTests
{
    public static TheoryData<string, int> BoundedExamples()
    {
        var data = new TheoryData<string, int>();
        foreach (Rule rule in AllRules)
        {
            if (rule.Signatures.Any(s => rule.BoundsOf(s) != AnchorBounds.None))
            {
                for (int i = 0; i < rule.TruePositives.Count; i++)
                {
                    data.Add(rule.Id, i);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BoundedExamples))]
    public void A_rule_never_matches_where_its_anchor_bounds_fail(string ruleId, int index)
    {
        Rule rule = Rule(ruleId);
        string text = rule.TruePositives[index].Text;
        int checkedHits = 0;
        foreach (string signature in rule.Signatures)
        {
            AnchorBounds bounds = rule.BoundsOf(signature);
            for (int hit = text.IndexOf(signature, StringComparison.Ordinal); hit >= 0; hit = text.IndexOf(signature, hit + 1, StringComparison.Ordinal))
            {
                var variants = new List<(string Text, int Hit)>();
                int end = hit + signature.Length;
                if (bounds.HasFlag(AnchorBounds.EndsWord))
                {
                    variants.Add((text[..end] + "x" + text[end..], hit));
                    variants.Add((text[..end] + "7" + text[end..], hit));
                    variants.Add((text[..end] + "Q" + text[end..], hit));
                }

                if (bounds.HasFlag(AnchorBounds.AfterNameChar))
                {
                    variants.Add((text[..hit] + " " + text[hit..], hit + 1));
                    variants.Add((text[..hit] + "(" + text[hit..], hit + 1));
                    variants.Add(("\"" + text[hit..], 1));
                }

                foreach (var (variant, at) in variants)
                {
                    checkedHits++;
                    bool matched = rule.TryMatch(new Window(variant, at, startIsTextStart: true), out int start, out int stop);
                    Assert.False(matched, $"{ruleId} matched [{(matched ? variant[start..stop] : "")}] in \"{variant}\" at {at}, where the bounds of '{signature}' ({bounds}) fail");
                }
            }
        }

        Assert.True(checkedHits > 0 || !rule.Signatures.Any(s => rule.BoundsOf(s) != AnchorBounds.None && text.Contains(s, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("{\"usage\":{\"input_tokens\":2700,\"cache_read_input_tokens\":64003,\"output_tokens\":444}}")]
    [InlineData("Read the file_path and the other_paths, then the key) or the key, time: a keyboard")]
    [InlineData("tokens; a tokenizer; secretary; passwords; KEYS and Keys; the_pathway")]
    public void Common_words_inside_names_and_prose_are_no_hit(string text)
    {
        AnchorIndex index = Redactor.Default.Scanner.Anchors;
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        int[] state = new int[index.ByteStateLength];
        Array.Fill(state, -1);
        int charCursor = -1;
        Assert.Equal(-1, index.Next(bytes, 0, state));
        Assert.Equal(-1, index.Next(text.AsSpan(), 0, ref charCursor));
    }

    [Theory]
    [InlineData("export API_TOKEN=", 11)]
    [InlineData("{\"apiKey\":", 5)]
    [InlineData("GITHUB_PAT=", 6)]
    [InlineData("token: ", 1)]
    [InlineData("X-Auth-Token", 8)]
    public void A_name_ending_in_an_anchor_is_a_hit_also_at_the_end_of_the_text(string text, int expected)
    {
        // At the end of a buffer the byte after the anchor is not known yet: the hit stays, and the rule decides once
        // more text has arrived.
        AnchorIndex index = Redactor.Default.Scanner.Anchors;
        int[] state = new int[index.ByteStateLength];
        Array.Fill(state, -1);
        Assert.Equal(expected, index.Next(System.Text.Encoding.UTF8.GetBytes(text), 0, state));
    }
}
