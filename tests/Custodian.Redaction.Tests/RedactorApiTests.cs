using System.Buffers;
using System.Text.Json;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>The public surface: strings, spans, detection, builder options and reports (RED-1, RED-5).</summary>
public sealed class RedactorApiTests
{
    private const string Token = "ghp_R8fJ2kLq9ZtW4mNc7XvB1sYd6HpG3aUe0oTi";

    [Fact]
    [Trait("spec", "RED-1")]
    public void A_token_as_a_urls_user_name_is_redacted_with_its_password_in_one_pass()
    {
        const string Url = "git clone https://ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK:x9Qv2LmZ7pK4@github.com/o/r.git";

        string once = Subject.Redact(Url);

        Assert.Equal("git clone https://[REDACTED:github-pat-classic]@github.com/o/r.git", once);
        Assert.Equal(once, Subject.Redact(once));
    }

    [Fact]
    [Trait("spec", "RED-1")]
    public void Text_without_secrets_is_returned_as_the_same_instance()
    {
        string text = "nothing to see: sk-short, ghp_tooShort, https://example.com/a?b=c";
        Assert.Same(text, Subject.Redact(text, out RedactionReport report));
        Assert.True(report.IsEmpty);
        Assert.Same(RedactionReport.Empty, report);
    }

    [Fact]
    [Trait("spec", "RED-1")]
    public void Span_overload_writes_the_same_text_as_the_string_overload()
    {
        string text = "a " + Token + " b " + Token + " c";
        var writer = new ArrayBufferWriter<char>();
        RedactionReport report = Subject.Redact(text.AsSpan(), writer);
        Assert.Equal(Subject.Redact(text), new string(writer.WrittenSpan));
        Assert.Equal("a [REDACTED:github-pat-classic] b [REDACTED:github-pat-classic] c", new string(writer.WrittenSpan));
        Assert.Equal(2, report.Counts["github-pat-classic"]);
    }

    [Fact]
    [Trait("spec", "RED-5")]
    public void Detect_reports_rule_and_position_but_never_the_text()
    {
        string text = "x=" + Token + "\nAuthorization: Bearer q4w8e1r6t3y9u2i7o5p0z";
        IReadOnlyList<Detection> found = Subject.Detect(text);
        Assert.Equal(2, found.Count);
        Assert.Equal(new Detection("github-pat-classic", 2, Token.Length), found[0]);
        Assert.Equal("authorization-bearer", found[1].RuleId);
        Assert.Equal("q4w8e1r6t3y9u2i7o5p0z", text.Substring(found[1].Start, found[1].Length));
        Assert.DoesNotContain(Token, found[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "RED-5")]
    public void Report_counts_per_rule_and_serializes_without_secrets()
    {
        string text = Token + " " + Token + " AKIAVGWFM5E0SZCRQ6WK";
        Subject.Redact(text, out RedactionReport report);
        Assert.Equal(3, report.Total);
        Assert.Equal(2, report.Counts["github-pat-classic"]);
        Assert.Equal(1, report.Counts["aws-access-key-id"]);
        string json = report.ToJson();
        Assert.Equal("{\"total\":3,\"rules\":{\"aws-access-key-id\":1,\"github-pat-classic\":2}}", json);
        Assert.DoesNotContain(Token, json, StringComparison.Ordinal);
        Assert.Equal("RedactionReport { Total = 3, aws-access-key-id = 1, github-pat-classic = 2 }", report.ToString());
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(3, doc.RootElement.GetProperty("total").GetInt64());
    }

    [Fact]
    [Trait("spec", "RED-5")]
    public void Reports_add_up_and_compare_by_content()
    {
        var a = new RedactionReport([new("jwt", 2), new("url-password", 1)]);
        var b = new RedactionReport([new("jwt", 1), new("pem-private-key", 0)]);
        RedactionReport sum = a.Add(b);
        Assert.Equal(new RedactionReport([new("jwt", 3), new("url-password", 1)]), sum);
        Assert.Equal(4, sum.Total);
        Assert.False(sum.Counts.ContainsKey("pem-private-key"));
        Assert.Same(a, a.Add(RedactionReport.Empty));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Rules_can_be_turned_off_by_id_and_unknown_ids_are_rejected()
    {
        Redactor redactor = new RedactorBuilder().WithoutRules("github-pat-classic").Build();
        Assert.Equal(Token, redactor.Redact(Token));
        Assert.DoesNotContain(redactor.Rules, r => r.Id == "github-pat-classic");
        Assert.Throws<ArgumentException>(() => new RedactorBuilder().WithoutRules("no-such-rule"));
    }

    [Fact]
    public void Buffer_size_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedactorBuilder().WithBufferSize(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedactorBuilder().WithBufferSize(128 * 1024 * 1024));
        Assert.Equal(4096, new RedactorBuilder().WithBufferSize(4096).Build().BufferSize);
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => Subject.Redact((string)null!));
        Assert.Throws<ArgumentNullException>(() => Subject.Redact((Stream)null!, Stream.Null));
        Assert.Throws<ArgumentNullException>(() => Subject.Redact(new StringReader(""), null!));
        Assert.Throws<ArgumentNullException>(() => Subject.Detect(null!));
    }

    [Fact]
    public async Task Redactor_is_safe_to_share_between_threads()
    {
        string[] inputs = [.. Enumerable.Range(0, 16).Select(i => new string('x', i * 100) + " " + Token + " " + i)];
        string[] expected = [.. inputs.Select(s => Subject.Redact(s))];
        string[][] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => inputs.Select(s => Subject.Redact(s)).ToArray())));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Theory]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("commit 9fceb02d0ae598e95dc970b74767f19372d61af8")]
    [InlineData("f47ac10b-58cc-4372-a567-0e02b2c3d479")]
    [InlineData("\"integrity\": \"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR7ydpf3zE3c1sCvw==\"")]
    [InlineData("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")]
    [InlineData("AAAAB3NzaC1yc2EAAAADAQABAAABAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu")]
    [InlineData("\"requestId\": \"req_011CRq7p3aeCpCqWsVbXzWbP\", \"sessionId\": \"9a2a3f1c-2d3e-4b5f-8a9b-0c1d2e3f4a5b\"")]
    [InlineData("\"model\": \"claude-sonnet-4-20250514\", \"input_tokens\": 1234, \"cache_read_input_tokens\": 5678")]
    [Trait("spec", "RED-1")]
    public void No_entropy_catch_all_hashes_ids_and_base64_survive(string text)
    {
        Assert.Same(text, Subject.Redact(text));
    }
}
