using System.CommandLine;
using System.Text.Json;
using Custodian.Policy;
using Custodian.Policy.Settings;
using Spectre.Console;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian settings</c>: every resolved settings value and policy variable with its source (SET-7).</summary>
internal static class SettingsCommand
{
    /// <summary>The variables worth showing even when unset: the ones the data policy reads.</summary>
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
            else Render(cli.Host.CreateConsole(), resolved);
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
        foreach (var name in PolicyVariables)
        {
            if (!resolved.Environment.TryGetValue(name, out var setting)) continue;
            w.WriteStartObject(name);
            w.WriteString("value", ResolvedSettings.Display(setting.Value));
            w.WriteString("source", setting.Source);
            w.WriteEndObject();
        }

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

    private static void Render(IAnsiConsole console, ResolvedSettings resolved)
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

        foreach (var name in PolicyVariables)
        {
            if (resolved.Environment.TryGetValue(name, out var setting))
                values.AddRow(Markup.Escape(name), Markup.Escape(ResolvedSettings.Display(setting.Value)), Markup.Escape(setting.Source));
        }

        console.Write(values);
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
