using System.Text.Json;
using System.Text.Json.Nodes;
using Custodian.Policy.Internal;
using Custodian.Policy.Settings;

namespace Custodian.Policy.Context;

/// <summary>The result of reading a context file: the context, or the first error with its key and line.</summary>
/// <param name="Context">The context; null on error.</param>
/// <param name="Error">One line naming file, line and key; null on success.</param>
public sealed record ContextReadResult(PolicyContext? Context, string? Error);

/// <summary>
/// Reads the policy context file of INTERFACES.md strictly: an unknown key, a wrong type or an impossible
/// combination is an error naming the key; an invalid settings value is not (it becomes a settings problem,
/// and the decisions show it).
/// </summary>
public static class PolicyContextReader
{
    private static readonly string[] TopLevelKeys =
        ["plan", "gateway", "user", "org", "serverCredentials", "env", "settings", "managedSettings", "settingSources", "serverConfig"];

    private static readonly string[] UserKeys = ["allowModelImprovement", "surveyDontAskAgain"];
    private static readonly string[] OrgKeys = ["developmentPartnerProgram", "zeroDataRetention", "productFeedbackDisabled"];
    private static readonly string[] SettingsKeys = [SettingNames.FeedbackSurveyRate, SettingNames.CleanupPeriodDays, SettingNames.SkipWebFetchPreflight];
    private static readonly string[] ServerConfigKeys = [SettingNames.FeedbackSurveyRate];

    /// <summary>Reads a context file from disk; a missing or unreadable file is an error naming it.</summary>
    public static ContextReadResult ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : "cannot be read: " + e.Message;
            return new ContextReadResult(null, $"{path}: {why}");
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses context JSON; <paramref name="sourceName"/> names it in errors and traces.</summary>
    public static ContextReadResult Parse(ReadOnlySpan<byte> json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var utf8 = JsonPositions.WithoutBom(json);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Fail(sourceName, 1, null, "the file is empty; expected a JSON object (every key is optional: {} is the default context)");
        }

        if (JsonPositions.FirstInvalidUtf8(utf8) is var bad and >= 0)
        {
            return Fail(sourceName, JsonPositions.LineAt(utf8, bad), null, $"not valid UTF-8 text (byte {bad})");
        }

        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(utf8, documentOptions: JsonPositions.StrictOptions(32));
        }
        catch (JsonException e)
        {
            return Fail(sourceName, JsonPositions.LineOf(e, utf8), null, "not valid JSON: " + JsonPositions.Describe(e));
        }

        if (parsed is not JsonObject root)
        {
            return Fail(sourceName, 1, null, "expected a JSON object at the top level");
        }

        var reader = new Reader(sourceName, utf8.ToArray());
        try
        {
            return new ContextReadResult(reader.Read(root), null);
        }
        catch (ContextException e)
        {
            return new ContextReadResult(null, e.Message);
        }
    }

    private static ContextReadResult Fail(string source, int? line, string? key, string message) =>
        new(null, Format(source, line, key, message));

    /// <summary>One line, even when a key or value from the file holds an escaped line break.</summary>
    private static string Format(string source, int? line, string? key, string message) =>
        (source + (line is { } l ? $":{l}" : string.Empty) + ": " + (key is null ? string.Empty : key + ": ") + message).ReplaceLineEndings("\\n");

    private sealed class ContextException(string message) : Exception(message);

    private sealed class Reader(string source, byte[] utf8)
    {
        public PolicyContext Read(JsonObject root)
        {
            CheckKeys(root, TopLevelKeys, null);

            var plan = Plan.Pro;
            if (root["plan"] is { } planNode)
            {
                var name = String(planNode, "plan");
                if (!PlanNames.TryParsePlan(name, out plan))
                    throw Error("plan", $"unknown plan '{name}' (expected one of {PlanNames.AllPlanNames})");
            }

            var user = UserPreferences.Default;
            if (Object(root, "user") is { } u)
            {
                CheckKeys(u, UserKeys, "user");
                user = new UserPreferences(
                    Bool(u, "allowModelImprovement", "user") ?? false,
                    Bool(u, "surveyDontAskAgain", "user") ?? false);
            }

            var org = OrganizationPolicy.Default;
            if (Object(root, "org") is { } o)
            {
                CheckKeys(o, OrgKeys, "org");
                org = new OrganizationPolicy(
                    Bool(o, "developmentPartnerProgram", "org") ?? false,
                    Bool(o, "zeroDataRetention", "org") ?? false,
                    Bool(o, "productFeedbackDisabled", "org") ?? false);
            }

            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Object(root, "env") is { } e)
            {
                foreach (var (name, value) in e)
                {
                    env[name] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                        ? v.GetValue<string>()
                        : throw Error("env." + name, "must be a string (environment variables are text, e.g. \"1\")");
                }
            }

            var problems = new List<SettingsProblem>();
            var settings = ReadSettings(Object(root, "settings"), "settings", problems);
            var managed = ReadSettings(Object(root, "managedSettings"), "managedSettings", problems);

            var userExcluded = false;
            if (root["settingSources"] is { } sourcesNode)
            {
                if (sourcesNode is not JsonArray sources)
                    throw Error("settingSources", "must be an array of \"user\", \"project\" or \"local\"");
                var names = new List<string>();
                foreach (var item in sources)
                {
                    var name = item is JsonValue iv && iv.GetValueKind() == JsonValueKind.String ? iv.GetValue<string>() : null;
                    if (name is not ("user" or "project" or "local"))
                        throw Error("settingSources", $"unknown setting source {item?.ToJsonString() ?? "null"} (expected \"user\", \"project\" or \"local\")");
                    names.Add(name);
                }

                userExcluded = !names.Contains("user");
            }

            double? published = null;
            if (Object(root, "serverConfig") is { } sc)
            {
                CheckKeys(sc, ServerConfigKeys, "serverConfig");
                if (sc[SettingNames.FeedbackSurveyRate] is { } rateNode)
                {
                    var rate = Number(rateNode, "serverConfig.feedbackSurveyRate");
                    if (rate is < 0 or > 1)
                        throw Error("serverConfig.feedbackSurveyRate", "must be from 0 to 1");
                    published = rate;
                }
            }

            var settingsSource = source + " (settings)";
            var managedSource = source + " (managedSettings)";
            var policySettings = new PolicySettings
            {
                FeedbackSurveyRate = Pick(managed, settings, SettingNames.FeedbackSurveyRate, managedSource, settingsSource,
                    n => n.GetValue<double>(), out _),
                CleanupPeriodDays = Pick(managed, settings, SettingNames.CleanupPeriodDays, managedSource, settingsSource,
                    n => SettingsValidation.TryGetWholeNumber(n, out var d) ? d : 0, out var daysPinned),
                SkipWebFetchPreflight = Pick(managed, settings, SettingNames.SkipWebFetchPreflight, managedSource, settingsSource,
                    n => n.GetValue<bool>(), out _),
                Problems = problems,
                UserSettingsExcluded = userExcluded,
            };
            policySettings = policySettings with { CleanupPeriodPinned = daysPinned && policySettings.CleanupPeriodDays is not null };

            var context = new PolicyContext
            {
                Plan = plan,
                Gateway = Bool(root, "gateway", null) ?? false,
                User = user,
                Org = org,
                ServerCredentials = Bool(root, "serverCredentials", null) ?? true,
                Environment = ClientEnvironment.FromVariables(env, defaultSource: source + " (env)"),
                Settings = policySettings,
                PublishedSurveyRate = published,
            };

            if (PolicyEngine.Validate(context) is { } impossible)
            {
                throw Error(impossible.Key, impossible.Message);
            }

            return context;
        }

        private static SourcedValue<T>? Pick<T>(
            Dictionary<string, JsonValue> managed, Dictionary<string, JsonValue> settings, string name,
            string managedSource, string settingsSource, Func<JsonValue, T> convert, out bool fromManaged)
        {
            fromManaged = managed.TryGetValue(name, out var value);
            if (fromManaged) return SourcedValue<T>.Create(name, convert(value!), managedSource);
            return settings.TryGetValue(name, out value) ? SourcedValue<T>.Create(name, convert(value), settingsSource) : null;
        }

        /// <summary>Valid settings values; a right-typed but invalid value becomes a problem, a wrong type an error.</summary>
        private Dictionary<string, JsonValue> ReadSettings(JsonObject? node, string prefix, List<SettingsProblem> problems)
        {
            var result = new Dictionary<string, JsonValue>(StringComparer.Ordinal);
            if (node is null) return result;
            CheckKeys(node, SettingsKeys, prefix);
            foreach (var (name, value) in node)
            {
                var key = prefix + "." + name;
                var expected = name == SettingNames.SkipWebFetchPreflight ? "a boolean" : "a number";
                var kind = value is JsonValue jv ? jv.GetValueKind() : JsonValueKind.Undefined;
                var typeOk = name == SettingNames.SkipWebFetchPreflight
                    ? kind is JsonValueKind.True or JsonValueKind.False
                    : kind == JsonValueKind.Number;
                if (!typeOk) throw Error(key, $"must be {expected}, not {Describe(value)}");

                if (SettingsValidation.Check(name, value) is { } reason)
                {
                    problems.Add(new SettingsProblem(source, JsonPositions.LineOfProperty(utf8, key), key, SettingsProblemKind.InvalidValue, reason));
                    continue;
                }

                result[name] = (JsonValue)value!;
            }

            return result;
        }

        private void CheckKeys(JsonObject node, string[] allowed, string? prefix)
        {
            foreach (var (key, value) in node)
            {
                var path = prefix is null ? key : prefix + "." + key;
                if (Array.IndexOf(allowed, key) < 0)
                {
                    throw Error(path, $"unknown key (expected one of: {string.Join(", ", allowed)})");
                }

                if (value is null)
                {
                    throw Error(path, "must not be null (leave the key out to take the default)");
                }
            }
        }

        private JsonObject? Object(JsonObject parent, string key)
        {
            var node = parent[key];
            if (node is null) return null;
            return node as JsonObject ?? throw Error(key, $"must be an object, not {Describe(node)}");
        }

        private bool? Bool(JsonObject parent, string key, string? prefix)
        {
            var node = parent[key];
            if (node is null) return null;
            var path = prefix is null ? key : prefix + "." + key;
            return node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? v.GetValue<bool>()
                : throw Error(path, $"must be true or false, not {Describe(node)}");
        }

        private string String(JsonNode node, string path) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw Error(path, $"must be a string, not {Describe(node)}");

        private double Number(JsonNode node, string path) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                ? v.GetValue<double>()
                : throw Error(path, $"must be a number, not {Describe(node)}");

        private static string Describe(JsonNode? node) => node switch
        {
            null => "null",
            JsonObject => "an object",
            JsonArray => "an array",
            JsonValue v => v.GetValueKind() switch
            {
                JsonValueKind.String => "a string",
                JsonValueKind.Number => "a number",
                _ => "a boolean",
            },
            _ => "unknown",
        };

        private ContextException Error(string key, string message) =>
            new(Format(source, JsonPositions.LineOfProperty(utf8, key), key, message));
    }
}
