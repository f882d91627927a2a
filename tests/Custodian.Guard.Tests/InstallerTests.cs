using System.Text;
using System.Text.Json.Nodes;
using Custodian.Guard.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Custodian.Guard.Tests;

/// <summary>
/// <c>custodian install</c>/<c>uninstall</c>'s engine (GRD-1) on real settings files and generated ones: every other
/// key and hook kept, idempotent, and install followed by uninstall gives the file back byte for byte.
/// </summary>
[Trait("spec", "GRD-1")]
[Trait("spec", "CUS-64")]
public sealed class InstallerTests : IDisposable
{
    private static readonly HookCommandLine Command = HookCommandLine.For("/opt/custodian/custodian");
    private readonly string _root = Directory.CreateTempSubdirectory("custodian-guard-install-").FullName;

    private string CustodianDir => Path.Combine(_root, "config", "custodian");

    private GuardTarget UserTarget => new(GuardScope.User, Path.Combine(_root, "config", "settings.json"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> CorpusSettingsFiles() => [.. CorpusFiles()];

    private static List<string> CorpusFiles()
    {
        var data = new List<string>();
        foreach (var file in Directory.GetFiles(Corpus.Root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(Corpus.Root, file);
            // Every settings file but the schema itself: the schema's positive and negative tests and real projects'.
            if (!relative.Contains(Path.Combine("src", "schemas"), StringComparison.Ordinal)) data.Add(relative);
        }

        return data;
    }

    [Fact]
    public void The_corpus_holds_settings_files_to_install_into()
    {
        var files = CorpusFiles();
        Assert.True(files.Count >= 42, files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Most of them are objects the guard can be installed into; the rest (negative tests) are refused.
        Assert.True(files.Count(f => IsJsonObject(File.ReadAllBytes(Path.Combine(Corpus.Root, f)))) >= 30);
    }

    [Theory]
    [MemberData(nameof(CorpusSettingsFiles))]
    public void Install_twice_then_uninstall_gives_every_corpus_settings_file_back_byte_for_byte(string relative)
    {
        var original = File.ReadAllBytes(Path.Combine(Corpus.Root, relative));
        if (!IsJsonObject(original)) return; // the schema's negative tests include non-objects; install refuses those (tested below)
        var installer = new GuardInstaller(CustodianDir);
        Write(original);

        var first = installer.PlanInstall(UserTarget, Command);
        Assert.Null(first.Problem);
        Assert.Equal(SettingsChange.Update, first.Change);
        installer.Apply(first);
        AssertGuardInstalledAndTheRestKept(original, Read());

        var second = installer.PlanInstall(UserTarget, Command);
        Assert.Equal(SettingsChange.None, second.Change);
        Assert.Contains("already installed", second.Summary, StringComparison.Ordinal);
        installer.Apply(second);

        var uninstall = installer.PlanUninstall(UserTarget);
        Assert.Equal(SettingsChange.Update, uninstall.Change);
        Assert.Contains("as it was before the install", uninstall.Summary, StringComparison.Ordinal);
        installer.Apply(uninstall);
        Assert.Equal(original, Read());
        Assert.Equal(SettingsChange.None, installer.PlanUninstall(UserTarget).Change);
    }

    [Theory]
    [MemberData(nameof(CorpusSettingsFiles))]
    public void Without_the_install_record_uninstall_takes_out_only_the_guards_entries(string relative)
    {
        var original = File.ReadAllBytes(Path.Combine(Corpus.Root, relative));
        if (!IsJsonObject(original)) return;
        var installer = new GuardInstaller(CustodianDir);
        Write(original);
        installer.Apply(installer.PlanInstall(UserTarget, Command));
        File.Delete(Path.Combine(CustodianDir, "guard-installs.json"));

        var uninstall = installer.PlanUninstall(UserTarget);
        Assert.Contains("only the guard's entries were taken out", uninstall.Summary, StringComparison.Ordinal);
        installer.Apply(uninstall);

        var after = JsonNode.Parse(Read())!;
        var before = JsonNode.Parse(original)!;
        Assert.True(JsonNode.DeepEquals(WithoutEmptyHookLists(before), after), Encoding.UTF8.GetString(Read()));
    }

    [Fact]
    public void An_edit_made_after_the_install_survives_the_uninstall()
    {
        var installer = new GuardInstaller(CustodianDir);
        Write("{\n  \"model\": \"opus\"\n}\n"u8.ToArray());
        installer.Apply(installer.PlanInstall(UserTarget, Command));
        var edited = Encoding.UTF8.GetString(Read()).Replace("\"model\": \"opus\"", "\"model\": \"sonnet\",\n  \"theme\": \"dark\"", StringComparison.Ordinal);
        Write(Encoding.UTF8.GetBytes(edited));

        installer.Apply(installer.PlanUninstall(UserTarget));

        Assert.Equal("{\n  \"model\": \"sonnet\",\n  \"theme\": \"dark\"\n}\n", Encoding.UTF8.GetString(Read()));
    }

    [Fact]
    public void A_file_that_did_not_exist_is_created_and_uninstall_deletes_it_again()
    {
        var installer = new GuardInstaller(CustodianDir);
        var install = installer.PlanInstall(UserTarget, Command);
        Assert.Equal(SettingsChange.Create, install.Change);
        Assert.StartsWith("--- /dev/null\n+++ " + UserTarget.SettingsPath, install.Diff, StringComparison.Ordinal);
        installer.Apply(install);
        AssertGuardInstalledAndTheRestKept("{}"u8.ToArray(), Read());

        var uninstall = installer.PlanUninstall(UserTarget);
        Assert.Equal(SettingsChange.Delete, uninstall.Change);
        installer.Apply(uninstall);
        Assert.False(File.Exists(UserTarget.SettingsPath));
    }

    [Fact]
    public void The_managed_scope_writes_a_file_of_its_own_and_uninstall_removes_it_even_without_the_record()
    {
        var managedDir = Path.Combine(_root, "etc-claude-code");
        var target = GuardTarget.For(GuardScope.Managed, new Policy.Settings.SettingsLocations { ConfigDir = Path.Combine(_root, "config"), ManagedDir = managedDir });
        Assert.Equal(Path.Combine(managedDir, "managed-settings.d", GuardTarget.ManagedFileName), target.SettingsPath);
        var installer = new GuardInstaller(CustodianDir);
        installer.Apply(installer.PlanInstall(target, Command));
        Assert.True(GuardInstaller.IsInstalled(target));

        // An admin's other account (another config dir) uninstalls: no record there, the file is still the guard's own.
        var other = new GuardInstaller(Path.Combine(_root, "other", "custodian"));
        var uninstall = other.PlanUninstall(target);
        Assert.Equal(SettingsChange.Delete, uninstall.Change);
        other.Apply(uninstall);
        Assert.False(File.Exists(target.SettingsPath));
    }

    [Fact]
    public void A_dry_run_plan_changes_nothing_until_applied()
    {
        var installer = new GuardInstaller(CustodianDir);
        Write("{\"model\":\"opus\"}"u8.ToArray());
        var plan = installer.PlanInstall(UserTarget, Command);
        Assert.Contains("+", plan.Diff, StringComparison.Ordinal);
        Assert.Equal("{\"model\":\"opus\"}", Encoding.UTF8.GetString(Read()));
        Assert.False(File.Exists(Path.Combine(CustodianDir, "guard-installs.json")));
        Assert.False(GuardInstaller.IsInstalled(UserTarget));
    }

    [Fact]
    public void A_reinstall_from_another_build_replaces_the_command_and_uninstall_still_restores_the_original()
    {
        var installer = new GuardInstaller(CustodianDir);
        var original = "{\n\t\"model\": \"opus\"\n}"u8.ToArray();
        Write(original);
        installer.Apply(installer.PlanInstall(UserTarget, Command));
        var newer = HookCommandLine.For("/usr/bin/dotnet", "/home/me/.dotnet/tools/.store/custodian/custodian.dll");
        var reinstall = installer.PlanInstall(UserTarget, newer);
        Assert.Equal(SettingsChange.Update, reinstall.Change);
        installer.Apply(reinstall);
        var text = Encoding.UTF8.GetString(Read());
        Assert.DoesNotContain("/opt/custodian/custodian", text, StringComparison.Ordinal);
        Assert.Equal(GuardHooks.All.Count, CountOccurrences(text, "custodian.dll hook"));

        installer.Apply(installer.PlanUninstall(UserTarget));
        Assert.Equal(original, Read());
    }

    [Theory]
    [InlineData("[1, 2]", "the top level is not a JSON object")]
    [InlineData("{\"hooks\": []}", "hooks: not a JSON object")]
    [InlineData("{\"hooks\": {\"Stop\": {}}}", "hooks.Stop: not a JSON array")]
    [InlineData("{\n  \"model\": \"opus\",\n}", "line 3: not valid JSON")]
    public void A_file_that_is_not_settings_json_is_refused_naming_the_problem_and_left_alone(string content, string problem)
    {
        var installer = new GuardInstaller(CustodianDir);
        Write(Encoding.UTF8.GetBytes(content));
        var plan = installer.PlanInstall(UserTarget, Command);
        Assert.NotNull(plan.Problem);
        Assert.Contains(problem, plan.Problem, StringComparison.Ordinal);
        Assert.StartsWith(UserTarget.SettingsPath + ": ", plan.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', plan.Problem);
        Assert.Throws<InvalidOperationException>(() => installer.Apply(plan));
        Assert.Equal(content, Encoding.UTF8.GetString(Read()));
    }

    [Fact]
    public void A_symbolic_link_is_followed_and_kept_and_the_files_mode_is_kept()
    {
        var real = Path.Combine(_root, "dotfiles", "claude-settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, "{\"model\": \"opus\"}");
        File.SetUnixFileMode(real, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(Path.GetDirectoryName(UserTarget.SettingsPath)!);
        File.CreateSymbolicLink(UserTarget.SettingsPath, real);
        var installer = new GuardInstaller(CustodianDir);

        installer.Apply(installer.PlanInstall(UserTarget, Command));

        Assert.NotNull(new FileInfo(UserTarget.SettingsPath).LinkTarget);
        Assert.True(GuardInstaller.IsInstalled(UserTarget));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(real));
        installer.Apply(installer.PlanUninstall(UserTarget));
        Assert.Equal("{\"model\": \"opus\"}", File.ReadAllText(real));
        Assert.NotNull(new FileInfo(UserTarget.SettingsPath).LinkTarget);
    }

    [Fact]
    public void Install_then_uninstall_is_the_identity_on_generated_settings_files_in_any_layout()
    {
        Prop.ForAll(SettingsFiles().ToArbitrary(), original =>
        {
            var dir = Path.Combine(_root, "p-" + Guid.NewGuid().ToString("N"));
            var target = new GuardTarget(GuardScope.User, Path.Combine(dir, "settings.json"));
            var installer = new GuardInstaller(Path.Combine(dir, "custodian"));
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(target.SettingsPath, original);
            installer.Apply(installer.PlanInstall(target, Command));
            var installed = File.ReadAllBytes(target.SettingsPath);
            AssertGuardInstalledAndTheRestKept(original, installed);
            Assert.Equal(SettingsChange.None, installer.PlanInstall(target, Command).Change);
            installer.Apply(installer.PlanUninstall(target));
            Assert.Equal(Encoding.UTF8.GetString(original), Encoding.UTF8.GetString(File.ReadAllBytes(target.SettingsPath)));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Guard_commands_of_any_build_are_recognised_and_others_are_not()
    {
        Assert.True(HookCommandLine.IsGuardCommand(Command.Command));
        Assert.True(HookCommandLine.IsGuardCommand(HookCommandLine.For("/usr/bin/dotnet", "/a b/custodian.dll").Command));
        Assert.True(HookCommandLine.IsGuardCommand("'/home/o'\\''brien/bin/custodian' hook"));
        Assert.Equal("'/a b/custodian' hook", HookCommandLine.For("/a b/custodian").Command);
        Assert.False(HookCommandLine.IsGuardCommand("custodian scrub"));
        Assert.False(HookCommandLine.IsGuardCommand("/usr/local/bin/guard.sh hook"));
        Assert.False(HookCommandLine.IsGuardCommand("echo custodian"));
    }

    /// <summary>Settings objects of every layout: compact, 2 or 4 spaces, tabs, CRLF, a BOM, with and without hooks.</summary>
    private static Gen<byte[]> SettingsFiles()
    {
        var events = Gen.Elements("PreToolUse", "PostToolUse", "Stop", "Notification", "UserPromptSubmit", "SessionStart");
        var group = Gen.Elements("echo a", "~/bin/check.sh", "npx lint").Select(c => (JsonNode)new JsonObject
        {
            ["matcher"] = "Bash",
            ["hooks"] = new JsonArray(new JsonObject { ["type"] = "command", ["command"] = c }),
        });
        var hooks = Gen.ListOf(Gen.Zip(events, Gen.ListOf(group).Select(l => l.Take(3).ToList())))
            .Select(list =>
            {
                var o = new JsonObject();
                foreach (var (name, groups) in list.Take(4)) o[name] = new JsonArray([.. groups.Select(g => g.DeepClone())]);
                return o;
            });
        var root = Gen.Zip(Gen.Elements(0, 1, 2, 3), hooks)
            .Select(t =>
            {
                var o = new JsonObject();
                if (t.Item1 % 2 == 1) o["model"] = "opus";
                if (t.Item1 >= 2) o["hooks"] = t.Item2;
                if (t.Item1 == 3) o["env"] = new JsonObject { ["A"] = "1" };
                return o;
            });
        var layout = Gen.Elements(0, 1, 2, 3, 4, 5);
        return Gen.Zip(root, layout).Select(t =>
        {
            JsonObject o = t.Item1;
            int l = t.Item2;
            var text = l == 0 ? o.ToJsonString() : o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, IndentSize = l == 2 ? 4 : 2, IndentCharacter = l == 3 ? '\t' : ' ' });
            if (l == 3) text = text.Replace("\t\t", "\t", StringComparison.Ordinal);
            if (l == 4) text = text.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n";
            var bytes = Encoding.UTF8.GetBytes(text + (l == 1 ? "\n" : ""));
            return l == 5 ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
        });
    }

    private static void AssertGuardInstalledAndTheRestKept(byte[] original, byte[] installed)
    {
        var node = ParseJson(installed)!.AsObject();
        var hooks = node["hooks"]!.AsObject();
        foreach (var hook in GuardHooks.All)
        {
            var groups = hooks[hook.Event]!.AsArray();
            var ours = groups.Where(g => g!["hooks"]!.AsArray().Any(h => (string?)h!["command"] == Command.Command)).ToList();
            Assert.Single(ours);
            Assert.Null(ours[0]!["matcher"]);
            var handler = ours[0]!["hooks"]!.AsArray().Single()!;
            Assert.Equal("command", (string?)handler["type"]);
            Assert.Equal(hook.TimeoutSeconds, (int)handler["timeout"]!);
        }

        Assert.True(SettingsEditor.RemoveGuard(installed, out _) is { } removed && JsonNode.DeepEquals(WithoutEmptyHookLists(ParseJson(original)!), ParseJson(removed)));
    }

    /// <summary>The settings as removal by shape leaves them: an event list or a hooks object that only the guard filled goes.</summary>
    private static JsonNode WithoutEmptyHookLists(JsonNode settings)
    {
        var copy = settings.DeepClone().AsObject();
        if (copy["hooks"] is JsonObject hooks)
        {
            foreach (var name in hooks.Where(p => GuardHooks.All.Any(h => h.Event == p.Key) && p.Value is JsonArray { Count: 0 }).Select(p => p.Key).ToList()) hooks.Remove(name);
            if (hooks.Count == 0) copy.Remove("hooks");
        }

        return copy;
    }

    private static JsonNode ParseJson(byte[] bytes) =>
        JsonNode.Parse(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes.AsSpan(3) : bytes)!;

    private static bool IsJsonObject(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes) is JsonObject o && o["hooks"] is null or JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static int CountOccurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private void Write(byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(UserTarget.SettingsPath)!);
        File.WriteAllBytes(UserTarget.SettingsPath, bytes);
    }

    private byte[] Read() => File.ReadAllBytes(UserTarget.SettingsPath);
}

/// <summary>Where the shared corpus is: above the build folder, beside the checkout.</summary>
internal static class Corpus
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpus", "real-claude-code");
            if (Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException("shared/corpus/real-claude-code not found above " + AppContext.BaseDirectory);
    }
}
