using System.Text.Json;

namespace Custodian.Policy.Tests.Support;

/// <summary>The documented shape of <c>custodian policy --json</c> (INTERFACES.md, "Policy decisions").</summary>
internal static class DecisionsShape
{
    public static readonly string[] TopLevel =
        ["category", "provider", "ignoredProviders", "training", "serverRetention", "feedbackCommand", "survey", "transcriptShare", "localRetention", "traffic", "trace"];

    public static readonly Dictionary<string, string[]> Objects = new(StringComparer.Ordinal)
    {
        ["training"] = ["sessionData", "feedback", "surveyRatings", "sharedTranscripts"],
        ["serverRetention"] = ["sessionData", "feedback", "sharedTranscripts"],
        ["feedbackCommand"] = ["enabled", "destination"],
        ["survey"] = ["enabled", "rate", "sink", "enabledViaOtelOverride"],
        ["transcriptShare"] = ["offered", "destination"],
        ["localRetention"] = ["periodDays", "sweep", "pauseReason"],
        ["traffic"] = ["autoUpdate", "metrics", "errorReports", "feedbackUpload", "surveyRatings", "transcriptShare", "webFetchPreflight", "featureFlags", "releaseNotes"],
    };

    private static readonly string[] Periods = ["P0D", "P30D", "P6M", "P5Y"];

    /// <summary>Asserts that <paramref name="json"/> parses and has exactly the documented keys, types and enumerations.</summary>
    public static JsonDocument AssertShape(string json)
    {
        var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(TopLevel, root.EnumerateObject().Select(p => p.Name).ToArray());

        AssertOneOf(root.GetProperty("category"), "consumer", "commercial");
        AssertOneOf(root.GetProperty("provider"), "anthropic", "bedrock", "vertex", "foundry", "anthropic-aws");
        var ignored = root.GetProperty("ignoredProviders");
        Assert.Equal(JsonValueKind.Array, ignored.ValueKind);
        foreach (var entry in ignored.EnumerateArray())
        {
            Assert.Equal(["provider", "variable", "value", "source"], entry.EnumerateObject().Select(p => p.Name).ToArray());
            AssertOneOf(entry.GetProperty("provider"), "bedrock", "vertex", "foundry", "anthropic-aws");
            Assert.NotEqual(root.GetProperty("provider").GetString(), entry.GetProperty("provider").GetString());
        }

        foreach (var (name, keys) in Objects)
        {
            var node = root.GetProperty(name);
            if (name == "serverRetention" && node.ValueKind == JsonValueKind.Null) continue;
            Assert.Equal(JsonValueKind.Object, node.ValueKind);
            Assert.Equal(keys, node.EnumerateObject().Select(p => p.Name).ToArray());
        }

        foreach (var p in root.GetProperty("training").EnumerateObject()) AssertBool(p.Value);
        if (root.GetProperty("serverRetention") is { ValueKind: JsonValueKind.Object } retention)
        {
            foreach (var p in retention.EnumerateObject()) AssertOneOf(p.Value, Periods);
        }

        var feedback = root.GetProperty("feedbackCommand");
        AssertBool(feedback.GetProperty("enabled"));
        AssertOneOf(feedback.GetProperty("destination"), "upload", "local-archive", "none");

        var survey = root.GetProperty("survey");
        AssertBool(survey.GetProperty("enabled"));
        Assert.Equal(JsonValueKind.Number, survey.GetProperty("rate").ValueKind);
        Assert.InRange(survey.GetProperty("rate").GetDouble(), 0, 1);
        AssertOneOf(survey.GetProperty("sink"), "server", "otel", "none");
        AssertBool(survey.GetProperty("enabledViaOtelOverride"));

        var share = root.GetProperty("transcriptShare");
        AssertBool(share.GetProperty("offered"));
        AssertOneOf(share.GetProperty("destination"), "upload", "local-archive", "none");

        var local = root.GetProperty("localRetention");
        var period = local.GetProperty("periodDays");
        Assert.True(period.ValueKind is JsonValueKind.Number or JsonValueKind.Null);
        if (period.ValueKind == JsonValueKind.Number) Assert.True(period.GetInt64() >= 1);
        AssertOneOf(local.GetProperty("sweep"), "run", "paused");
        var reason = local.GetProperty("pauseReason");
        if (reason.ValueKind != JsonValueKind.Null) AssertOneOf(reason, "settings-invalid", "settings-unreadable", "user-settings-excluded");
        Assert.Equal(local.GetProperty("sweep").GetString() == "paused", reason.ValueKind != JsonValueKind.Null);

        foreach (var p in root.GetProperty("traffic").EnumerateObject()) AssertBool(p.Value);

        var trace = root.GetProperty("trace");
        Assert.Equal(JsonValueKind.Array, trace.ValueKind);
        Assert.NotEqual(0, trace.GetArrayLength());
        foreach (var entry in trace.EnumerateArray())
        {
            Assert.Equal(["decision", "value", "rule", "because"], entry.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Equal(JsonValueKind.String, entry.GetProperty("decision").ValueKind);
            Assert.Equal(JsonValueKind.String, entry.GetProperty("rule").ValueKind);
            Assert.Equal(JsonValueKind.String, entry.GetProperty("because").ValueKind);
            Assert.True(entry.GetProperty("value").ValueKind is JsonValueKind.True or JsonValueKind.False
                or JsonValueKind.Number or JsonValueKind.String or JsonValueKind.Null);
        }

        return doc;
    }

    /// <summary>The element at a dotted path of the document (for example <c>traffic.metrics</c>).</summary>
    public static JsonElement At(JsonElement root, string dotted)
    {
        var e = root;
        foreach (var part in dotted.Split('.')) e = e.GetProperty(part);
        return e;
    }

    private static void AssertBool(JsonElement e) => Assert.True(e.ValueKind is JsonValueKind.True or JsonValueKind.False, e.GetRawText());

    private static void AssertOneOf(JsonElement e, params string[] allowed)
    {
        Assert.Equal(JsonValueKind.String, e.ValueKind);
        Assert.Contains(e.GetString(), allowed);
    }
}
