using System.Collections.Frozen;

namespace Custodian.Policy;

/// <summary>
/// The environment variables that the data policy reads, interpreted once (SET-3, SET-4, SET-5) so that
/// evaluating the policy never parses text. Build it with <see cref="FromVariables"/>.
/// </summary>
public sealed class ClientEnvironment
{
    /// <summary>Presence-based: on when set to any non-empty value, <c>0</c> and <c>false</c> included (SET-3).</summary>
    public static readonly FrozenSet<string> PresenceSwitches = FrozenSet.Create(
        StringComparer.Ordinal,
        EnvNames.DisableNonessentialTraffic,
        EnvNames.DisableTelemetry,
        EnvNames.DisableErrorReporting);

    /// <summary>
    /// The provider variables of SET-5 in the order Claude Code itself tries them: when several are true, the first
    /// one wins and the others are ignored (Bedrock, Foundry, Claude Platform on AWS, Vertex; measured on Claude Code
    /// 2.1.328 through its <c>anthropic.provider</c> telemetry attribute).
    /// </summary>
    public static readonly IReadOnlyList<(string Variable, Provider Provider)> ProviderVariables =
    [
        (EnvNames.UseBedrock, Provider.Bedrock),
        (EnvNames.UseFoundry, Provider.Foundry),
        (EnvNames.UseAnthropicAws, Provider.AnthropicAws),
        (EnvNames.UseVertex, Provider.Vertex),
    ];

    /// <summary>The source named for a variable that came from the process environment rather than a settings file.</summary>
    public const string ProcessEnvironmentSource = "environment";

    /// <summary>An environment with no variable set.</summary>
    public static readonly ClientEnvironment Empty = FromVariables(new Dictionary<string, string>());

    private ClientEnvironment()
    {
    }

    /// <summary><c>CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC</c> (presence).</summary>
    public EnvironmentSwitch DisableNonessentialTraffic { get; private init; }

    /// <summary><c>DISABLE_TELEMETRY</c> (presence).</summary>
    public EnvironmentSwitch DisableTelemetry { get; private init; }

    /// <summary><c>DISABLE_ERROR_REPORTING</c> (presence).</summary>
    public EnvironmentSwitch DisableErrorReporting { get; private init; }

    /// <summary><c>DO_NOT_TRACK</c> (boolean).</summary>
    public EnvironmentSwitch DoNotTrack { get; private init; }

    /// <summary><c>CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY</c> (boolean).</summary>
    public EnvironmentSwitch DisableFeedbackSurvey { get; private init; }

    /// <summary><c>CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL</c> (boolean).</summary>
    public EnvironmentSwitch EnableFeedbackSurveyForOtel { get; private init; }

    /// <summary><c>DISABLE_FEEDBACK_COMMAND</c>, or its old name <c>DISABLE_BUG_COMMAND</c> (boolean).</summary>
    public EnvironmentSwitch DisableFeedbackCommand { get; private init; }

    /// <summary><c>DISABLE_AUTOUPDATER</c> (boolean).</summary>
    public EnvironmentSwitch DisableAutoUpdater { get; private init; }

    /// <summary>The selected provider (<see cref="Provider.Anthropic"/> when no provider variable is true).</summary>
    public Provider Provider { get; private init; }

    /// <summary>The provider variable that selected <see cref="Provider"/>, as <c>NAME=value</c>; null for the default.</summary>
    public string? ProviderEvidence { get; private init; }

    /// <summary>
    /// Provider variables that are true but lose to <see cref="Provider"/> in Claude Code's order
    /// (<see cref="ProviderVariables"/>), in that order; empty when at most one is true. Never an error (SET-5).
    /// </summary>
    public IReadOnlyList<IgnoredProvider> IgnoredProviders { get; private init; } = [];

    /// <summary>Claude Code's OpenTelemetry export to the organization's collector, and whose collector that is (CUS-84).</summary>
    public OtelExport Telemetry { get; private init; } = null!;

    /// <summary>
    /// Interprets a set of variables. <paramref name="sourceOf"/> names where a variable came from (a settings
    /// file's <c>env</c> block), for the trace; it may be null, and returns null for a variable of
    /// <paramref name="defaultSource"/> (the process environment unless the caller says otherwise).
    /// </summary>
    public static ClientEnvironment FromVariables(
        IReadOnlyDictionary<string, string> variables,
        Func<string, string?>? sourceOf = null,
        string defaultSource = ProcessEnvironmentSource)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(defaultSource);

        EnvironmentSwitch Presence(string name) =>
            variables.TryGetValue(name, out var value) && value.Length > 0
                ? new EnvironmentSwitch(true, Evidence(name, value, sourceOf))
                : EnvironmentSwitch.Off;

        EnvironmentSwitch Boolean(string name) =>
            variables.TryGetValue(name, out var value) && IsTrue(value)
                ? new EnvironmentSwitch(true, Evidence(name, value, sourceOf))
                : EnvironmentSwitch.Off;

        // Claude Code takes the first true variable in its own order; the later ones are reported, not refused.
        (Provider Provider, string Evidence)? selected = null;
        var ignored = new List<IgnoredProvider>();
        foreach (var (variable, provider) in ProviderVariables)
        {
            var s = Boolean(variable);
            if (!s.On) continue;
            if (selected is null)
            {
                selected = (provider, s.Evidence!);
                continue;
            }

            ignored.Add(new IgnoredProvider(
                provider, variable, variables[variable], sourceOf?.Invoke(variable) ?? defaultSource, selected.Value.Provider));
        }

        var disableFeedback = Boolean(EnvNames.DisableFeedbackCommand);
        if (!disableFeedback.On) disableFeedback = Boolean(EnvNames.DisableBugCommand);

        return new ClientEnvironment
        {
            DisableNonessentialTraffic = Presence(EnvNames.DisableNonessentialTraffic),
            DisableTelemetry = Presence(EnvNames.DisableTelemetry),
            DisableErrorReporting = Presence(EnvNames.DisableErrorReporting),
            DoNotTrack = Boolean(EnvNames.DoNotTrack),
            DisableFeedbackSurvey = Boolean(EnvNames.DisableFeedbackSurvey),
            EnableFeedbackSurveyForOtel = Boolean(EnvNames.EnableFeedbackSurveyForOtel),
            DisableFeedbackCommand = disableFeedback,
            DisableAutoUpdater = Boolean(EnvNames.DisableAutoUpdater),
            Provider = selected?.Provider ?? Provider.Anthropic,
            ProviderEvidence = selected?.Evidence,
            IgnoredProviders = ignored.Count == 0 ? [] : ignored.AsReadOnly(),
            Telemetry = OtelExport.FromVariables(variables, sourceOf),
        };
    }

    /// <summary>The boolean reading of SET-4: <c>1</c>, <c>true</c>, <c>yes</c>, <c>on</c> (any case, surrounding spaces ignored) are true.</summary>
    public static bool IsTrue(string? value)
    {
        if (value is null) return false;
        var v = value.AsSpan().Trim();
        return v.Equals("1", StringComparison.Ordinal)
            || v.Equals("true", StringComparison.OrdinalIgnoreCase)
            || v.Equals("yes", StringComparison.OrdinalIgnoreCase)
            || v.Equals("on", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary><c>NAME=value</c>, with <c> (from SOURCE)</c> when <paramref name="sourceOf"/> names one.</summary>
    internal static string Evidence(string name, string value, Func<string, string?>? sourceOf)
    {
        var source = sourceOf?.Invoke(name);
        return source is null ? $"{name}={value}" : $"{name}={value} (from {source})";
    }
}

/// <summary>A provider variable that is true but ignored, because one earlier in Claude Code's order is true too (SET-5).</summary>
/// <param name="Provider">The platform it would have selected.</param>
/// <param name="Variable">The variable, e.g. <c>CLAUDE_CODE_USE_VERTEX</c>.</param>
/// <param name="Value">Its value as set.</param>
/// <param name="Source">Where it was set: a settings file's path, or <c>environment</c>.</param>
/// <param name="SelectedInstead">The platform that won.</param>
public sealed record IgnoredProvider(Provider Provider, string Variable, string Value, string Source, Provider SelectedInstead)
{
    /// <summary>One phrase for traces and warnings: <c>CLAUDE_CODE_USE_VERTEX=1 (from /p/settings.json)</c>.</summary>
    public override string ToString() => $"{Variable}={Value} (from {Source})";
}

/// <summary>The names of the environment variables the data policy reads.</summary>
public static class EnvNames
{
    /// <summary>Presence switch: turns off every nonessential flow (FLW-2).</summary>
    public const string DisableNonessentialTraffic = "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC";
    /// <summary>Presence switch: metrics and feature flags off (FLW-2), survey off (SRV-3).</summary>
    public const string DisableTelemetry = "DISABLE_TELEMETRY";
    /// <summary>Presence switch: error reports off (FLW-2).</summary>
    public const string DisableErrorReporting = "DISABLE_ERROR_REPORTING";
    /// <summary>Boolean: like <see cref="DisableTelemetry"/> (FLW-2, SRV-3).</summary>
    public const string DoNotTrack = "DO_NOT_TRACK";
    /// <summary>Boolean: survey off (SRV-3), taking precedence over the OTel override (SRV-4).</summary>
    public const string DisableFeedbackSurvey = "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY";
    /// <summary>Boolean: the OTel override of SRV-4.</summary>
    public const string EnableFeedbackSurveyForOtel = "CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL";
    /// <summary>Boolean: <c>/feedback</c> off (FBK-2).</summary>
    public const string DisableFeedbackCommand = "DISABLE_FEEDBACK_COMMAND";
    /// <summary>Boolean: the old name of <see cref="DisableFeedbackCommand"/>.</summary>
    public const string DisableBugCommand = "DISABLE_BUG_COMMAND";
    /// <summary>Boolean: automatic updates off.</summary>
    public const string DisableAutoUpdater = "DISABLE_AUTOUPDATER";
    /// <summary>Boolean: Amazon Bedrock.</summary>
    public const string UseBedrock = "CLAUDE_CODE_USE_BEDROCK";
    /// <summary>Boolean: Google Cloud's Agent Platform.</summary>
    public const string UseVertex = "CLAUDE_CODE_USE_VERTEX";
    /// <summary>Boolean: Microsoft Foundry.</summary>
    public const string UseFoundry = "CLAUDE_CODE_USE_FOUNDRY";
    /// <summary>Boolean: Claude Platform on AWS.</summary>
    public const string UseAnthropicAws = "CLAUDE_CODE_USE_ANTHROPIC_AWS";
    /// <summary>The config dir override (SET-1).</summary>
    public const string ConfigDir = "CLAUDE_CONFIG_DIR";
    /// <summary>A first-party API key: the session runs on the <c>api</c> plan.</summary>
    public const string AnthropicApiKey = "ANTHROPIC_API_KEY";
}
