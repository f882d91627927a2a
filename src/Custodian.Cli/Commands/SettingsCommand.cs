using System.CommandLine;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Policy.Settings;
using Custodian.Redaction;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian settings</c>: every resolved settings value, every variable a settings file sets and every policy variable
/// of the process, each with its source and what it overrides (SET-7), the provider choice (SET-5), and the problems (SET-6).
/// </summary>
internal static class SettingsCommand
{
    /// <summary>
    /// The process variables worth showing: the ones the data policy reads. The rest of the process environment is
    /// the shell's, not Claude Code's settings, and would only bury them; every variable of a settings file is shown.
    /// </summary>
    private static readonly string[] PolicyVariables =
    [
        EnvNames.DisableNonessentialTraffic, EnvNames.DisableTelemetry, EnvNames.DisableErrorReporting, EnvNames.DoNotTrack,
        EnvNames.DisableFeedbackSurvey, EnvNames.EnableFeedbackSurveyForOtel, EnvNames.DisableFeedbackCommand,
        EnvNames.DisableBugCommand, EnvNames.DisableAutoUpdater, EnvNames.UseBedrock, EnvNames.UseVertex, EnvNames.UseFoundry,
        EnvNames.UseAnthropicAws,
    ];

    private static readonly (string Name, string Default)[] PolicySettings =
    [
        (SettingNames.CleanupPeriodDays, "30"),
        (SettingNames.FeedbackSurveyRate, "server-published rate, else 0.005"),
        (SettingNames.SkipWebFetchPreflight, "false"),
    ];

    public static Command Create(CustodianCli cli)
    {
        var options = new SettingsOptions();
        var command = new Command("settings", "Show every resolved setting and policy variable with its source, and any settings problem");
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var resolved = options.Resolve(cli, parse);
            if (cli.Json(parse)) cli.WriteJson(w => WriteJson(w, resolved));
            else Render(cli.Host.CreateConsole(), cli.Host.Stdout, resolved);
            return resolved.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void WriteJson(Utf8JsonWriter w, ResolvedSettings resolved)
    {
        w.WriteStartObject();
        w.WriteStartArray("files");
        foreach (var file in resolved.Files)
        {
            w.WriteStartObject();
            w.WriteString("scope", ScopeName(file.Scope));
            w.WriteString("path", file.Path);
            w.WriteBoolean("exists", file.Exists);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("values");
        foreach (var (name, setting) in resolved.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(name);
            w.WritePropertyName("value");
            if (setting.Value is null) w.WriteNullValue();
            else setting.Value.WriteTo(w);
            w.WriteString("source", setting.Source);
            w.WriteEndObject();
        }

        foreach (var (name, fallback) in PolicySettings)
        {
            if (resolved.Values.ContainsKey(name)) continue;
            w.WriteStartObject(name);
            w.WriteNull("value");
            w.WriteString("source", "default: " + fallback);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteStartObject("env");
        foreach (var name in ShownVariables(resolved))
        {
            var definitions = resolved.EnvironmentDefinitions[name];
            w.WriteStartObject(name);
            w.WriteString("value", DisplayVariable(name, definitions[0].Value));
            w.WriteString("source", definitions[0].Source);
            w.WriteStartArray("overrides");
            foreach (var shadowed in definitions.Skip(1))
            {
                w.WriteStartObject();
                w.WriteString("value", DisplayVariable(name, shadowed.Value));
                w.WriteString("source", shadowed.Source);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndObject();
        var environment = resolved.ToClientEnvironment();
        w.WriteStartObject("provider");
        w.WriteString("selected", environment.Provider.ToWireName());
        w.WriteString("because", environment.ProviderEvidence ?? "no provider variable is set: the first-party API");
        PolicyJson.WriteIgnoredProviders(w, "ignored", environment.IgnoredProviders);
        w.WriteEndObject();
        w.WriteStartArray("problems");
        foreach (var problem in resolved.Problems)
        {
            w.WriteStartObject();
            w.WriteString("file", problem.Source);
            if (problem.Line is { } line) w.WriteNumber("line", line);
            else w.WriteNull("line");
            w.WriteString("field", problem.Field);
            w.WriteString("kind", problem.Kind.ToString());
            w.WriteString("message", problem.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Render(IAnsiConsole console, TextWriter stdout, ResolvedSettings resolved)
    {
        var files = new Table().Border(TableBorder.Rounded).Title("Settings files, highest precedence first");
        files.AddColumn("Scope");
        files.AddColumn("Path");
        files.AddColumn("Present");
        foreach (var file in resolved.Files)
        {
            files.AddRow(ScopeName(file.Scope), Markup.Escape(file.Path), file.Exists ? "yes" : "no");
        }

        console.Write(files);

        var values = new Table().Border(TableBorder.Rounded).Title("Resolved values");
        values.AddColumn("Setting or variable");
        values.AddColumn("Value");
        values.AddColumn("Source");
        foreach (var (name, setting) in resolved.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            values.AddRow(Markup.Escape(name), Markup.Escape(Truncate(ResolvedSettings.Display(setting.Value))), Markup.Escape(setting.Source));
        }

        foreach (var (name, fallback) in PolicySettings)
        {
            if (!resolved.Values.ContainsKey(name)) values.AddRow(Markup.Escape(name), "(unset)", Markup.Escape("default: " + fallback));
        }

        foreach (var name in ShownVariables(resolved))
        {
            var definitions = resolved.EnvironmentDefinitions[name];
            var overrides = definitions.Count == 1
                ? string.Empty
                : " (overrides " + string.Join(", ", definitions.Skip(1).Select(d => d.Source)) + ")";
            values.AddRow(
                Markup.Escape("env." + name),
                Markup.Escape(Truncate(DisplayVariable(name, definitions[0].Value))),
                Markup.Escape(definitions[0].Source + overrides));
        }
        console.Write(values);
        // Plain writes from here on: a line that names a path must not be wrapped.
        var environment = resolved.ToClientEnvironment();
        stdout.WriteLine(environment.ProviderEvidence is { } evidence
            ? $"Provider: {environment.Provider.ToWireName()} ({evidence})"
            : "Provider: anthropic (no provider variable is set: the first-party API)");
        foreach (var ignored in environment.IgnoredProviders)
        {
            stdout.WriteLine($"Ignored provider variable (SET-5): {ignored}; Claude Code uses {environment.Provider.ToWireName()}.");
        }

        if (resolved.Problems.Count == 0)
        {
            console.MarkupLine("No settings problems.");
            return;
        }

        console.MarkupLine($"[red]{resolved.Problems.Count} settings problem(s):[/] the retention sweep pauses until they are fixed (LOC-6).");
        foreach (var problem in resolved.Problems)
        {
            console.MarkupLine("  " + Markup.Escape(problem.ToString()));
        }
    }

    /// <summary>Every variable a settings file sets, and the policy variables the process sets, in ordinal order.</summary>
    private static IEnumerable<string> ShownVariables(ResolvedSettings resolved) =>
        resolved.VariablesSetBySettingsFiles()
            .Union(PolicyVariables.Where(resolved.Environment.ContainsKey), StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// A variable's value as shown: an <c>env</c> block may hold an API key or a password, which must not end up in a
    /// terminal's scrollback or a CI log; a secret is replaced by its redaction marker (RED-1), as <c>NAME=value</c>
    /// so that the secret-name rule sees the name.
    /// </summary>
    private static string DisplayVariable(string name, System.Text.Json.Nodes.JsonNode? value)
    {
        var text = ResolvedSettings.Display(value);
        var prefix = name + "=";
        var redacted = Redactor.Default.Redact(prefix + text);
        return redacted.StartsWith(prefix, StringComparison.Ordinal) ? redacted[prefix.Length..] : Redactor.Default.Redact(text);
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static string ScopeName(SettingsScope scope) => scope switch
    {
        SettingsScope.Managed => "managed",
        SettingsScope.CommandLine => "--settings",
        SettingsScope.ProjectLocal => "project (local)",
        SettingsScope.Project => "project",
        _ => "user",
    };
}
