using System.Text.Json.Nodes;
using Custodian.ClaudeCode.Testing;
using Custodian.Cli;

namespace Custodian.RealClient.Tests;

/// <summary>The outcome of one in-process <c>custodian</c> run.</summary>
public sealed record CustodianRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout as JSON (for <c>--json</c> runs).</summary>
    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("no JSON on stdout: " + Stderr);
}

/// <summary>
/// Runs <c>custodian</c> in-process against a <see cref="ClaudeCodeSandbox"/>: the same HOME and working directory
/// as the real client, and a managed-settings folder of the sandbox's own (never the machine's
/// <c>/etc/claude-code</c>).
/// </summary>
public static class RealClientKit
{
    /// <summary>Planted secrets: each in a format Custodian's redaction knows (RED-2), none a published example.</summary>
    public const string GitHubToken = "ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK";

    public const string AwsKeyId = "AKIAQ3EGRTSPXL7WJ2MZ";

    public const string AnthropicKey = "sk-ant-api03-Zq8Lr2Xv9Tn4Wm6Kp1Hs7Jd3Fb5Gc0Ya_Vu8Nx2Qe4Rt6Yi1Op3As5Df7Gh9Jk2Lz4Xc6Vb8Nm0Qw3ErTyUiOpAsDfGhJkAA";

    public static string ManagedDir(this ClaudeCodeSandbox sandbox) => Path.Combine(sandbox.Root, "managed");

    /// <summary>Runs <c>custodian ARGS</c> as the sandbox's user would, in the sandbox's project folder.</summary>
    public static CustodianRun Custodian(this ClaudeCodeSandbox sandbox, TimeProvider? time, params string[] args)
    {
        Directory.CreateDirectory(sandbox.ManagedDir());
        var environment = new Dictionary<string, string>(sandbox.Environment, StringComparer.Ordinal)
        {
            ["CUSTODIAN_MANAGED_SETTINGS_DIR"] = sandbox.ManagedDir(),
        };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var host = new CliHost(stdout, stderr, new StringReader(string.Empty), environment, sandbox.Home, sandbox.ProjectDir, time);
        var code = CustodianCli.RunAsync(args, host).GetAwaiter().GetResult();
        return new CustodianRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>custodian ARGS</c> on the real clock.</summary>
    public static CustodianRun Custodian(this ClaudeCodeSandbox sandbox, params string[] args) => sandbox.Custodian(null, args);

    /// <summary>Every file under the config dir whose bytes contain <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> FilesHolding(this ClaudeCodeSandbox sandbox, string text)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(text);
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(sandbox.ConfigDir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            if (File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0) found.Add(Path.GetRelativePath(sandbox.ConfigDir, file));
        }

        return found;
    }

    /// <summary>Writes a <c>.env</c> into the project folder holding the planted AWS key and Anthropic key.</summary>
    public static void WriteDotEnv(this ClaudeCodeSandbox sandbox) =>
        File.WriteAllText(Path.Combine(sandbox.ProjectDir, ".env"), $"AWS_ACCESS_KEY_ID={AwsKeyId}\nANTHROPIC_API_KEY={AnthropicKey}\nDEBUG=true\n");
}
