using System.CommandLine;
using System.Text;
using Custodian.Guard;
using Custodian.Policy.Settings;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian hook</c>: what Claude Code runs for the guard's hooks (GRD-2..7). One event as JSON on stdin; the
/// answer on stdout, a reason on stderr, the exit code per Claude Code's hook contract; the decision recorded.
/// </summary>
internal static class HookCommand
{
    public static Command Create(CustodianCli cli)
    {
        var command = new Command("hook", "Answer one Claude Code hook event from stdin (what 'custodian install' registers)");
        command.SetAction(_ =>
        {
            var host = cli.Host;
            using var stdin = new MemoryStream(Encoding.UTF8.GetBytes(ReadBounded(host.Stdin)));
            using var stdout = new MemoryStream();
            var code = Run(stdin, stdout, host.Stderr, host.Environment, host.HomeDirectory);
            host.Stdout.Write(Encoding.UTF8.GetString(stdout.ToArray()));
            return code;
        });
        return command;
    }

    /// <summary>
    /// Answers the event on <paramref name="stdin"/>. Also the process's fast path (Program.cs), which skips building
    /// the command tree: a hook runs on every prompt and tool call.
    /// </summary>
    public static int Run(Stream stdin, Stream stdout, TextWriter stderr, IReadOnlyDictionary<string, string> environment, string home)
    {
        try
        {
            return Answer(stdin, stdout, stderr, environment, home);
        }
        catch (Exception e)
        {
            // GRD-6, the last net: whatever broke, exit 2 blocks where the event can be blocked. Exit 1 or a crash
            // would let Claude Code go on as if the guard had said nothing.
            stderr.WriteLine("Custodian blocked this step because the guard failed: " + e.Message.ReplaceLineEndings(" "));
            return 2;
        }
    }

    /// <summary>
    /// Set to <c>throw</c>, the hook fails before it decides: how the tests show that a guard that crashes blocks
    /// rather than lets the step through (GRD-6).
    /// </summary>
    internal const string FaultVariable = "CUSTODIAN_GUARD_FAULT";

    private static int Answer(Stream stdin, Stream stdout, TextWriter stderr, IReadOnlyDictionary<string, string> environment, string home)
    {
        if (environment.TryGetValue(FaultVariable, out var fault) && fault == "throw") throw new InvalidOperationException("fault injected by " + FaultVariable);
        var outcome = new GuardHandler(homeDirectory: home).Handle(stdin);
        if (outcome.Stdout is not null)
        {
            stdout.Write(Encoding.UTF8.GetBytes(outcome.Stdout));
            stdout.Flush();
        }

        if (outcome.Stderr is not null) stderr.WriteLine(outcome.Stderr);
        try
        {
            new GuardLog(outcome.ConfigDir ?? SettingsLocations.ResolveConfigDir(environment, home, null)).Append(outcome.Decision);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The decision stands; only its record is missing. Claude Code shows stderr of exit 0 in its debug log only.
            stderr.WriteLine("custodian: the guard log could not be written: " + e.Message);
        }

        return outcome.ExitCode;
    }

    private static string ReadBounded(TextReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[64 * 1024];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            text.Append(buffer, 0, read);
            // Past the bound the handler refuses it anyway (fail closed); stop reading well before memory matters.
            if (text.Length > GuardHandler.MaxInputBytes) break;
        }

        return text.ToString();
    }
}
