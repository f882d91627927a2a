using System.Text.Json;
using System.Text.Json.Nodes;
using Custodian.Policy.Internal;

namespace Custodian.Policy.Settings;

/// <summary>
/// Reads every settings source of SET-1 and merges them: higher precedence wins for scalars, lists are unioned,
/// objects deep-merge — the rule managed-settings.d uses, applied across all sources. Never throws for a bad file.
/// </summary>
public static class SettingsResolver
{
    private static readonly JsonDocumentOptions StrictJson = JsonPositions.StrictOptions(64);

    /// <summary>Reads and merges the settings at <paramref name="locations"/> over <paramref name="processEnvironment"/>.</summary>
    public static ResolvedSettings Resolve(SettingsLocations locations, IReadOnlyDictionary<string, string> processEnvironment)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(processEnvironment);

        var files = Enumerate(locations);
        var problems = new List<SettingsProblem>();
        var values = new Dictionary<string, ResolvedSetting>(StringComparer.Ordinal);
        var environment = new Dictionary<string, ResolvedSetting>(StringComparer.Ordinal);
        // Every definition of every variable, lowest precedence first until reversed below: what SET-7 shows as overridden.
        var definitions = new Dictionary<string, List<ResolvedSetting>>(StringComparer.Ordinal);
        void Define(ResolvedSetting setting)
        {
            environment[setting.Key] = setting;
            if (!definitions.TryGetValue(setting.Key, out var list)) definitions[setting.Key] = list = [];
            list.Add(setting);
        }

        foreach (var (name, value) in processEnvironment)
        {
            Define(new ResolvedSetting(name, JsonValue.Create(value), ResolvedSettings.ProcessEnvironmentSource, null));
        }

        // Apply lowest precedence first, so each later file overrides what came before.
        for (var i = files.Count - 1; i >= 0; i--)
        {
            var file = files[i];
            if (!file.Exists) continue;
            var root = Load(file, problems);
            if (root is null) continue;
            foreach (var (key, node) in root)
            {
                if (key == SettingNames.Env)
                {
                    // Env blocks were validated and normalized to string values in Load.
                    foreach (var (variable, text) in (JsonObject)node!)
                    {
                        Define(new ResolvedSetting(variable, text?.DeepClone(), file.Path, file.Scope));
                    }

                    continue;
                }

                var merged = values.TryGetValue(key, out var existing) ? Merge(existing.Value, node) : node?.DeepClone();
                values[key] = new ResolvedSetting(key, merged, file.Path, file.Scope);
            }
        }

        var ordered = files.ToList();
        var byPrecedence = new Dictionary<string, IReadOnlyList<ResolvedSetting>>(definitions.Count, StringComparer.Ordinal);
        foreach (var (name, list) in definitions)
        {
            list.Reverse();
            byPrecedence[name] = list;
        }

        return new ResolvedSettings(ordered, values, environment, problems, locations.ExcludedScopes.Contains(SettingsScope.User))
        {
            EnvironmentDefinitions = byPrecedence,
        };
    }

    /// <summary>The files of SET-1, highest precedence first; within managed, later drop-ins win over earlier ones.</summary>
    public static IReadOnlyList<SettingsFile> Enumerate(SettingsLocations locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var list = new List<SettingsFile>();

        var managedDropIns = Path.Combine(locations.ManagedDir, "managed-settings.d");
        if (Directory.Exists(managedDropIns))
        {
            var dropIns = Directory.GetFiles(managedDropIns, "*.json");
            Array.Sort(dropIns, StringComparer.Ordinal);
            for (var i = dropIns.Length - 1; i >= 0; i--)
            {
                list.Add(new SettingsFile(SettingsScope.Managed, dropIns[i], true));
            }
        }

        Add(list, SettingsScope.Managed, Path.Combine(locations.ManagedDir, "managed-settings.json"));
        if (locations.CommandLineFile is { } cli)
        {
            // An explicitly named file that is missing is a problem, not a silent default.
            list.Add(new SettingsFile(SettingsScope.CommandLine, Path.GetFullPath(cli), true));
        }

        if (locations.ProjectDir is { } project)
        {
            if (!locations.ExcludedScopes.Contains(SettingsScope.ProjectLocal))
                Add(list, SettingsScope.ProjectLocal, Path.Combine(project, ".claude", "settings.local.json"));
            if (!locations.ExcludedScopes.Contains(SettingsScope.Project))
                Add(list, SettingsScope.Project, Path.Combine(project, ".claude", "settings.json"));
        }

        if (!locations.ExcludedScopes.Contains(SettingsScope.User))
            Add(list, SettingsScope.User, Path.Combine(locations.ConfigDir, "settings.json"));
        return list;
    }

    private static void Add(List<SettingsFile> list, SettingsScope scope, string path) =>
        list.Add(new SettingsFile(scope, Path.GetFullPath(path), File.Exists(path) || Directory.Exists(path)));

    /// <summary>Loads one file, validating the keys the policy reads; invalid ones are reported and dropped.</summary>
    private static JsonObject? Load(SettingsFile file, List<SettingsProblem> problems)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : "cannot be read: " + FirstLine(e.Message);
            problems.Add(new SettingsProblem(file.Path, null, null, SettingsProblemKind.Unreadable, reason));
            return null;
        }

        var utf8 = JsonPositions.WithoutBom(bytes);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            problems.Add(new SettingsProblem(file.Path, 1, null, SettingsProblemKind.Malformed, "the file is empty; expected a JSON object"));
            return null;
        }

        if (JsonPositions.FirstInvalidUtf8(utf8) is var bad and >= 0)
        {
            problems.Add(new SettingsProblem(file.Path, JsonPositions.LineAt(utf8, bad), null, SettingsProblemKind.Malformed, $"not valid UTF-8 text (byte {bad})"));
            return null;
        }

        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(utf8, documentOptions: StrictJson);
        }
        catch (JsonException e)
        {
            problems.Add(new SettingsProblem(
                file.Path, JsonPositions.LineOf(e, utf8), null, SettingsProblemKind.Malformed, "not valid JSON: " + JsonPositions.Describe(e)));
            return null;
        }

        if (parsed is not JsonObject root)
        {
            problems.Add(new SettingsProblem(file.Path, 1, null, SettingsProblemKind.Malformed, "expected a JSON object at the top level"));
            return null;
        }

        foreach (var key in root.Select(p => p.Key).ToList())
        {
            var node = root[key];
            if (key == SettingNames.Env)
            {
                if (!NormalizeEnv(file, utf8, node, problems)) root.Remove(key);
                continue;
            }

            if (SettingsValidation.Check(key, node) is { } reason)
            {
                problems.Add(new SettingsProblem(file.Path, JsonPositions.LineOfProperty(utf8, key), key, SettingsProblemKind.InvalidValue, reason));
                root.Remove(key);
            }
        }

        return root;
    }

    private static bool NormalizeEnv(SettingsFile file, ReadOnlySpan<byte> utf8, JsonNode? node, List<SettingsProblem> problems)
    {
        if (node is not JsonObject env)
        {
            problems.Add(new SettingsProblem(
                file.Path, JsonPositions.LineOfProperty(utf8, SettingNames.Env), SettingNames.Env, SettingsProblemKind.InvalidValue,
                "must be an object of variable names to string values"));
            return false;
        }

        foreach (var name in env.Select(p => p.Key).ToList())
        {
            if (!SettingsValidation.IsVariableName(name))
            {
                problems.Add(new SettingsProblem(
                    file.Path, JsonPositions.LineOfProperty(utf8, "env." + name), "env." + name, SettingsProblemKind.InvalidValue,
                    "not a variable name a process environment can hold (empty, or holds = or NUL)"));
                env.Remove(name);
                continue;
            }

            var value = env[name];
            string? text = value switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
                _ => null,
            };
            if (text is null)
            {
                problems.Add(new SettingsProblem(
                    file.Path, JsonPositions.LineOfProperty(utf8, "env." + name), "env." + name, SettingsProblemKind.InvalidValue,
                    "must be a string"));
                env.Remove(name);
            }
            else
            {
                env[name] = JsonValue.Create(text);
            }
        }

        return true;
    }

    /// <summary>The merge of SET-1: objects deep-merge, lists union, otherwise the overlay wins.</summary>
    internal static JsonNode? Merge(JsonNode? baseNode, JsonNode? overlay)
    {
        if (baseNode is JsonObject baseObject && overlay is JsonObject overlayObject)
        {
            var result = (JsonObject)baseObject.DeepClone();
            foreach (var (key, value) in overlayObject)
            {
                result[key] = result.TryGetPropertyValue(key, out var existing) ? Merge(existing, value) : value?.DeepClone();
            }

            return result;
        }

        if (baseNode is JsonArray baseArray && overlay is JsonArray overlayArray)
        {
            var result = (JsonArray)baseArray.DeepClone();
            foreach (var item in overlayArray)
            {
                if (!result.Any(existing => JsonNode.DeepEquals(existing, item))) result.Add(item?.DeepClone());
            }

            return result;
        }

        return overlay?.DeepClone();
    }

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline];
    }
}
