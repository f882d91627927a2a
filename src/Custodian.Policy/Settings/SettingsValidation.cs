using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Custodian.Policy.Settings;

/// <summary>The value rules of the settings the policy reads; shared by settings files and context files.</summary>
public static class SettingsValidation
{
    /// <summary>Checks one known setting. Returns null when valid (or unknown), else the reason.</summary>
    public static string? Check(string name, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case SettingNames.CleanupPeriodDays:
                if (value is not JsonValue days || days.GetValueKind() != JsonValueKind.Number)
                    return "must be a whole number of days (at least 1)";
                if (!TryGetWholeNumber(days, out var d))
                    return $"must be a whole number of days (at least 1), not {days.ToJsonString()}";
                if (d < 1)
                    return $"must be at least 1; {days.ToJsonString()} would turn off local persistence and is refused (LOC-3)";
                return null;
            case SettingNames.FeedbackSurveyRate:
                if (value is not JsonValue rate || rate.GetValueKind() != JsonValueKind.Number)
                    return "must be a number from 0 to 1";
                var r = rate.GetValue<double>();
                return r is >= 0 and <= 1 ? null : $"must be from 0 to 1, not {rate.ToJsonString()} (SRV-2)";
            case SettingNames.SkipWebFetchPreflight:
                return value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                    ? null
                    : "must be true or false";
            default:
                return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a variable name an <c>env</c> block may set: anything a process
    /// environment can hold (not empty, no <c>=</c>, no NUL). The settings schema asks for <c>^[A-Z_][A-Z0-9_]*$</c>,
    /// but Claude Code 2.1.328 exports lower-case, dashed and spaced names to its tools all the same, and the
    /// client is what runs (CUS-32).
    /// </summary>
    public static bool IsVariableName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > 0 && !name.Contains('=', StringComparison.Ordinal) && !name.Contains('\0', StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads a JSON number that is a whole number, as the settings schema's <c>integer</c> means it (1.0 and 1e12
    /// count, 1.5 does not). The schema sets no maximum, so a whole number beyond <see cref="long"/> is read as
    /// <see cref="long.MaxValue"/> (below it, <see cref="long.MinValue"/>): for a retention period that is "keep
    /// practically forever", and the sweep clamps its cut-off (CUS-30).
    /// </summary>
    public static bool TryGetWholeNumber(JsonValue value, out long result)
    {
        ArgumentNullException.ThrowIfNull(value);
        result = 0;
        if (value.GetValueKind() != JsonValueKind.Number) return false;
        if (value.TryGetValue<long>(out result)) return true;

        // Not a plain long: a fraction, an exponent, or beyond long. A literal beyond double's range (1e400) is
        // whole, since its exponent dwarfs any digits after the point; double.Parse reads it as an infinity.
        var d = value.TryGetValue<double>(out var parsed)
            ? parsed
            : double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsNaN(d) || (double.IsFinite(d) && d != Math.Floor(d))) return false;
        result = d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;
        return true;
    }
}
