using BenchmarkDotNet.Attributes;
using Custodian.Policy;

namespace Custodian.Benchmarks;

/// <summary>
/// One full policy evaluation. Goal (issue 2): under 1 µs, and nothing allocated but the result
/// (the <see cref="PolicyDecisions"/> record and its eight section records).
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private PolicyContext _default = PolicyContext.Default;
    private PolicyContext _busy = PolicyContext.Default;

    [GlobalSetup]
    public void Setup()
    {
        _default = PolicyContext.Default;
        _busy = new PolicyContext
        {
            Plan = Plan.Max,
            Gateway = false,
            User = new UserPreferences(AllowModelImprovement: true, SurveyDontAskAgain: false),
            Environment = ClientEnvironment.FromVariables(new Dictionary<string, string>
            {
                ["DO_NOT_TRACK"] = "1",
                ["CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL"] = "1",
                ["DISABLE_ERROR_REPORTING"] = "0",
            }),
            Settings = new PolicySettings
            {
                FeedbackSurveyRate = SourcedValue<double>.Create("feedbackSurveyRate", 0.1, "/home/u/.claude/settings.json"),
                CleanupPeriodDays = SourcedValue<long>.Create("cleanupPeriodDays", 14, "/etc/claude-code/managed-settings.json"),
                CleanupPeriodPinned = true,
            },
        };
    }

    /// <summary>A new pro user with nothing set.</summary>
    [Benchmark(Baseline = true)]
    public PolicyDecisions? DefaultContext() => PolicyEngine.Evaluate(_default).Decisions;

    /// <summary>Switches, the OTel override, settings and a managed pin all in play.</summary>
    [Benchmark]
    public PolicyDecisions? BusyContext() => PolicyEngine.Evaluate(_busy).Decisions;
}
