using System.Diagnostics;
using System.Text;
using Custodian.Storage;

namespace Custodian.Feedback.Tests;

/// <summary>
/// One run of the real <c>custodian</c> binary in a detached tmux session on its own socket: keys go in with
/// <c>send-keys</c>, the screen comes back with <c>capture-pane</c>. Waits are bounded polls that fail with the
/// screen; the tmux server is always killed on dispose.
/// </summary>
internal sealed class TmuxRun : IDisposable
{
    private const string Target = "survey";
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    private readonly string _socket = "custodian-test-" + Guid.NewGuid().ToString("N");

    public const string ExitMarker = "[custodian exited ";

    private TmuxRun()
    {
    }

    /// <summary>Starts <c>dotnet exec custodian.dll ARGS</c> in <paramref name="directory"/> with only <paramref name="environment"/> (plus PATH and TERM).</summary>
    public static TmuxRun Start(string directory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = typeof(Custodian.Cli.CustodianCli).Assembly.Location;
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var variables = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["TERM"] = "xterm-256color",
            ["LANG"] = "C.UTF-8",
        };
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root) variables["DOTNET_ROOT"] = root;

        // env -i: the binary sees the test's variables only, never the machine's (a DO_NOT_TRACK there would change the survey).
        var command = new StringBuilder("env -i");
        foreach (var (key, value) in variables) command.Append(' ').Append(Quote(key + "=" + value));
        command.Append(' ').Append(Quote(dotnet)).Append(" exec ").Append(Quote(dll));
        foreach (var arg in args) command.Append(' ').Append(Quote(arg));
        // Keep the pane after the program ends, so its last screen and exit code can be read.
        command.Append("; echo \"").Append(ExitMarker).Append("$?]\"; sleep 600");

        var run = new TmuxRun();
        run.Tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", Target, "-c", directory, command.ToString());
        return run;
    }

    /// <summary>Types <paramref name="text"/> literally, then Enter.</summary>
    public void Line(string text)
    {
        if (text.Length > 0) Tmux("send-keys", "-t", Target, "-l", text);
        Tmux("send-keys", "-t", Target, "Enter");
    }

    /// <summary>The whole pane, scroll-back included.</summary>
    public string Screen() => Tmux("capture-pane", "-p", "-J", "-t", Target, "-S", "-");

    /// <summary>Polls the screen until <paramref name="done"/> holds; fails with the screen after a bounded wait.</summary>
    public string WaitUntil(Func<string, bool> done, string what)
    {
        var watch = Stopwatch.StartNew();
        string screen;
        while (!done(screen = Screen()))
        {
            if (watch.Elapsed > DefaultWait) Assert.Fail($"timed out waiting for {what}; the screen:\n{screen}");
            Thread.Sleep(100);
        }

        return screen;
    }

    /// <summary>Waits until <paramref name="text"/> appears <paramref name="times"/> times.</summary>
    public string WaitFor(string text, int times = 1) =>
        WaitUntil(s => Count(s, text) >= times, $"'{text}' x{times}");

    /// <summary>Waits for the program to end; returns the screen and asserts exit code 0.</summary>
    public string WaitForExit()
    {
        var screen = WaitFor(ExitMarker);
        Assert.Contains(ExitMarker + "0]", screen, StringComparison.Ordinal);
        return screen;
    }

    public static int Count(string screen, string text)
    {
        var n = 0;
        for (var i = screen.IndexOf(text, StringComparison.Ordinal); i >= 0; i = screen.IndexOf(text, i + text.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    public void Dispose()
    {
        try
        {
            Tmux("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private string Tmux(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_socket);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("tmux " + string.Join(' ', args) + " did not finish");
        }

        if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {stderr.Result.Trim()}");
        return stdout.Result;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// <c>custodian survey</c> as a person meets it: the real binary in a pseudo-terminal (tmux). A digit inside a
/// sentence is not a rating; Yes without the typed confirmation sends nothing; Don't ask again holds across runs.
/// </summary>
public sealed class SurveyTerminalTests : IDisposable
{
    private const string Secret = "sk-ant-api03-pU2xmg3dIDpOrBn3nI3uDapzW05wFLJT5oZYKODETD17NKy7gGWAH0rOKrlC7JLFXKx9UdWirm2PyjGeHy3vy8Ii7pmIqAA";
    private readonly SurveySandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private TmuxRun Start(params string[] args) =>
        TmuxRun.Start(_sandbox.ProjectDir, _sandbox.Environment, ["survey", "--config-dir", _sandbox.ConfigDir, .. args]);

    [Fact]
    [Trait("spec", "SRV-1")]
    [Trait("category", "terminal")]
    public void A_digit_typed_as_part_of_a_sentence_is_not_a_rating()
    {
        _sandbox.Session("s1");
        using var run = Start();
        run.WaitFor("rating> ");
        Assert.Contains("How is Claude doing this session?", run.Screen(), StringComparison.Ordinal);
        Assert.Contains("1 Bad    2 Fine    3 Good    0 Dismiss", run.Screen(), StringComparison.Ordinal);

        run.Line("I have 2 cats");
        run.WaitFor("rating> ", 2);
        run.Line("2 cats");
        run.WaitFor("rating> ", 3);
        run.Line("3");
        run.WaitFor("follow-up> ");
        run.Line("n");
        var screen = run.WaitForExit();

        Assert.Contains("\"I have 2 cats\" is not a rating", screen, StringComparison.Ordinal);
        Assert.Contains("\"2 cats\" is not a rating", screen, StringComparison.Ordinal);
        Assert.Contains("Thanks: 3 Good recorded", screen, StringComparison.Ordinal);
        Assert.Contains("Nothing was sent.", screen, StringComparison.Ordinal);
        var rating = Assert.Single(new Survey.LocalRatingLog(_sandbox.ConfigDir).ReadAll());
        Assert.Equal(Survey.SurveyRating.Good, rating.Rating);
    }

    [Fact]
    [Trait("spec", "SHR-6")]
    [Trait("spec", "SHR-3")]
    [Trait("category", "terminal")]
    public async Task Yes_without_the_deliberate_confirmation_sends_nothing()
    {
        await using var server = await LoopbackCustodianServer.StartAsync();
        _sandbox.Environment["CUSTODIAN_SERVER_URL"] = server.Address.ToString();
        _sandbox.Environment["CUSTODIAN_API_KEY"] = await server.KeyAsync("ada");
        _sandbox.Session("s1", secret: Secret);
        _sandbox.Session("s2", secret: Secret);

        using (var run = Start("--session", "s1"))
        {
            run.WaitFor("rating> ");
            run.Line("3");
            run.WaitFor("follow-up> ");
            run.Line("y");
            var preview = run.WaitFor("confirm> ");
            Assert.Contains("transcripts/s1.jsonl", preview, StringComparison.Ordinal);
            Assert.Contains("1 secret redacted", preview, StringComparison.Ordinal);
            Assert.Contains("anthropic-api-key 1", preview, StringComparison.Ordinal);
            Assert.Contains("type yes in full", preview, StringComparison.Ordinal);
            Assert.Empty(await server.Store.ListFeedbackAsync("ada", DateTimeOffset.UtcNow));

            run.Line("y");
            var screen = run.WaitForExit();
            Assert.Contains("Nothing was sent.", screen, StringComparison.Ordinal);
        }

        Assert.Empty(_sandbox.ArchiveFiles());
        Assert.Empty(await server.Store.ListFeedbackAsync("ada", DateTimeOffset.UtcNow));
        Assert.DoesNotContain("POST /v1/feedback", server.Received);
        Assert.Single(await server.Store.ListRatingsAsync("ada", DateTimeOffset.UtcNow));

        // The same path with the word typed in full does send: the refusal above was the confirmation's doing.
        using (var run = Start("--session", "s2"))
        {
            run.WaitFor("rating> ");
            run.Line("1");
            run.WaitFor("follow-up> ");
            run.Line("y");
            run.WaitFor("confirm> ");
            run.Line("yes");
            Assert.Contains("Uploaded", run.WaitForExit(), StringComparison.Ordinal);
        }

        var shared = Assert.Single(await server.Store.ListFeedbackAsync("ada", DateTimeOffset.UtcNow));
        Assert.Equal(FeedbackKind.TranscriptShare, shared.Kind);
        Assert.Equal(["s2"], shared.SessionIds);
        Assert.Empty(_sandbox.ArchiveFiles());
    }

    [Fact]
    [Trait("spec", "SHR-5")]
    [Trait("spec", "SHR-2")]
    [Trait("category", "terminal")]
    public void Dont_ask_again_persists_across_runs()
    {
        _sandbox.Session("a");
        _sandbox.Session("b");

        using (var run = Start("--session", "a"))
        {
            run.WaitFor("rating> ");
            run.Line("2");
            run.WaitFor("follow-up> ");
            run.Line("d");
            Assert.Contains("won't be asked to share a transcript again", run.WaitForExit(), StringComparison.Ordinal);
        }

        using (var run = Start("--session", "b"))
        {
            run.WaitFor("rating> ");
            run.Line("3");
            var screen = run.WaitForExit();
            Assert.Contains("Thanks: 3 Good recorded for session b", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("Can Anthropic look at your session transcript", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("follow-up> ", screen, StringComparison.Ordinal);
        }

        Assert.Equal(2, new Survey.LocalRatingLog(_sandbox.ConfigDir).ReadAll().Count);
        Assert.Empty(_sandbox.ArchiveFiles());
    }
}
