namespace Custodian.Cli.Tests;

/// <summary><c>custodian install</c> and <c>uninstall</c> on the command line (GRD-1).</summary>
[Trait("spec", "GRD-1")]
public sealed class InstallCommandTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public InstallCommandTests() => _sandbox.Environment["CUSTODIAN_HOOK_EXECUTABLE"] = "/opt/custodian/bin/custodian";

    public void Dispose() => _sandbox.Dispose();

    private string UserSettings => Path.Combine(_sandbox.ConfigDir, "settings.json");

    [Fact]
    public void Install_prints_a_diff_writes_the_hooks_and_uninstall_gives_the_file_back()
    {
        const string Original = "{\n  \"model\": \"opus\"\n}\n";
        File.WriteAllText(UserSettings, Original);

        var install = _sandbox.Run("install");

        Assert.Equal(0, install.ExitCode);
        Assert.Contains("--- " + UserSettings, install.Stdout, StringComparison.Ordinal);
        Assert.Contains("+            \"command\": \"/opt/custodian/bin/custodian hook\",", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("the guard's 6 hooks", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("/opt/custodian/bin/custodian hook", File.ReadAllText(UserSettings), StringComparison.Ordinal);

        var again = _sandbox.Run("install");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already installed", again.Stdout, StringComparison.Ordinal);

        var uninstall = _sandbox.Run("uninstall");
        Assert.Equal(0, uninstall.ExitCode);
        Assert.Contains("-            \"command\": \"/opt/custodian/bin/custodian hook\",", uninstall.Stdout, StringComparison.Ordinal);
        Assert.Equal(Original, File.ReadAllText(UserSettings));
    }

    [Fact]
    public void A_dry_run_shows_the_change_and_changes_nothing()
    {
        File.WriteAllText(UserSettings, "{}");

        var result = _sandbox.Run("install", "--dry-run");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("+  \"hooks\": {", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("dry run, nothing changed", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("{}", File.ReadAllText(UserSettings));
        Assert.False(Directory.Exists(Path.Combine(_sandbox.ConfigDir, "custodian")));
    }

    [Theory]
    [InlineData("project", ".claude/settings.json")]
    [InlineData("local", ".claude/settings.local.json")]
    public void The_project_scopes_write_the_projects_settings_files(string scope, string relative)
    {
        var result = _sandbox.Run("install", "--scope", scope);

        Assert.Equal(0, result.ExitCode);
        var path = Path.Combine(_sandbox.ProjectDir, relative);
        Assert.Contains("custodian hook", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False(File.Exists(UserSettings));
        Assert.Equal(0, _sandbox.Run("uninstall", "--scope", scope).ExitCode);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void The_managed_scope_writes_its_own_file_in_the_managed_settings_folder()
    {
        File.WriteAllText(Path.Combine(_sandbox.ManagedDir, "managed-settings.json"), "{\"allowManagedHooksOnly\": true}");

        var result = _sandbox.Run("install", "--scope", "managed");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("custodian hook", File.ReadAllText(Path.Combine(_sandbox.ManagedDir, "managed-settings.d", "50-custodian-guard.json")), StringComparison.Ordinal);
        Assert.Equal("{\"allowManagedHooksOnly\": true}", File.ReadAllText(Path.Combine(_sandbox.ManagedDir, "managed-settings.json")));
        Assert.Equal(0, _sandbox.Run("uninstall", "--scope", "managed").ExitCode);
        Assert.False(File.Exists(Path.Combine(_sandbox.ManagedDir, "managed-settings.d", "50-custodian-guard.json")));
    }

    [Fact]
    public void A_settings_file_that_is_not_json_is_a_one_line_error_with_exit_code_2_and_is_left_alone()
    {
        File.WriteAllText(UserSettings, "{\n  \"model\": \"opus\",\n}\n");

        var result = _sandbox.Run("install");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(UserSettings + ": line 3: not valid JSON", line, StringComparison.Ordinal);
        Assert.Equal("{\n  \"model\": \"opus\",\n}\n", File.ReadAllText(UserSettings));
    }

    [Fact]
    public void An_unknown_scope_is_a_usage_error()
    {
        var result = _sandbox.Run("install", "--scope", "everywhere");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("everywhere", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(UserSettings));
    }

    [Fact]
    [Trait("spec", "CUS-65")]
    public void Policy_and_dataflow_show_whether_and_where_the_guard_is_installed()
    {
        var before = System.Text.Json.Nodes.JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;
        Assert.False((bool)before["guard"]!["installed"]!);
        Assert.Contains("Live guard: not installed", _sandbox.Run("policy").Stdout, StringComparison.Ordinal);
        Assert.Contains("guard: not installed", _sandbox.Run("dataflow").Stdout, StringComparison.Ordinal);

        Assert.Equal(0, _sandbox.Run("install", "--scope", "local").ExitCode);

        var after = System.Text.Json.Nodes.JsonNode.Parse(_sandbox.Run("policy", "--json").Stdout)!;
        Assert.True((bool)after["guard"]!["installed"]!);
        var scope = Assert.Single(after["guard"]!["scopes"]!.AsArray())!;
        Assert.Equal("local", (string?)scope["scope"]);
        Assert.Equal(Path.Combine(_sandbox.ProjectDir, ".claude", "settings.local.json"), (string?)scope["file"]);
        Assert.Contains("Live guard: installed in local scope", _sandbox.Run("policy").Stdout, StringComparison.Ordinal);
        Assert.Contains("guard: local scope", _sandbox.Run("dataflow").Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("guard", _sandbox.Run("dataflow", "--context", _sandbox.Write("ctx.json", "{\"plan\":\"pro\"}")).Stdout, StringComparison.Ordinal);
    }
}

/// <summary>Which path of the running executable <c>install</c> writes into the hooks (GRD-1).</summary>
[Trait("spec", "GRD-1")]
public sealed class HookExecutablePathTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("custodian-exe-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A tool's layout: the executable in a version's folder, the command a link to it in a folder on PATH.</summary>
    private (string Executable, string Link, string Bin) ToolLayout()
    {
        var version = Directory.CreateDirectory(Path.Combine(_root, ".store", "custodian.cli", "0.1.0")).FullName;
        var executable = Path.Combine(version, "custodian");
        File.WriteAllText(executable, "native");
        var bin = Directory.CreateDirectory(Path.Combine(_root, "tools")).FullName;
        var link = Path.Combine(bin, "custodian");
        File.CreateSymbolicLink(link, executable);
        return (executable, link, bin);
    }

    [Fact]
    public void A_command_found_on_PATH_that_links_to_the_executable_is_written_not_the_versions_folder()
    {
        var (executable, link, bin) = ToolLayout();
        var path = string.Join(Path.PathSeparator, Path.Combine(_root, "empty"), bin, "/usr/bin");

        Assert.Equal(link, Commands.InstallCommand.LinkThatRan(executable, "custodian", path, _root));
    }

    [Fact]
    public void A_link_named_by_its_path_relative_or_absolute_is_written()
    {
        var (executable, link, _) = ToolLayout();

        Assert.Equal(link, Commands.InstallCommand.LinkThatRan(executable, link, path: null, "/"));
        Assert.Equal(link, Commands.InstallCommand.LinkThatRan(executable, "tools/custodian", path: null, _root));
    }

    [Fact]
    public void The_executable_itself_when_what_ran_is_not_a_link_to_it()
    {
        var (executable, _, bin) = ToolLayout();
        var other = Path.Combine(_root, "other");
        File.WriteAllText(other, "another build");
        var elsewhere = Path.Combine(bin, "custodian-old");
        File.CreateSymbolicLink(elsewhere, other);

        // Started by its own path, through a link to another file, by a name PATH does not have, or with no argv[0].
        Assert.Equal(executable, Commands.InstallCommand.LinkThatRan(executable, executable, path: null, "/"));
        Assert.Equal(executable, Commands.InstallCommand.LinkThatRan(executable, elsewhere, path: null, "/"));
        Assert.Equal(executable, Commands.InstallCommand.LinkThatRan(executable, "custodian", Path.Combine(_root, "empty"), _root));
        Assert.Equal(executable, Commands.InstallCommand.LinkThatRan(executable, null, bin, _root));
    }
}
