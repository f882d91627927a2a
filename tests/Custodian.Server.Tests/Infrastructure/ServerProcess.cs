using System.Diagnostics;
using System.Net;
using System.Text;

namespace Custodian.Server.Tests.Infrastructure;

/// <summary>
/// The real server as a separate process: <c>dotnet exec custodian.dll serve --store STORE --urls http://127.0.0.1:PORT</c>,
/// so that it can be killed with SIGKILL like a crashing machine would.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the server wrote (the last 64 KB), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts the server and waits until <c>/healthz</c> answers.</summary>
    public static async Task<ServerProcess> StartAsync(string store, IReadOnlyDictionary<string, string>? environment = null, params string[] arguments)
    {
        var failures = new StringBuilder();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = PostgresCluster.FreePort();
            var server = Launch(store, port, environment, arguments);
            if (await server.WaitReadyAsync()) return server;
            failures.AppendLine(server.Output);
            await server.DisposeAsync();
        }

        throw new InvalidOperationException("the server process did not start: " + failures);
    }

    private static ServerProcess Launch(string store, int port, IReadOnlyDictionary<string, string>? environment, string[] arguments)
    {
        var dll = typeof(Custodian.Cli.CustodianCli).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["exec", dll, "serve", "--store", store, "--urls", $"http://127.0.0.1:{port}", .. arguments]) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 65_536) _output.Remove(0, _output.Length - 65_536);
        }
    }

    private async Task<bool> WaitReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) return false;
            try
            {
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the host drains in-flight requests and stops.</summary>
    public void Terminate()
    {
        var (code, output) = ProcessRunner.Run("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        if (code != 0) throw new InvalidOperationException("kill -TERM failed: " + output);
    }

    public async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync();
        }

        _process.Dispose();
    }
}
