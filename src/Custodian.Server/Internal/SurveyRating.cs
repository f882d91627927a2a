using System.Collections.Frozen;
using Custodian.Otlp;
using Custodian.Redaction;
using Custodian.Storage;

namespace Custodian.Server.Internal;

/// <summary>
/// The rating a <c>claude_code.feedback_survey</c> record carries (OTL-4): the session survey's <c>responded</c> event,
/// its <c>response</c> word as the rating of SRV-1, its <c>appearance_id</c> and <c>enabled_via_override</c>. Other
/// survey events (<c>appeared</c>, <c>abandoned</c>, another survey type) and answers outside the four words rate nothing.
/// </summary>
internal static class SurveyRating
{
    /// <summary>The words Claude Code sends for 1 Bad, 2 Fine, 3 Good and 0 Dismiss (real-client.md, claude-code-otel.md §6).</summary>
    private static readonly FrozenDictionary<string, int> Ratings = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["dismissed"] = 0,
        ["bad"] = 1,
        ["fine"] = 2,
        ["good"] = 3,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The largest appearance id kept, as for a rating posted to the API.</summary>
    public const int MaxAppearanceIdLength = 128;

    /// <summary>
    /// The answer of a survey record's attributes, or null when it is not a session survey's answer. An appearance id
    /// that redaction would change is not an id the client made: no rating keeps it (RED-1).
    /// </summary>
    public static SurveyAnswer? Of(IReadOnlyList<OtlpAttribute> attributes, Redactor redactor)
    {
        if (TelemetryCapture.Find(attributes, "event_type") is not { Kind: OtlpValueKind.String, String: "responded" }) return null;
        // survey_type names which survey; only the session survey is SRV-1's rating (an absent type is the session's, as
        // clients before survey types sent none).
        if (TelemetryCapture.Find(attributes, "survey_type") is { } type && type is not { Kind: OtlpValueKind.String, String: "session" }) return null;
        if (TelemetryCapture.Find(attributes, "response") is not { Kind: OtlpValueKind.String } response || !Ratings.TryGetValue(response.String!, out var rating)) return null;
        if (TelemetryCapture.Find(attributes, "appearance_id") is not { Kind: OtlpValueKind.String } appearance
            || appearance.String!.Length is 0 or > MaxAppearanceIdLength
            || redactor.Redact(appearance.String) != appearance.String) return null;
        // A boolean on the wire (real-client.md); a string "true" from exporters that stringify attributes.
        var overridden = TelemetryCapture.Find(attributes, "enabled_via_override") switch
        {
            { Kind: OtlpValueKind.Bool } flag => flag.Bool,
            { Kind: OtlpValueKind.String, String: "true" } => true,
            _ => false,
        };
        return new SurveyAnswer(appearance.String, rating, overridden);
    }
}
