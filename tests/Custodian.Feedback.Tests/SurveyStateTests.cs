using System.Text.Json.Nodes;
using Custodian.Feedback.Survey;
using Custodian.Policy;
using Custodian.Policy.Account;

namespace Custodian.Feedback.Tests;

public sealed class SurveyStateTests : IDisposable
{
    private readonly string _configDir = SurveyTestKit.TempDir();

    public void Dispose() => Directory.Delete(_configDir, recursive: true);

    private string StatePath => LocalAccount.StatePath(_configDir);

    [Fact]
    [Trait("spec", "SHR-2")]
    [Trait("spec", "SHR-5")]
    public void Dont_ask_again_lands_in_the_file_the_policy_engine_reads()
    {
        new SurveyStateStore(_configDir).SetDontAskAgain();

        var account = LocalAccount.Read(_configDir, new Dictionary<string, string>());
        var decisions = PolicyEngine.Evaluate(new PolicyContext { User = account.User }).Decisions!;

        Assert.True(account.User.SurveyDontAskAgain);
        Assert.False(decisions.TranscriptShare.Offered.Value);
        Assert.Equal("SHR-2", decisions.TranscriptShare.Offered.Rule);
        Assert.True(new SurveyStateStore(_configDir).Load(out _).DontAskAgain);
    }

    [Fact]
    [Trait("spec", "SRV-6")]
    [Trait("spec", "TRN-4")]
    public void Writes_keep_every_key_the_survey_does_not_own_training_preference_included()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StatePath)!);
        File.WriteAllText(StatePath, """
            {"allowModelImprovement": true, "plan": "max", "org": {"zeroDataRetention": false}, "someoneElses": [1, 2]}
            """);
        var store = new SurveyStateStore(_configDir);

        store.RecordAppearance(new SurveyAppearance("a", "s1", SurveyTestKit.Now, SurveySink.Server, false));
        store.SetDontAskAgain();
        store.SetPublishedRate(0.25);

        var root = JsonNode.Parse(File.ReadAllText(StatePath))!.AsObject();
        Assert.True(root["allowModelImprovement"]!.GetValue<bool>());
        Assert.Equal("max", root["plan"]!.GetValue<string>());
        Assert.False(root["org"]!["zeroDataRetention"]!.GetValue<bool>());
        Assert.Equal(2, root["someoneElses"]!.AsArray().Count);
        Assert.True(root["surveyDontAskAgain"]!.GetValue<bool>());
        Assert.Equal(0.25, LocalAccount.Read(_configDir, new Dictionary<string, string>()).PublishedSurveyRate);
        var state = store.Load(out var warning);
        Assert.Null(warning);
        Assert.True(state.DontAskAgain);
        Assert.Equal(SurveyTestKit.Now, state.LastShownAt);
        Assert.Equal("s1", state.LastShownSessionId);
        Assert.Equal(["s1"], state.DrawnSessions);
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public void Each_session_has_one_draw_and_the_memory_of_draws_is_bounded()
    {
        var store = new SurveyStateStore(_configDir);
        for (var i = 0; i < SurveyState.MaxDrawnSessions + 5; i++) store.RecordDraw("s" + i);
        store.RecordDraw("s10");

        var state = store.Load(out _);

        Assert.Equal(SurveyState.MaxDrawnSessions, state.DrawnSessions.Count);
        Assert.False(state.WasDrawn("s0"));
        Assert.True(state.WasDrawn("s10"));
        Assert.Equal("s10", state.DrawnSessions[^1]);
    }

    [Fact]
    public void Writes_replace_the_file_whole_and_leave_no_temporary_file()
    {
        var store = new SurveyStateStore(_configDir);
        Parallel.For(0, 16, i => store.RecordDraw("s" + i));

        Assert.Equal(16, store.Load(out _).DrawnSessions.Count);
        Assert.Equal(["state.json"], Directory.GetFiles(Path.GetDirectoryName(StatePath)!).Select(Path.GetFileName).Where(n => !n!.StartsWith(".state.json.lock", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_file_that_cannot_be_read_back_is_never_replaced()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StatePath)!);
        File.WriteAllText(StatePath, "{ not json");
        var store = new SurveyStateStore(_configDir);

        Assert.Equal(SurveyState.Empty, store.Load(out var warning));
        Assert.NotNull(warning);
        Assert.Throws<IOException>(store.SetDontAskAgain);
        Assert.Equal("{ not json", File.ReadAllText(StatePath));
    }

    [Fact]
    [Trait("spec", "SRV-2")]
    public void User_turns_count_prompts_only()
    {
        var path = Path.Combine(_configDir, "t.jsonl");
        File.WriteAllLines(path,
        [
            """{"type":"user","message":{"role":"user","content":"first"}}""",
            """{"type":"user","isMeta":true,"message":{"role":"user","content":"meta"}}""",
            """{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"x"}]}}""",
            """{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"user"}]}}""",
            """{"type":"user","message":{"role":"user","content":[{"type":"text","text":"second"}]}}""",
            """{"type":"user", truncated""",
        ]);

        Assert.Equal(2, SurveyEligibility.CountUserTurns(path));
    }
}
