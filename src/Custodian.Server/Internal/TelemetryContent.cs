using System.Collections.Frozen;

namespace Custodian.Server.Internal;

/// <summary>
/// Which telemetry attributes are content, for zero data retention (OTL-3, CUS-74). Under ZDR an attribute is kept
/// only when it is known not to be content: a number or boolean (a count, a size, a flag, a duration, also when sent
/// as a string), or a string under a key that names, identifies or classifies (a model, a tool name, an id, a type).
/// Every other string, every byte string and every nested list is dropped, so an attribute Claude Code adds later
/// is not kept until it is known. The content keys (prompts, responses, tool input and parameters, commands, raw API
/// bodies, error text) are dropped whatever their value looks like.
/// </summary>
internal static class TelemetryContent
{
    /// <summary>Content whatever its value: what a prompt, a response, a tool call, an API body or an error says.</summary>
    private static readonly FrozenSet<string> ContentKeys = FrozenSet.Create(StringComparer.Ordinal,
        "prompt", "prompt_text", "response", "system_prompt", "tool_parameters", "tool_input", "tool_output", "tool_result", "error", "error_message",
        "body", "body_ref", "bash_command", "full_command", "command", "description", "message", "category", "hook_definitions", "hook_matcher",
        "managed_settings.settings", "stdout", "stderr", "output", "input", "content", "text");

    /// <summary>Strings that are kept under ZDR: names, identities and kinds, never what someone wrote.</summary>
    private static readonly FrozenSet<string> NonContentKeys = FrozenSet.Create(StringComparer.Ordinal,
        "event.name", "event.timestamp", "model", "final_model", "speed", "effort", "query_source", "decision", "source", "status", "result",
        "trigger", "action", "from_mode", "to_mode", "event_type", "survey_type", "language", "type", "success", "auth_method", "error_category",
        "enabled_via", "app.entrypoint", "anthropic.provider", "user.email", "service.name", "service.version", "os.type", "os.version",
        "host.arch", "wsl.version");

    /// <summary>Key endings that name, identify or classify (<c>session.id</c>, <c>tool_name</c>, <c>terminal.type</c>, …).</summary>
    private static readonly string[] NonContentSuffixes =
    [
        ".id", "_id", ".uuid", "_uuid", ".name", "_name", ".version", "_version", ".type", "_type", ".source", "_source", ".scope", "_scope",
        ".trigger", "_trigger", "_code", "_hash", "_reason", "_method",
    ];

    /// <summary>The survey's answer is a rating word, not a model's response (OTL-4): kept, as ratings are under ZDR (SRV-3).</summary>
    private static readonly FrozenSet<string> SurveyResponses = FrozenSet.Create(StringComparer.Ordinal, "bad", "fine", "good", "dismissed");

    /// <summary>Whether an attribute is kept under ZDR; <paramref name="eventName"/> is the short event name (<c>feedback_survey</c>).</summary>
    public static bool KeepUnderZeroDataRetention(string eventName, string key, Custodian.Otlp.OtlpValue value)
    {
        if (eventName == "feedback_survey" && key == "response")
            return value.Kind == Custodian.Otlp.OtlpValueKind.String && SurveyResponses.Contains(value.String!);
        if (ContentKeys.Contains(key)) return false;
        return value.Kind switch
        {
            Custodian.Otlp.OtlpValueKind.Bool or Custodian.Otlp.OtlpValueKind.Int or Custodian.Otlp.OtlpValueKind.Double or Custodian.Otlp.OtlpValueKind.Empty => true,
            Custodian.Otlp.OtlpValueKind.String => IsNumberOrFlag(value.String!) || IsNonContentKey(key),
            Custodian.Otlp.OtlpValueKind.Array => value.Items.All(i => i.Kind is Custodian.Otlp.OtlpValueKind.Bool or Custodian.Otlp.OtlpValueKind.Int or Custodian.Otlp.OtlpValueKind.Double),
            _ => false,
        };
    }

    private static bool IsNonContentKey(string key)
    {
        if (NonContentKeys.Contains(key)) return true;
        foreach (var suffix in NonContentSuffixes)
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>A count, size, duration or flag sent as a string (Claude Code sends <c>duration_ms</c> and <c>success</c> so).</summary>
    private static bool IsNumberOrFlag(string text)
    {
        if (text is "true" or "false") return true;
        if (text.Length is 0 or > 32) return false;
        var digits = 0;
        var dot = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '0' and <= '9') digits++;
            else if (c == '-' && i == 0) continue;
            else if (c == '.' && !dot && digits > 0) dot = true;
            else return false;
        }

        return digits > 0 && text[^1] != '.';
    }

    /// <summary>A name-like string (an event or metric name): 1 to 128 letters, digits and <c>_ . : / -</c>.</summary>
    public static bool IsName(string? text) =>
        text is { Length: > 0 and <= 128 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '/' or '-');
}
