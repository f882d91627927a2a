using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Custodian.ClaudeCode.Testing;

/// <summary>
/// The client's HTTP(S) proxy on 127.0.0.1 that lets nothing through: every request for a host outside loopback is
/// recorded (its <c>CONNECT host:port</c> or absolute URL) and refused with 403, so a test both keeps the machine's
/// traffic on loopback and can see what the client would have sent elsewhere.
/// </summary>
public sealed class EgressTrap : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<string> _attempts = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <summary>Starts the trap on a free loopback port.</summary>
    public EgressTrap()
    {
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy address to give the client as <c>HTTPS_PROXY</c> and <c>HTTP_PROXY</c>.</summary>
    public Uri Address { get; }

    /// <summary>Every outside destination the client asked for, as <c>host:port</c> or a URL, in order.</summary>
    public IReadOnlyList<string> Attempts => [.. _attempts];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RefuseAsync(client);
        }
    }

    private async Task RefuseAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                var read = await stream.ReadAsync(buffer, _stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5), _stop.Token);
                var requestLine = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0].Split(' ');
                if (requestLine.Length >= 2) _attempts.Enqueue(requestLine[1]);
                await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or TimeoutException)
            {
                // A client that gave up first: nothing to refuse.
            }
        }
    }
}
