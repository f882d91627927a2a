using Custodian.Cli;

namespace Custodian.Server.Tests.Infrastructure;

/// <summary>The outcome of one in-process <c>custodian</c> run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs <c>custodian</c> in-process, exactly as the executable does, with a throwaway home.</summary>
public static class InProcessCli
{
    public static async Task<CliResult> RunAsync(TimeProvider time, params string[] args)
    {
        var home = Path.Combine(Path.GetTempPath(), "custodian-home-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOME"] = home };
            var host = new CliHost(stdout, stderr, new StringReader(string.Empty), environment, home, home, time);
            var code = await CustodianCli.RunAsync(args, host);
            return new CliResult(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
