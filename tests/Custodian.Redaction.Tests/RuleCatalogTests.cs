using System.Text.RegularExpressions;
using Custodian.Redaction.Internal;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>The rule set as a whole: enough rules, stable well-formed ids, every RED-2 format covered.</summary>
public sealed partial class RuleCatalogTests
{
    [Fact]
    [Trait("spec", "RED-2")]
    public void There_are_at_least_45_rules_with_unique_kebab_case_ids()
    {
        string[] ids = [.. AllRules.Select(r => r.Id)];
        Assert.True(ids.Length >= 45, $"{ids.Length} rules");
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(KebabCase(), id));
    }

    [Fact]
    [Trait("spec", "RED-1")]
    public void Every_marker_is_free_of_quotes_and_backslashes()
    {
        Assert.All(AllRules, rule =>
        {
            string marker = Marker(rule.Id);
            Assert.Equal("[REDACTED:" + rule.Id + "]", marker);
            Assert.DoesNotContain('"', marker);
            Assert.DoesNotContain('\\', marker);
            Assert.Equal(marker, Subject.Redact(marker));
        });
    }

    [Fact]
    public void Every_rule_brings_true_and_false_positive_examples_and_a_description()
    {
        Assert.All(AllRules, rule =>
        {
            Assert.NotEmpty(rule.TruePositives);
            Assert.NotEmpty(rule.FalsePositives);
            Assert.False(string.IsNullOrWhiteSpace(rule.Description));
            Assert.All(rule.TruePositives, example => Assert.Contains(example.Secret, example.Text, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Public_rule_list_matches_the_built_in_rules_in_order()
    {
        Assert.Equal(AllRules.Select(r => r.Id), RedactorBuilder.BuiltInRuleInfos.Select(r => r.Id));
        Assert.Equal(AllRules.Select(r => r.Id), Subject.Rules.Select(r => r.Id));
    }

    /// <summary>Each RED-2 format and the extra formats, with the rule ids that cover them.</summary>
    [Theory]
    [Trait("spec", "RED-2")]
    [Trait("spec", "FBK-4")]
    [InlineData("Anthropic API key", "anthropic-api-key")]
    [InlineData("Anthropic admin key", "anthropic-admin-key")]
    [InlineData("Claude Code OAuth access token", "anthropic-oauth-token")]
    [InlineData("Claude Code OAuth refresh token", "anthropic-refresh-token")]
    [InlineData("OpenAI keys", "openai-project-key", "openai-service-account-key", "openai-admin-key", "openai-legacy-key")]
    [InlineData("GitHub tokens", "github-pat-classic", "github-fine-grained-pat", "github-oauth-token", "github-app-installation-token", "github-user-to-server-token", "github-refresh-token")]
    [InlineData("GitLab tokens", "gitlab-pat", "gitlab-pipeline-trigger-token", "gitlab-runner-token", "gitlab-deploy-token")]
    [InlineData("AWS", "aws-access-key-id", "aws-secret-access-key", "aws-session-token")]
    [InlineData("Google", "google-api-key", "gcp-service-account-key", "pem-private-key")]
    [InlineData("Azure", "azure-storage-account-key", "azure-shared-access-key", "azure-sas-signature", "azure-ad-client-secret")]
    [InlineData("Slack", "slack-bot-token", "slack-user-token", "slack-app-token", "slack-webhook-url")]
    [InlineData("Stripe", "stripe-secret-key", "stripe-restricted-key", "stripe-webhook-secret")]
    [InlineData("Twilio", "twilio-auth-token")]
    [InlineData("SendGrid", "sendgrid-api-key")]
    [InlineData("npm", "npm-access-token", "npmrc-auth-token")]
    [InlineData("PyPI", "pypi-token")]
    [InlineData("NuGet", "nuget-api-key")]
    [InlineData("Hugging Face", "huggingface-token")]
    [InlineData("Docker Hub", "dockerhub-pat")]
    [InlineData("Databricks", "databricks-token")]
    [InlineData("JWT", "jwt")]
    [InlineData("PEM private keys", "pem-private-key")]
    [InlineData("Authorization headers", "authorization-bearer", "authorization-basic")]
    [InlineData("Passwords in URLs and connection strings", "url-password", "connection-string-password")]
    public void Every_required_format_has_a_rule(string format, params string[] ids)
    {
        var known = AllRules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(ids, id => Assert.True(known.Contains(id), $"{format}: no rule '{id}'"));
    }

    [Fact]
    public void Windows_and_anchors_are_within_the_scanner_limits()
    {
        Assert.All(AllRules, rule =>
        {
            Assert.InRange(rule.MaxLookBehind, 0, Scanner.MaxRuleLookBehind);
            Assert.All(rule.Signatures, s => Assert.True(s.Length >= 3 && s.All(char.IsAscii), $"{rule.Id}: '{s}'"));
        });
    }

    /// <summary>
    /// No anchor holds another anchor strictly inside it: while the longer one is still arriving, a streaming scan
    /// would stop at the inner one, wait for more text from there, and never see the longer one's start (RED-3).
    /// </summary>
    [Fact]
    [Trait("spec", "RED-3")]
    public void No_scan_anchor_contains_another_strictly_inside()
    {
        // Format rules only: a context rule's anchor is part of a name (`ecret`, `assword`) and so lies inside other
        // words by nature; the stream and byte paths are checked against the string path for those by the
        // differential properties (StreamBoundaryTests, BytePathTests, PropertyTests).
        string[] anchors = [.. AllRules.Where(r => !r.IsContextual).SelectMany(r => r.Signatures).Distinct(StringComparer.Ordinal)];
        Assert.All(anchors, outer => Assert.All(anchors, inner =>
        {
            int at = outer.IndexOf(inner, 1, StringComparison.Ordinal);
            Assert.True(inner == outer || at < 0 || at + inner.Length == outer.Length, $"'{inner}' inside '{outer}'");
        }));
    }

    /// <summary>docs/redaction.md lists every built-in rule, in matching order, with its description: the table is generated from the rules.</summary>
    [Fact]
    [Trait("spec", "RED-6")]
    public void The_rule_table_in_the_docs_is_current()
    {
        string doc = File.ReadAllText(FindDoc("docs/redaction.md"));
        string[] rows = [.. AllRules.Select(r => $"| `{r.Id}` | {r.Description} |")];
        int start = doc.IndexOf("| Id | Finds |\n|----|-------|\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/redaction.md has no rule table");
        string[] documented = [.. doc[(start + "| Id | Finds |\n|----|-------|\n".Length)..].Split('\n').TakeWhile(line => line.StartsWith('|'))];
        Assert.Equal(rows, documented);
    }

    private static string FindDoc(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relative);
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();
}
