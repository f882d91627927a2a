using System.Globalization;
using System.Text.Json.Nodes;

namespace Custodian.Policy.Settings;

/// <summary>A settings file that was looked for.</summary>
/// <param name="Scope">Which source it is.</param>
/// <param name="Path">Its full path.</param>
/// <param name="Exists">Whether it exists.</param>
public sealed record SettingsFile(SettingsScope Scope, string Path, bool Exists);

/// <summary>A resolved value with its source (SET-7).</summary>
/// <param name="Key">The setting's name, or the environment variable's name.</param>
/// <param name="Value">The value (a JSON node; for environment variables a string node).</param>
/// <param name="Source">A file path, <c>environment</c>, or <c>default</c>.</param>
/// <param name="Scope">The settings scope, when the value came from a settings file.</param>
public sealed record ResolvedSetting(string Key, JsonNode? Value, string Source, SettingsScope? Scope);

/// <summary>
/// The outcome of reading every settings source: merged values and environment with their sources, and the
/// problems met on the way. Reading never throws for a bad file (SET-6).
/// </summary>
public sealed class ResolvedSettings
{
    /// <summary>The source name of a variable taken from the process environment.</summary>
    public const string ProcessEnvironmentSource = ClientEnvironment.ProcessEnvironmentSource;

    internal ResolvedSettings(
        IReadOnlyList<SettingsFile> files,
        IReadOnlyDictionary<string, ResolvedSetting> values,
        IReadOnlyDictionary<string, ResolvedSetting> environment,
        IReadOnlyList<SettingsProblem> problems,
        bool userSettingsExcluded)
    {
        Files = files;
        Values = values;
        Environment = environment;
        Problems = problems;
        UserSettingsExcluded = userSettingsExcluded;
    }

    /// <summary>Every file looked for, highest precedence first.</summary>
    public IReadOnlyList<SettingsFile> Files { get; }

    /// <summary>The merged top-level settings (except <c>env</c>), each with the source of its winning value.</summary>
    public IReadOnlyDictionary<string, ResolvedSetting> Values { get; }

    /// <summary>The effective environment: the process environment overridden by settings <c>env</c> blocks (SET-2).</summary>
    public IReadOnlyDictionary<string, ResolvedSetting> Environment { get; }

    /// <summary>
    /// Every definition of each variable, highest precedence first: the winner (as in <see cref="Environment"/>), then
    /// the settings files' and the process's values it overrides (SET-2, SET-7).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ResolvedSetting>> EnvironmentDefinitions { get; internal init; } =
        new Dictionary<string, IReadOnlyList<ResolvedSetting>>();

    /// <summary>The variables that at least one settings file's <c>env</c> block sets, in ordinal order.</summary>
    public IEnumerable<string> VariablesSetBySettingsFiles() =>
        EnvironmentDefinitions.Where(p => p.Value.Any(d => d.Scope is not null)).Select(p => p.Key).Order(StringComparer.Ordinal);

    /// <summary>Files that could not be read or parsed, and invalid values in them (SET-6).</summary>
    public IReadOnlyList<SettingsProblem> Problems { get; }

    /// <summary>Whether the user source was excluded.</summary>
    public bool UserSettingsExcluded { get; }

    /// <summary>The effective environment as plain name/value pairs.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables()
    {
        var result = new Dictionary<string, string>(Environment.Count, StringComparer.Ordinal);
        foreach (var (name, setting) in Environment)
        {
            result[name] = setting.Value?.GetValue<string>() ?? string.Empty;
        }

        return result;
    }

    /// <summary>The environment switches of the policy, with settings-file sources named in their evidence.</summary>
    public ClientEnvironment ToClientEnvironment() =>
        ClientEnvironment.FromVariables(
            EnvironmentVariables(),
            name => Environment.TryGetValue(name, out var s) && s.Scope is not null ? s.Source : null);

    /// <summary>The settings the policy reads, validated; invalid values are left out and appear in <see cref="Problems"/>.</summary>
    public PolicySettings ToPolicySettings()
    {
        SourcedValue<double>? rate = null;
        if (Values.TryGetValue(SettingNames.FeedbackSurveyRate, out var r) && r.Value is JsonValue rv && rv.TryGetValue<double>(out var rateValue))
        {
            rate = SourcedValue<double>.Create(SettingNames.FeedbackSurveyRate, rateValue, r.Source);
        }

        SourcedValue<long>? days = null;
        var pinned = false;
        if (Values.TryGetValue(SettingNames.CleanupPeriodDays, out var d) && d.Value is JsonValue dv && SettingsValidation.TryGetWholeNumber(dv, out var dayValue))
        {
            days = SourcedValue<long>.Create(SettingNames.CleanupPeriodDays, dayValue, d.Source);
            pinned = d.Scope == SettingsScope.Managed;
        }

        SourcedValue<bool>? skip = null;
        if (Values.TryGetValue(SettingNames.SkipWebFetchPreflight, out var s) && s.Value is JsonValue sv && sv.TryGetValue<bool>(out var skipValue))
        {
            skip = SourcedValue<bool>.Create(SettingNames.SkipWebFetchPreflight, skipValue, s.Source);
        }

        return new PolicySettings
        {
            FeedbackSurveyRate = rate,
            CleanupPeriodDays = days,
            CleanupPeriodPinned = pinned,
            SkipWebFetchPreflight = skip,
            Problems = Problems,
            UserSettingsExcluded = UserSettingsExcluded,
        };
    }

    /// <summary>A value as text for display.</summary>
    public static string Display(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<double>(out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };
}

/// <summary>The names of the settings the data policy reads.</summary>
public static class SettingNames
{
    /// <summary>How many days local session data is kept (LOC-3).</summary>
    public const string CleanupPeriodDays = "cleanupPeriodDays";
    /// <summary>The survey probability (SRV-2).</summary>
    public const string FeedbackSurveyRate = "feedbackSurveyRate";
    /// <summary>Turns off the WebFetch domain check (FLW-2).</summary>
    public const string SkipWebFetchPreflight = "skipWebFetchPreflight";
    /// <summary>Environment variables set by a settings file (SET-2).</summary>
    public const string Env = "env";
}
