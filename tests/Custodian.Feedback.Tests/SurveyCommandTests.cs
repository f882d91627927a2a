using System.Text.Json.Nodes;
using Custodian.Feedback.Survey;

namespace Custodian.Feedback.Tests;

/// <summary><c>custodian survey</c> run in-process with scripted input lines.</summary>
public sealed class SurveyCommandTests : IDisposable
{
    private const string Secret = "sk-ant-api03-XwCOTfWjpDhqAlwE_vulqndnxOapJdxhnAAy7x8OI64BZ51rAuNYzwT6bpQaC1eB7-g3QbRGuCn3irwdRNG-uU73_PuepAA";
    private readonly SurveySandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [Trait("spec", "SRV-3")]
    [InlineData("DO_NOT_TRACK", "1")]
    [InlineData("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY", "1")]
    [InlineData("DISABLE_TELEMETRY", "0")]
    public async Task A_disabled_survey_says_why_and_exits_0_without_prompting(string variable, string value)
    {
        _sandbox.Session("s1");
        _sandbox.Environment[variable] = value;

        var result = await _sandbox.RunAsync("3\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("The survey is turned off (SRV-3: ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(variable, result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("How is Claude doing", result.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(_sandbox.RatingsPath));
        Assert.False(File.Exists(_sandbox.StatePath));
    }

    [Fact]
    [Trait("spec", "SRV-1")]
    [Trait("spec", "SRV-5")]
    public async Task On_a_gateway_the_rating_is_kept_only_on_the_machine_and_sentences_are_not_ratings()
    {
        _sandbox.Session("s1");
        _sandbox.Environment["CUSTODIAN_GATEWAY"] = "1";

        var result = await _sandbox.RunAsync("I have 2 cats\n2 cats\n1\nn\n", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"I have 2 cats\" is not a rating", result.Stderr, StringComparison.Ordinal);
        var rating = Assert.Single(new LocalRatingLog(_sandbox.ConfigDir).ReadAll());
        Assert.Equal(("s1", SurveyRating.Bad), (rating.SessionId, rating.Rating));
        var line = JsonNode.Parse(File.ReadAllLines(_sandbox.RatingsPath).Single())!.AsObject();
        Assert.Equal(["appearanceId", "at", "rating", "sessionId"], line.Select(p => p.Key).Order(StringComparer.Ordinal));
        var json = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("rated-follow-up-no", json["result"]!.GetValue<string>());
        Assert.Equal("none", json["sink"]!.GetValue<string>());
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public async Task A_short_session_and_a_drawn_session_get_no_survey()
    {
        _sandbox.Session("short", turns: SurveyEligibility.MinUserTurns - 1);

        var young = await _sandbox.RunAsync("3\n", "--session", "short");
        Assert.Equal(0, young.ExitCode);
        Assert.Contains("becomes eligible after 3", young.Stdout, StringComparison.Ordinal);

        _sandbox.Session("s2");
        await _sandbox.RunAsync("0\n", "--session", "s2");
        var again = await _sandbox.RunAsync("3\n", "--session", "s2");
        Assert.Contains("already had its one draw", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(SurveyRating.Dismiss, Assert.Single(new LocalRatingLog(_sandbox.ConfigDir).ReadAll()).Rating);
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public async Task Rate_zero_never_shows_the_survey()
    {
        using var sandbox = new SurveySandbox(rate: 0);
        sandbox.Session("s1");

        var result = await sandbox.RunAsync("3\n");

        Assert.Contains("sampled out", result.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(sandbox.RatingsPath));
    }

    [Fact]
    public async Task An_unknown_session_is_bad_input()
    {
        var result = await _sandbox.RunAsync(string.Empty, "--session", "nope");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--session", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("spec", "SHR-4")]
    [Trait("spec", "SHR-6")]
    [InlineData("y", false)]
    [InlineData("send", false)]
    [InlineData("yes", true)]
    public async Task On_a_third_party_platform_Yes_writes_the_local_archive_only_after_yes_in_full(string confirmation, bool written)
    {
        _sandbox.Session("s1", secret: Secret);
        _sandbox.Environment["CLAUDE_CODE_USE_BEDROCK"] = "1";

        var result = await _sandbox.RunAsync($"3\ny\n{confirmation}\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("transcripts/s1.jsonl", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("anthropic-api-key", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("type yes in full", result.Stdout, StringComparison.Ordinal);
        var files = _sandbox.ArchiveFiles();
        if (!written)
        {
            Assert.Empty(files);
            Assert.Contains("Nothing was sent.", result.Stdout, StringComparison.Ordinal);
            return;
        }

        var archive = Assert.Single(files);
        Assert.EndsWith(".tar.gz", archive, StringComparison.Ordinal);
        Assert.Contains(new FileInfo(archive).Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAAAAAAAAAAAAAAAAA", await ReadGzipTextAsync(archive), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("spec", "SHR-5")]
    [Trait("spec", "SRV-6")]
    public async Task Dont_ask_again_persists_and_the_training_preference_is_untouched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_sandbox.StatePath)!);
        File.WriteAllText(_sandbox.StatePath, """{"allowModelImprovement": true}""");
        _sandbox.Session("a");
        _sandbox.Session("b");

        var first = await _sandbox.RunAsync("3\nd\n", "--session", "a");
        var second = await _sandbox.RunAsync("3\n", "--session", "b");

        Assert.Contains("Can Anthropic look at your session transcript", first.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Can Anthropic look at your session transcript", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("Thanks: 3 Good", second.Stdout, StringComparison.Ordinal);
        var state = JsonNode.Parse(File.ReadAllText(_sandbox.StatePath))!;
        Assert.True(state["surveyDontAskAgain"]!.GetValue<bool>());
        Assert.True(state["allowModelImprovement"]!.GetValue<bool>());
        Assert.Empty(_sandbox.ArchiveFiles());
    }

    private static async Task<string> ReadGzipTextAsync(string path)
    {
        await using var file = File.OpenRead(path);
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return await reader.ReadToEndAsync();
    }
}
