namespace Custodian.Cli.Tests;

/// <summary>The outcome of one <c>custodian</c> run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// A throwaway home with a config dir and a managed-settings dir, in which <c>custodian</c> runs in-process with
/// an environment of the test's choosing (never the machine's own <c>~/.claude</c> or <c>/etc/claude-code</c>).
/// </summary>
public sealed class CliSandbox : IDisposable
{
    public CliSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "custodian-cli-" + Guid.NewGuid().ToString("N"));
        Home = Path.Combine(Root, "home");
        ConfigDir = Path.Combine(Home, ".claude");
        ManagedDir = Path.Combine(Root, "etc-claude-code");
        ProjectDir = Path.Combine(Root, "work", "project");
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(ManagedDir);
        Directory.CreateDirectory(ProjectDir);
        Environment["HOME"] = Home;
        Environment["CUSTODIAN_MANAGED_SETTINGS_DIR"] = ManagedDir;
    }

    public string Root { get; }
    public string Home { get; }
    public string ConfigDir { get; }
    public string ManagedDir { get; }
    public string ProjectDir { get; }
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes a file under the sandbox root and returns its full path.</summary>
    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var host = new CliHost(stdout, stderr, new StringReader(string.Empty), Environment, Home, ProjectDir);
        var code = CustodianCli.RunAsync(args, host).GetAwaiter().GetResult();
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
