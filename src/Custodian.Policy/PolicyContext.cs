namespace Custodian.Policy;

/// <summary>
/// Everything the data policy depends on: the account, its organization, the environment and the settings.
/// Missing parts take the defaults a new <c>pro</c> user on the first-party API would have.
/// </summary>
public sealed record PolicyContext
{
    /// <summary>The context of a new <c>pro</c> user on the first-party API, with nothing set.</summary>
    public static readonly PolicyContext Default = new();

    /// <summary>The account's plan.</summary>
    public Plan Plan { get; init; } = Plan.Pro;

    /// <summary>True for a session signed in through a Claude apps gateway (an org-run proxy).</summary>
    public bool Gateway { get; init; }

    /// <summary>The user's own privacy choices.</summary>
    public UserPreferences User { get; init; } = UserPreferences.Default;

    /// <summary>The organization's policy.</summary>
    public OrganizationPolicy Org { get; init; } = OrganizationPolicy.Default;

    /// <summary>Whether the client holds credentials for the server (uploads need them, FBK-3).</summary>
    public bool ServerCredentials { get; init; } = true;

    /// <summary>The environment variables, already interpreted.</summary>
    public ClientEnvironment Environment { get; init; } = ClientEnvironment.Empty;

    /// <summary>The resolved settings that the policy reads, with their problems.</summary>
    public PolicySettings Settings { get; init; } = PolicySettings.Default;

    /// <summary>The survey rate the server publishes (<c>GET /v1/config</c>), when known (SRV-2).</summary>
    public double? PublishedSurveyRate { get; init; }
}

/// <summary>A user's privacy choices.</summary>
/// <param name="AllowModelImprovement">The "allow data use for model improvement" switch (TRN-1); off for a new user.</param>
/// <param name="SurveyDontAskAgain">Whether the user chose "Don't ask again" at the transcript-share follow-up (SHR-2).</param>
public sealed record UserPreferences(bool AllowModelImprovement = false, bool SurveyDontAskAgain = false)
{
    /// <summary>A new user's choices.</summary>
    public static readonly UserPreferences Default = new();
}

/// <summary>An organization's data policy.</summary>
/// <param name="DevelopmentPartnerProgram">Opted in to the Development Partner Program (DPP-1..3); <c>api</c> only.</param>
/// <param name="ZeroDataRetention">Zero data retention, set by an operator (RET-3); <c>enterprise</c> only.</param>
/// <param name="ProductFeedbackDisabled">The org disabled product feedback (FBK-2, SRV-3, SHR-2).</param>
public sealed record OrganizationPolicy(
    bool DevelopmentPartnerProgram = false,
    bool ZeroDataRetention = false,
    bool ProductFeedbackDisabled = false)
{
    /// <summary>No organization policy.</summary>
    public static readonly OrganizationPolicy Default = new();
}

/// <summary>A settings value with where it came from (SET-7).</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The value.</param>
/// <param name="Source">Where it came from: a file path, an environment variable, or <c>default</c>.</param>
/// <param name="Evidence">The value and its source in one phrase, for decision traces (<c>cleanupPeriodDays=14 in /etc/…</c>).</param>
public readonly record struct SourcedValue<T>(T Value, string Source, string Evidence)
{
    /// <summary>Creates a sourced value whose evidence reads <c>name=value in source</c>.</summary>
    public static SourcedValue<T> Create(string name, T value, string source) =>
        new(value, source, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}={Format(value)} in {source}"));

    private static string Format(T value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };
}

/// <summary>
/// The settings that decisions depend on. Values that failed validation are absent here and present in
/// <see cref="Problems"/>, so a bad value never silently takes effect.
/// </summary>
public sealed record PolicySettings
{
    /// <summary>No settings and no problems.</summary>
    public static readonly PolicySettings Default = new();

    /// <summary><c>feedbackSurveyRate</c>, when set and valid (0..1).</summary>
    public SourcedValue<double>? FeedbackSurveyRate { get; init; }

    /// <summary>
    /// <c>cleanupPeriodDays</c>, when set and valid (a whole number, at least 1, with no upper bound: the schema sets
    /// none; see CUS-30 for how the sweep treats a period beyond the calendar).
    /// </summary>
    public SourcedValue<long>? CleanupPeriodDays { get; init; }

    /// <summary>True when <see cref="CleanupPeriodDays"/> came from managed settings, which pin the period (LOC-6).</summary>
    public bool CleanupPeriodPinned { get; init; }

    /// <summary><c>skipWebFetchPreflight</c>, when set.</summary>
    public SourcedValue<bool>? SkipWebFetchPreflight { get; init; }

    /// <summary>Every settings file that could not be read, parsed or validated (SET-6).</summary>
    public IReadOnlyList<SettingsProblem> Problems { get; init; } = [];

    /// <summary>True when the user settings source was excluded (for example <c>--setting-sources project,local</c>).</summary>
    public bool UserSettingsExcluded { get; init; }
}

/// <summary>What kind of settings problem.</summary>
public enum SettingsProblemKind
{
    /// <summary>The file exists but cannot be read (permissions, I/O error).</summary>
    Unreadable,
    /// <summary>The file is not valid JSON, or not a JSON object.</summary>
    Malformed,
    /// <summary>A known setting has a value outside its range or of the wrong type.</summary>
    InvalidValue,
}

/// <summary>A settings file that could not be used, or a value in it that is invalid (SET-6).</summary>
/// <param name="Source">The file's path (or another source's description).</param>
/// <param name="Line">The 1-based line, where known.</param>
/// <param name="Field">The offending setting, where there is one.</param>
/// <param name="Kind">What went wrong.</param>
/// <param name="Message">The reason, in one line.</param>
public sealed record SettingsProblem(string Source, int? Line, string? Field, SettingsProblemKind Kind, string Message)
{
    /// <summary>One line: <c>path:line: field: message</c> (line breaks in a field name from the file are shown as <c>\n</c>).</summary>
    public override string ToString() =>
        (Source
        + (Line is { } l ? $":{l}" : string.Empty)
        + ": "
        + (Field is null ? string.Empty : Field + ": ")
        + Message).ReplaceLineEndings("\\n");
}
