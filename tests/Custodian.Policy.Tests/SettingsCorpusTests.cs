using System.Text.Json.Nodes;
using Custodian.Policy.Settings;
using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary>
/// Real settings files (../shared/corpus/real-claude-code, see its SOURCES.md): the official schema's positive test
/// files and three settings files from public repositories. The schema is the authority on validity, so none of
/// them may be reported as a problem; the schema's negative test files must be, where Custodian validates the key.
/// The corpus is never edited: each file is copied into a throwaway settings tree.
/// </summary>
public sealed class SettingsCorpusTests
{
    private static readonly string Corpus = FindCorpus();

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpus", "real-claude-code");
            if (Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException("shared/corpus/real-claude-code not found above " + AppContext.BaseDirectory);
    }

    private static string SchemaTests(string kind) => Path.Combine(Corpus, "SchemaStore+schemastore", "src", kind, "claude-code-settings");

    public static TheoryData<string> SchemaValidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(SchemaTests("test"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Corpus, file));
        }

        data.Add(Path.Combine("haberlah+dotfiles-claude", "settings.json"));
        data.Add(Path.Combine("ryoppippi+ccusage", ".claude", "settings.json"));
        data.Add(Path.Combine("d-kimuson+claude-code-viewer", ".claude", "settings.json"));
        return data;
    }

    [Fact]
    public void The_corpus_holds_the_schemas_21_positive_and_17_negative_test_files()
    {
        Assert.Equal(21, Directory.GetFiles(SchemaTests("test"), "*.json").Length);
        Assert.Equal(17, Directory.GetFiles(SchemaTests("negative_test"), "*.json").Length);
    }

    [Theory]
    [MemberData(nameof(SchemaValidFiles))]
    [Trait("spec", "SET-1")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "SET-7")]
    [Trait("spec", "LOC-3")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-30")]
    public void Every_schema_valid_settings_file_resolves_without_a_problem_in_every_scope(string relative)
    {
        var source = Path.Combine(Corpus, relative);
        var original = File.ReadAllBytes(source);
        var json = JsonNode.Parse(original)!.AsObject();
        using var s = new SettingsSandbox();
        foreach (var target in new[] { s.UserFile, s.ProjectFile, s.LocalFile, s.ManagedFile, s.DropIn("10-corpus.json") })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true);
            var r = s.Resolve();

            Assert.True(r.Problems.Count == 0, $"{relative} as {target}: {string.Join("; ", r.Problems)}");
            var decisions = TestPolicy.Decide(new PolicyContext { Environment = r.ToClientEnvironment(), Settings = r.ToPolicySettings() });
            Assert.True(decisions.LocalRetention.SweepRuns.Value, $"{relative} as {target}: {decisions.LocalRetention.SweepRuns.Because}");
            if (json["cleanupPeriodDays"] is JsonValue days)
            {
                Assert.Equal((long)days.GetValue<double>(), decisions.LocalRetention.PeriodDays.Value);
            }

            // SET-7: every env entry of the file is resolved, with the file as its source.
            if (json["env"] is JsonObject env)
            {
                foreach (var (name, value) in env)
                {
                    var resolved = r.Environment[name];
                    Assert.Equal((ResolvedSettings.Display(value), target), (ResolvedSettings.Display(resolved.Value), resolved.Source));
                }

                Assert.Equal(env.Select(p => p.Key).Order(StringComparer.Ordinal), r.VariablesSetBySettingsFiles());
            }

            File.Delete(target);
        }

        Assert.Equal(original, File.ReadAllBytes(source));
    }

    /// <summary>The negative test files whose invalid keys Custodian validates (SET-6), and the fields it must name.</summary>
    public static TheoryData<string, string[]> SchemaInvalidFilesCustodianValidates() => new()
    {
        { "wrong-property-types.json", ["cleanupPeriodDays"] },
    };

    [Theory]
    [MemberData(nameof(SchemaInvalidFilesCustodianValidates))]
    [Trait("spec", "SET-6")]
    [Trait("spec", "LOC-6")]
    [Trait("spec", "CUS-7")]
    public void A_schema_negative_file_is_a_problem_naming_each_invalid_key_custodian_validates(string name, string[] fields)
    {
        using var s = new SettingsSandbox();
        var target = s.Write(s.UserFile, File.ReadAllText(Path.Combine(SchemaTests("negative_test"), name)));
        var r = s.Resolve();

        Assert.Equal(fields.Order(StringComparer.Ordinal), r.Problems.Select(p => p.Field!).Order(StringComparer.Ordinal));
        Assert.All(r.Problems, p =>
        {
            Assert.Equal((target, SettingsProblemKind.InvalidValue), (p.Source, p.Kind));
            Assert.NotNull(p.Line);
        });
        foreach (var field in fields.Where(f => f.StartsWith("env.", StringComparison.Ordinal)))
        {
            Assert.False(r.Environment.ContainsKey(field[4..]), field + " must not take effect (CUS-7)");
        }

        var decisions = TestPolicy.Decide(new PolicyContext { Environment = r.ToClientEnvironment(), Settings = r.ToPolicySettings() });
        Assert.Equal(SweepPauseReason.SettingsInvalid, decisions.LocalRetention.PauseReason.Value);
    }

    [Fact]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    [Trait("spec", "SET-5")]
    [Trait("spec", "SET-6")]
    [Trait("spec", "CUS-32")]
    public void The_other_negative_files_are_read_by_the_spec_rules_not_refused()
    {
        // invalid-enum-values.json gives policy variables values outside the schema's "0"/"1"; SET-3 and SET-4 give every
        // value a meaning ("yes" is true, a present DISABLE_TELEMETRY is on), so they are read, not reported.
        using var s = new SettingsSandbox();
        foreach (var file in Directory.GetFiles(SchemaTests("negative_test"), "*.json").Order(StringComparer.Ordinal))
        {
            if (SchemaInvalidFilesCustodianValidates().Any(row => (string)row[0] == Path.GetFileName(file))) continue;
            var target = s.Write(s.UserFile, File.ReadAllText(file));
            var r = s.Resolve();
            Assert.True(r.Problems.Count == 0, $"{Path.GetFileName(file)}: {string.Join("; ", r.Problems)}");
            File.Delete(target);
        }

        // invalid-env-variable-name.json: names the schema refuses, which Claude Code exports all the same (CUS-32).
        s.Write(s.UserFile, File.ReadAllText(Path.Combine(SchemaTests("negative_test"), "invalid-env-variable-name.json")));
        var names = s.Resolve().EnvironmentVariables();
        foreach (var name in new[] { "HAS SPACES", "has-dashes", "lowercase", "valid_VAR", "123STARTS_WITH_NUMBER" }) Assert.True(names.ContainsKey(name), name);

        s.Write(s.UserFile, File.ReadAllText(Path.Combine(SchemaTests("negative_test"), "invalid-enum-values.json")));
        var env = s.Resolve().ToClientEnvironment();
        Assert.Equal(Provider.Bedrock, env.Provider);
        Assert.Equal(
            [Provider.Foundry, Provider.AnthropicAws, Provider.Vertex],
            env.IgnoredProviders.Select(i => i.Provider));
        Assert.True(env.DisableTelemetry.On);
        Assert.True(env.DoNotTrack.On);
        Assert.True(env.DisableAutoUpdater.On);
    }
}
