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
                    return $"must be at least 1; {d} would turn off local persistence and is refused (LOC-3)";
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

    /// <summary>Reads a JSON number that is a whole number in <see cref="int"/> range (1.0 counts, 1.5 does not).</summary>
    public static bool TryGetWholeNumber(JsonValue value, out int result)
    {
        ArgumentNullException.ThrowIfNull(value);
        result = 0;
        if (value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue<double>(out var d)) return false;
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) return false;
        result = (int)d;
        return true;
    }
}
