namespace Custodian.Policy.Tests.Support;

/// <summary>
/// A compact, serializable description of a context for table rows: environment variables as <c>A=1;B=0</c>,
/// plus knobs starting with <c>+</c>: <c>+gateway</c>, <c>+noCredentials</c>, <c>+allow</c>, <c>+dontAskAgain</c>,
/// <c>+orgFeedbackOff</c>, <c>+dpp</c>, <c>+zdr</c>, <c>+skipWebFetch</c>, <c>+days=N</c>, <c>+pinned=N</c>,
/// <c>+rate=X</c>, <c>+published=X</c>, <c>+userExcluded</c>, <c>+invalidDays</c>, <c>+unreadable</c>.
/// </summary>
internal static class ContextSpec
{
    public const string UserSettings = "/home/u/.claude/settings.json";
    public const string ManagedSettings = "/etc/claude-code/managed-settings.json";

    public static PolicyContext Build(string plan, string spec)
    {
        Assert.True(PlanNames.TryParsePlan(plan, out var p), plan);
        var env = new List<string>();
        var c = PolicyContext.Default with { Plan = p };
        var settings = PolicySettings.Default;
        var problems = new List<SettingsProblem>();
        foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.StartsWith('+'))
            {
                env.Add(part);
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part[1..] : part[1..eq];
            var arg = eq < 0 ? null : part[(eq + 1)..];
            switch (name)
            {
                case "gateway": c = c with { Gateway = true }; break;
                case "noCredentials": c = c with { ServerCredentials = false }; break;
                case "allow": c = c with { User = c.User with { AllowModelImprovement = true } }; break;
                case "dontAskAgain": c = c with { User = c.User with { SurveyDontAskAgain = true } }; break;
                case "orgFeedbackOff": c = c with { Org = c.Org with { ProductFeedbackDisabled = true } }; break;
                case "dpp": c = c with { Org = c.Org with { DevelopmentPartnerProgram = true } }; break;
                case "zdr": c = c with { Org = c.Org with { ZeroDataRetention = true } }; break;
                case "skipWebFetch":
                    settings = settings with { SkipWebFetchPreflight = SourcedValue<bool>.Create("skipWebFetchPreflight", true, UserSettings) };
                    break;
                case "days":
                    settings = settings with { CleanupPeriodDays = SourcedValue<long>.Create("cleanupPeriodDays", int.Parse(arg!, System.Globalization.CultureInfo.InvariantCulture), UserSettings) };
                    break;
                case "pinned":
                    settings = settings with
                    {
                        CleanupPeriodDays = SourcedValue<long>.Create("cleanupPeriodDays", int.Parse(arg!, System.Globalization.CultureInfo.InvariantCulture), ManagedSettings),
                        CleanupPeriodPinned = true,
                    };
                    break;
                case "rate":
                    settings = settings with { FeedbackSurveyRate = SourcedValue<double>.Create("feedbackSurveyRate", double.Parse(arg!, System.Globalization.CultureInfo.InvariantCulture), UserSettings) };
                    break;
                case "published":
                    c = c with { PublishedSurveyRate = double.Parse(arg!, System.Globalization.CultureInfo.InvariantCulture) };
                    break;
                case "userExcluded": settings = settings with { UserSettingsExcluded = true }; break;
                case "invalidDays":
                    problems.Add(new SettingsProblem(UserSettings, 2, "cleanupPeriodDays", SettingsProblemKind.InvalidValue, "must be at least 1"));
                    break;
                case "unreadable":
                    problems.Add(new SettingsProblem(UserSettings, null, null, SettingsProblemKind.Unreadable, "cannot be read"));
                    break;
                default: throw new ArgumentException("unknown knob " + part, nameof(spec));
            }
        }

        return c with
        {
            Environment = TestPolicy.Env(string.Join(';', env)),
            Settings = settings with { Problems = problems },
        };
    }
}
