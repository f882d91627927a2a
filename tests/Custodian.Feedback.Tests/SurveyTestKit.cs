using Custodian.Feedback.Survey;
using Custodian.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.Feedback.Tests;

/// <summary>Shared helpers of the survey tests: policies from a few words, fixed draws, a fake clock, sessions on disk.</summary>
internal static class SurveyTestKit
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static PolicyDecisions Decisions(
        string env = "", double? rate = 1.0, bool gateway = false, bool credentials = true, bool zdr = false,
        bool orgFeedbackOff = false, bool dontAskAgain = false, Plan plan = Plan.Pro, double? published = null, bool allowTraining = false)
    {
        var variables = env.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var outcome = PolicyEngine.Evaluate(new PolicyContext
        {
            Plan = zdr ? Plan.Enterprise : plan,
            Gateway = gateway,
            ServerCredentials = credentials,
            User = new UserPreferences(allowTraining, dontAskAgain),
            Org = new OrganizationPolicy(false, zdr, orgFeedbackOff),
            Environment = ClientEnvironment.FromVariables(variables),
            Settings = rate is { } r ? new PolicySettings { FeedbackSurveyRate = SourcedValue<double>.Create("feedbackSurveyRate", r, "test") } : PolicySettings.Default,
            PublishedSurveyRate = published,
        });
        return outcome.Decisions ?? throw new InvalidOperationException(outcome.Error!.ToString());
    }

    public static SurveyMachine Machine(double draw = 0.0, FakeTimeProvider? time = null) =>
        new(new FuncRandomSource(() => draw), time ?? new FakeTimeProvider(Now), _ => "appearance-1");

    public static SurveySession Eligible(string id = "session-1") => new(id, SurveyEligibility.MinUserTurns);

    /// <summary>A config dir with one session transcript of <paramref name="turns"/> prompts in project <paramref name="project"/>.</summary>
    public static string WriteSession(string configDir, string project, string sessionId, int turns, string? secret = null)
    {
        var folder = Path.Combine(configDir, "projects", Custodian.Sessions.ClaudeLayout.EncodeProjectName(project));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, sessionId + ".jsonl");
        using var writer = new StreamWriter(path);
        for (var i = 0; i < turns; i++)
        {
            var text = i == 0 && secret is not null ? $"deploy with {secret} please" : $"prompt {i}";
            writer.WriteLine($$$"""{"type":"user","timestamp":"2026-11-23T10:0{{{i}}}:00Z","cwd":"{{{project}}}","sessionId":"{{{sessionId}}}","message":{"role":"user","content":"{{{text}}}"}}""");
            writer.WriteLine($$$"""{"type":"assistant","timestamp":"2026-11-23T10:0{{{i}}}:30Z","sessionId":"{{{sessionId}}}","message":{"role":"assistant","content":[{"type":"text","text":"done {{{i}}}"}]}}""");
        }

        return path;
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "custodian-survey-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>The outcome of one in-process <c>custodian</c> run.</summary>
internal sealed record SurveyCliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// A throwaway home, config dir, managed-settings dir and project in which <c>custodian survey</c> runs (in-process
/// or as the real binary) with an environment of the test's choosing, never the machine's own.
/// </summary>
internal sealed class SurveySandbox : IDisposable
{
    public SurveySandbox(double? rate = 1.0)
    {
        Root = SurveyTestKit.TempDir();
        Home = Path.Combine(Root, "home");
        ConfigDir = Path.Combine(Home, ".claude");
        ManagedDir = Path.Combine(Root, "etc-claude-code");
        ProjectDir = Path.Combine(Root, "work", "project");
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(ManagedDir);
        Directory.CreateDirectory(ProjectDir);
        Environment["HOME"] = Home;
        Environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = ManagedDir;
        if (rate is { } r)
        {
            File.WriteAllText(Path.Combine(ConfigDir, "settings.json"),
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $$"""{"feedbackSurveyRate": {{r}}}"""));
        }
    }

    public string Root { get; }
    public string Home { get; }
    public string ConfigDir { get; }
    public string ManagedDir { get; }
    public string ProjectDir { get; }
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string StatePath => Path.Combine(ConfigDir, "custodian", "state.json");
    public string RatingsPath => Path.Combine(ConfigDir, "custodian", "ratings.jsonl");
    public string ArchiveDir => Path.Combine(ConfigDir, "feedback-bundles");

    public string Session(string id, int turns = SurveyEligibility.MinUserTurns, string? secret = null) =>
        SurveyTestKit.WriteSession(ConfigDir, ProjectDir, id, turns, secret);

    public IReadOnlyList<string> ArchiveFiles() =>
        Directory.Exists(ArchiveDir) ? Directory.GetFiles(ArchiveDir, "*", SearchOption.AllDirectories) : [];

    public async Task<SurveyCliResult> RunAsync(string input, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var host = new Custodian.Cli.CliHost(stdout, stderr, new StringReader(input), Environment, Home, ProjectDir);
        var code = await Custodian.Cli.CustodianCli.RunAsync(["survey", "--config-dir", ConfigDir, .. args], host);
        return new SurveyCliResult(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
