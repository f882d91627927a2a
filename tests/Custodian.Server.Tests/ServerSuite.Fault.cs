using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>The real server process stopped in the middle of a load of writes: nothing it acknowledged may be lost.</summary>
public abstract partial class ServerSuite
{
    private const int Clients = 6;
    private const int AcknowledgedBeforeStop = 1000;

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    [Trait("spec", "ACC-2")]
    [Trait("fault", "kill")]
    public async Task Every_acknowledged_write_survives_the_server_being_stopped_mid_load_and_the_audit_chain_verifies(string signal)
    {
        await StopServerAsync(); // this test runs the server as a separate process on the same store
        var users = new string[Clients];
        var keys = new string[Clients];
        for (var i = 0; i < Clients; i++)
        {
            users[i] = $"load-{i}";
            keys[i] = await KeyAsync(users[i]);
        }

        var acknowledged = new ConcurrentBag<(int Client, string Marker)>();
        var toggles = new int[Clients];
        var failures = new ConcurrentBag<string>();
        var server = await ServerProcess.StartAsync(Db.CliArgument);
        try
        {
            using var enough = new SemaphoreSlim(0);
            var stopping = 0;
            var load = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", keys[client]);
                for (var n = 0; ; n++)
                {
                    try
                    {
                        if (client < 2 && n % 7 == 3)
                        {
                            // Audited writes from two clients: consent changes, alternating.
                            var allow = toggles[client] % 2 == 0;
                            using var privacy = await http.PutAsync(new Uri("/v1/me/privacy", UriKind.Relative),
                                new StringContent($"{{\"allowModelImprovement\":{(allow ? "true" : "false")}}}", Encoding.UTF8, "application/json"));
                            if (privacy.StatusCode == HttpStatusCode.OK) toggles[client]++;
                            else failures.Add($"privacy: {(int)privacy.StatusCode} {await privacy.Content.ReadAsStringAsync()}");
                            continue;
                        }

                        var markers = Enumerable.Range(0, 1 + (n % 4)).Select(k => $"FAULT-{client}-{n}-{k}-{Guid.NewGuid():N}").ToList();
                        using var response = await http.PostAsync(new Uri($"/v1/sessions/load-{client}-s{n % 3}/events", UriKind.Relative),
                            new StringContent(EventsJson(markers), Encoding.UTF8, "application/json"));
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            foreach (var marker in markers) acknowledged.Add((client, marker));
                            if (acknowledged.Count >= AcknowledgedBeforeStop) enough.Release();
                        }
                        else if (Volatile.Read(ref stopping) == 0 || response.StatusCode != HttpStatusCode.ServiceUnavailable)
                        {
                            failures.Add($"events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        }
                    }
                    catch (HttpRequestException) when (Volatile.Read(ref stopping) == 1)
                    {
                        return; // the server is gone: whatever was not acknowledged may or may not be stored
                    }
                    catch (TaskCanceledException) when (Volatile.Read(ref stopping) == 1)
                    {
                        return;
                    }

                    if (Volatile.Read(ref stopping) == 1 && server.HasExited) return;
                }
            })).ToList();

            await enough.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(acknowledged.Count >= AcknowledgedBeforeStop, $"the load did not get going: {string.Join("; ", failures.Take(5))}\n{server.Output}");
            foreach (var failed in load.Where(t => t.IsFaulted)) await failed; // surfaces a client's error as it was
            Assert.True(load.All(t => !t.IsCompleted), "every client should still be writing when the server is stopped");
            Volatile.Write(ref stopping, 1);
            if (signal == "SIGKILL") server.Kill();
            else server.Terminate();
            await server.WaitForExitAsync();
            await Task.WhenAll(load);
            if (signal == "SIGTERM") Assert.True(server.ExitCode == 0, $"graceful stop exited {server.ExitCode}: {server.Output}");
            else Assert.Equal(137, server.ExitCode);
            Assert.Empty(failures);
        }
        finally
        {
            await server.DisposeAsync();
        }

        // Restart on the same store and read everything back over HTTP.
        await using var restarted = await ServerProcess.StartAsync(Db.CliArgument);
        using var reader = new HttpClient { BaseAddress = restarted.Address };
        var found = new HashSet<string>(StringComparer.Ordinal);
        for (var client = 0; client < Clients; client++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[client]);
            using var list = await reader.SendAsync(request);
            var sessions = new Reply(list.StatusCode, null, await list.Content.ReadAsStringAsync()).Json.GetProperty("sessions");
            foreach (var session in sessions.EnumerateArray())
            {
                using var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/sessions/{session.GetProperty("id").GetString()}");
                get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[client]);
                using var response = await reader.SendAsync(get);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                foreach (var e in new Reply(response.StatusCode, null, await response.Content.ReadAsStringAsync()).Json.GetProperty("events").EnumerateArray())
                {
                    var text = e.GetProperty("event").GetProperty("text").GetString()!;
                    found.Add(text["prompt ".Length..]);
                }
            }
        }

        var lost = acknowledged.Where(a => !found.Contains(a.Marker)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged writes are missing, e.g. {string.Join(", ", lost.Take(3))}");

        var verification = await AuditVerifier.VerifyAsync(Store);
        Assert.True(verification.Intact, verification.Problem);
        for (var client = 0; client < 2; client++)
        {
            var audited = await Db.ScalarAsync("SELECT COUNT(*) FROM audit WHERE actor = @a AND action = 'privacy.update'", ("a", users[client]));
            Assert.True(audited >= toggles[client], $"{users[client]}: {toggles[client]} acknowledged consent changes, {audited} audited");
        }

        Assert.Equal(0, (await InProcessCli.RunAsync(Time, "audit", "verify", "--store", Db.CliArgument)).ExitCode);
    }
}
