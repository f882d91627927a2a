using System.Text.Json;

namespace Custodian.Policy;

/// <summary>Writes <see cref="PolicyDecisions"/> in the shape INTERFACES.md documents for <c>custodian policy --json</c>.</summary>
public static class PolicyJson
{
    /// <summary>Writes the decisions document.</summary>
    public static void Write(Utf8JsonWriter writer, PolicyDecisions d) => Write(writer, d, null);

    /// <summary>Writes the decisions document; <paramref name="extension"/> adds members of the caller's at its end.</summary>
    public static void Write(Utf8JsonWriter writer, PolicyDecisions d, Action<Utf8JsonWriter>? extension)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(d);

        writer.WriteStartObject();
        writer.WriteString("category", d.Category.Value.ToWireName());
        writer.WriteString("provider", d.Provider.Value.ToWireName());
        WriteIgnoredProviders(writer, "ignoredProviders", d.IgnoredProviders);

        writer.WriteStartObject("training");
        writer.WriteBoolean("sessionData", d.Training.SessionData.Value);
        writer.WriteBoolean("feedback", d.Training.Feedback.Value);
        writer.WriteBoolean("surveyRatings", d.Training.SurveyRatings.Value);
        writer.WriteBoolean("sharedTranscripts", d.Training.SharedTranscripts.Value);
        writer.WriteEndObject();

        if (d.ServerRetention.ReachesServer.Value)
        {
            writer.WriteStartObject("serverRetention");
            writer.WriteString("sessionData", d.ServerRetention.SessionData.Value.ToString());
            writer.WriteString("feedback", d.ServerRetention.Feedback.Value.ToString());
            writer.WriteString("sharedTranscripts", d.ServerRetention.SharedTranscripts.Value.ToString());
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("serverRetention");
        }

        writer.WriteStartObject("feedbackCommand");
        writer.WriteBoolean("enabled", d.FeedbackCommand.Enabled.Value);
        writer.WriteString("destination", d.FeedbackCommand.Destination.Value.ToWireName());
        writer.WriteEndObject();

        writer.WriteStartObject("survey");
        writer.WriteBoolean("enabled", d.Survey.Enabled.Value);
        writer.WriteNumber("rate", d.Survey.Rate.Value);
        writer.WriteString("sink", d.Survey.Sink.Value.ToWireName());
        writer.WriteBoolean("enabledViaOtelOverride", d.Survey.EnabledViaOtelOverride.Value);
        writer.WriteEndObject();

        writer.WriteStartObject("transcriptShare");
        writer.WriteBoolean("offered", d.TranscriptShare.Offered.Value);
        writer.WriteString("destination", d.TranscriptShare.Destination.Value.ToWireName());
        writer.WriteEndObject();

        writer.WriteStartObject("localRetention");
        if (d.LocalRetention.PeriodDays.Value is { } days) writer.WriteNumber("periodDays", days);
        else writer.WriteNull("periodDays");
        writer.WriteString("sweep", d.LocalRetention.SweepRuns.Value ? "run" : "paused");
        if (d.LocalRetention.PauseReason.Value.ToWireName() is { } reason) writer.WriteString("pauseReason", reason);
        else writer.WriteNull("pauseReason");
        writer.WriteEndObject();

        var t = d.Traffic;
        writer.WriteStartObject("traffic");
        writer.WriteBoolean("autoUpdate", t.AutoUpdate.Value);
        writer.WriteBoolean("metrics", t.Metrics.Value);
        writer.WriteBoolean("errorReports", t.ErrorReports.Value);
        writer.WriteBoolean("feedbackUpload", t.FeedbackUpload.Value);
        writer.WriteBoolean("surveyRatings", t.SurveyRatings.Value);
        writer.WriteBoolean("transcriptShare", t.TranscriptShare.Value);
        writer.WriteBoolean("webFetchPreflight", t.WebFetchPreflight.Value);
        writer.WriteBoolean("featureFlags", t.FeatureFlags.Value);
        writer.WriteBoolean("releaseNotes", t.ReleaseNotes.Value);
        writer.WriteEndObject();

        writer.WriteStartArray("trace");
        foreach (var entry in d.Trace())
        {
            writer.WriteStartObject();
            writer.WriteString("decision", entry.Decision);
            writer.WritePropertyName("value");
            WriteValue(writer, entry.Value);
            writer.WriteString("rule", entry.Rule);
            writer.WriteString("because", entry.Because);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        extension?.Invoke(writer);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the provider variables that lost to the selected one (SET-5) as an array of
    /// <c>{"provider", "variable", "value", "source"}</c>; an empty array when none did.
    /// </summary>
    public static void WriteIgnoredProviders(Utf8JsonWriter writer, string propertyName, IReadOnlyList<IgnoredProvider> ignored)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(ignored);
        writer.WriteStartArray(propertyName);
        foreach (var provider in ignored)
        {
            writer.WriteStartObject();
            writer.WriteString("provider", provider.Provider.ToWireName());
            writer.WriteString("variable", provider.Variable);
            writer.WriteString("value", provider.Value);
            writer.WriteString("source", provider.Source);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The decisions document as an indented UTF-8 string.</summary>
    public static string ToJson(PolicyDecisions decisions, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, decisions);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes a trace value: null, boolean, number or string.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case double x: writer.WriteNumberValue(x); break;
            default: writer.WriteStringValue(value.ToString()); break;
        }
    }
}
