using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Custodian.Feedback.Egress;
using Custodian.Policy;
using Custodian.Policy.Context;

namespace Custodian.Feedback.Tests;

/// <summary>
/// Every switch of FLW-2 and FLW-3 (and the OTel override of SRV-4), driven through the real egress gate with a
/// real <see cref="HttpClient"/> and <see cref="SocketsHttpHandler"/> to an HTTP listener on 127.0.0.1: for each
/// context, one request per flow is sent, and the listener must have received exactly the flows the policy
/// allows, while every other flow is refused before connecting, naming its rule and its switch.
/// </summary>
public sealed class EgressGateSwitchTests
{
    /// <summary>The only flow off in a plain context: the OTel flow exists only in override mode (SRV-4).</summary>
    private static readonly Off OtelIdle = new(Flow.OtelCollector, "SRV-4", "OTel-override mode");

    /// <summary>Claude Code's OpenTelemetry export, off without <c>CLAUDE_CODE_ENABLE_TELEMETRY</c> (CUS-84).</summary>
    private static readonly Off[] TelemetryIdle =
    [
        new(Flow.OtelEvents, "CUS-84", "CLAUDE_CODE_ENABLE_TELEMETRY is not true"),
        new(Flow.OtelMetrics, "CUS-84", "CLAUDE_CODE_ENABLE_TELEMETRY is not true"),
    ];

    /// <summary>What <c>CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC</c> turns off, naming <paramref name="evidence"/>.</summary>
    private static Off[] Nonessential(string evidence) =>
    [
        new(Flow.AutoUpdate, "FLW-2", evidence),
        new(Flow.Metrics, "FLW-2", evidence),
        new(Flow.ErrorReports, "FLW-2", evidence),
        new(Flow.FeedbackUpload, "FBK-2", evidence),
        new(Flow.SurveyRatings, "SRV-3", evidence),
        new(Flow.TranscriptShare, "SHR-2", evidence),
        new(Flow.FeatureFlags, "FLW-2", evidence),
        new(Flow.ReleaseNotes, "FLW-2", evidence),
        OtelIdle,
    ];

    /// <summary>What <c>DISABLE_TELEMETRY</c> or a true <c>DO_NOT_TRACK</c> turns off: metrics and feature flags (FLW-2), and the survey with its follow-up (SRV-3, SHR-2).</summary>
    private static Off[] Telemetry(string evidence) =>
    [
        new(Flow.Metrics, "FLW-2", evidence),
        new(Flow.FeatureFlags, "FLW-2", evidence),
        new(Flow.SurveyRatings, "SRV-3", evidence),
        new(Flow.TranscriptShare, "SHR-2", evidence),
        OtelIdle,
    ];

    /// <summary>A third-party platform: metrics, error reports and uploads off; the survey (to the server, CUS-9) and the WebFetch check stay on.</summary>
    private static Off[] ThirdParty(string evidence) =>
    [
        new(Flow.Metrics, "FLW-3", evidence),
        new(Flow.ErrorReports, "FLW-3", evidence),
        new(Flow.FeedbackUpload, "FBK-3", evidence),
        new(Flow.TranscriptShare, "SHR-4", evidence),
        OtelIdle,
    ];

    private static readonly Dictionary<string, (string Context, Off[] Off)> Scenarios = new(StringComparer.Ordinal)
    {
        ["nothing set"] = ("{}", [OtelIdle]),

        // SET-3: presence-based, so "0" and "false" switch it on too; an empty value does not.
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"] = (Env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"), Nonessential("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")),
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0"] = (Env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "0"), Nonessential("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0")),
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=false"] = (Env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "false"), Nonessential("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=false")),
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC= (empty)"] = (Env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", ""), [OtelIdle]),

        ["DISABLE_TELEMETRY=1"] = (Env("DISABLE_TELEMETRY", "1"), Telemetry("DISABLE_TELEMETRY=1")),
        ["DISABLE_TELEMETRY=0"] = (Env("DISABLE_TELEMETRY", "0"), Telemetry("DISABLE_TELEMETRY=0")),
        ["DISABLE_TELEMETRY=false"] = (Env("DISABLE_TELEMETRY", "false"), Telemetry("DISABLE_TELEMETRY=false")),

        // SET-4: DO_NOT_TRACK is boolean; only 1/true/yes/on (any case) are true.
        ["DO_NOT_TRACK=1"] = (Env("DO_NOT_TRACK", "1"), Telemetry("DO_NOT_TRACK=1")),
        ["DO_NOT_TRACK=true"] = (Env("DO_NOT_TRACK", "true"), Telemetry("DO_NOT_TRACK=true")),
        ["DO_NOT_TRACK=TRUE"] = (Env("DO_NOT_TRACK", "TRUE"), Telemetry("DO_NOT_TRACK=TRUE")),
        ["DO_NOT_TRACK=yes"] = (Env("DO_NOT_TRACK", "yes"), Telemetry("DO_NOT_TRACK=yes")),
        ["DO_NOT_TRACK=On"] = (Env("DO_NOT_TRACK", "On"), Telemetry("DO_NOT_TRACK=On")),
        ["DO_NOT_TRACK=0"] = (Env("DO_NOT_TRACK", "0"), [OtelIdle]),
        ["DO_NOT_TRACK=false"] = (Env("DO_NOT_TRACK", "false"), [OtelIdle]),
        ["DO_NOT_TRACK=no"] = (Env("DO_NOT_TRACK", "no"), [OtelIdle]),
        ["DO_NOT_TRACK=off"] = (Env("DO_NOT_TRACK", "off"), [OtelIdle]),

        ["DISABLE_ERROR_REPORTING=1"] = (Env("DISABLE_ERROR_REPORTING", "1"), [new(Flow.ErrorReports, "FLW-2", "DISABLE_ERROR_REPORTING=1"), OtelIdle]),
        ["DISABLE_ERROR_REPORTING=0"] = (Env("DISABLE_ERROR_REPORTING", "0"), [new(Flow.ErrorReports, "FLW-2", "DISABLE_ERROR_REPORTING=0"), OtelIdle]),
        ["DISABLE_ERROR_REPORTING=false"] = (Env("DISABLE_ERROR_REPORTING", "false"), [new(Flow.ErrorReports, "FLW-2", "DISABLE_ERROR_REPORTING=false"), OtelIdle]),

        // The WebFetch check has its own setting, and nothing else turns it off.
        ["skipWebFetchPreflight=true"] = ("""{"settings":{"skipWebFetchPreflight":true}}""", [new(Flow.WebFetchPreflight, "FLW-2", "skipWebFetchPreflight=true"), OtelIdle]),
        ["skipWebFetchPreflight=false"] = ("""{"settings":{"skipWebFetchPreflight":false}}""", [OtelIdle]),
        ["skipWebFetchPreflight=true with nonessential traffic off"] = (
            """{"env":{"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC":"1"},"settings":{"skipWebFetchPreflight":true}}""",
            [.. Nonessential("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"), new(Flow.WebFetchPreflight, "FLW-2", "skipWebFetchPreflight=true")]),
    };

    private static readonly Dictionary<string, (string Context, Off[] Off)> PlatformScenarios = new(StringComparer.Ordinal)
    {
        ["CLAUDE_CODE_USE_BEDROCK=1"] = (Env("CLAUDE_CODE_USE_BEDROCK", "1"), ThirdParty("CLAUDE_CODE_USE_BEDROCK=1")),
        ["CLAUDE_CODE_USE_VERTEX=1"] = (Env("CLAUDE_CODE_USE_VERTEX", "1"), ThirdParty("CLAUDE_CODE_USE_VERTEX=1")),
        ["CLAUDE_CODE_USE_FOUNDRY=true"] = (Env("CLAUDE_CODE_USE_FOUNDRY", "true"), ThirdParty("CLAUDE_CODE_USE_FOUNDRY=true")),
        ["CLAUDE_CODE_USE_ANTHROPIC_AWS=1"] = (Env("CLAUDE_CODE_USE_ANTHROPIC_AWS", "1"), ThirdParty("CLAUDE_CODE_USE_ANTHROPIC_AWS=1")),
        // A provider variable that is not true selects nothing: the first-party API, every flow as usual.
        ["CLAUDE_CODE_USE_BEDROCK=0"] = (Env("CLAUDE_CODE_USE_BEDROCK", "0"), [OtelIdle]),

        // Gateway sessions: metrics, error reports and ratings to the server off, uploads go to the local archive.
        ["gateway session"] = ("""{"gateway":true}""",
        [
            new(Flow.Metrics, "FLW-3", "gateway session"),
            new(Flow.ErrorReports, "FLW-3", "gateway session"),
            new(Flow.FeedbackUpload, "FBK-3", "gateway session"),
            new(Flow.SurveyRatings, "SRV-5", "gateway session"),
            new(Flow.TranscriptShare, "SHR-4", "gateway session"),
            OtelIdle,
        ]),
        // "No setting turns them back on": the OTel override has nothing to lift here, and changes nothing.
        ["gateway session with the OTel override"] = ("""{"gateway":true,"env":{"CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1"}}""",
        [
            new(Flow.Metrics, "FLW-3", "gateway session"),
            new(Flow.ErrorReports, "FLW-3", "gateway session"),
            new(Flow.FeedbackUpload, "FBK-3", "gateway session"),
            new(Flow.SurveyRatings, "SRV-5", "gateway session"),
            new(Flow.TranscriptShare, "SHR-4", "gateway session"),
            OtelIdle,
        ]),
    };

    private static readonly Dictionary<string, (string Context, Off[] Off)> OverrideScenarios = new(StringComparer.Ordinal)
    {
        // SRV-4: the override re-enables the survey to the collector only; ratings, the follow-up and uploads stay off the server.
        ["override with DO_NOT_TRACK=1"] = (
            """{"env":{"DO_NOT_TRACK":"1","CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1"}}""",
            [
                new(Flow.Metrics, "FLW-2", "DO_NOT_TRACK=1"),
                new(Flow.FeatureFlags, "FLW-2", "DO_NOT_TRACK=1"),
                new(Flow.FeedbackUpload, "SRV-4", "OTel override mode"),
                new(Flow.SurveyRatings, "SRV-4", "CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"),
                new(Flow.TranscriptShare, "SHR-2", "OTel override mode"),
            ]),
        ["override with DISABLE_TELEMETRY=1"] = (
            """{"env":{"DISABLE_TELEMETRY":"1","CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1"}}""",
            [
                new(Flow.Metrics, "FLW-2", "DISABLE_TELEMETRY=1"),
                new(Flow.FeatureFlags, "FLW-2", "DISABLE_TELEMETRY=1"),
                new(Flow.FeedbackUpload, "SRV-4", "OTel override mode"),
                new(Flow.SurveyRatings, "SRV-4", "CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"),
                new(Flow.TranscriptShare, "SHR-2", "OTel override mode"),
            ]),
        ["override with nonessential traffic off"] = (
            """{"env":{"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC":"1","CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1"}}""",
            [.. Nonessential("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1").Where(o => o.Flow is not (Flow.OtelCollector or Flow.SurveyRatings or Flow.TranscriptShare)),
                new(Flow.SurveyRatings, "SRV-4", "CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL=1"),
                new(Flow.TranscriptShare, "SHR-2", "OTel override mode")]),
        // Nothing to override: the survey goes to the server as usual and the collector gets nothing.
        ["override alone"] = ("""{"env":{"CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1"}}""", [OtelIdle]),
        // The hard switch beats the override (SRV-4, last sentence).
        ["override with DO_NOT_TRACK=1 and CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1"] = (
            """{"env":{"DO_NOT_TRACK":"1","CLAUDE_CODE_ENABLE_FEEDBACK_SURVEY_FOR_OTEL":"1","CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY":"1"}}""",
            [
                new(Flow.Metrics, "FLW-2", "DO_NOT_TRACK=1"),
                new(Flow.FeatureFlags, "FLW-2", "DO_NOT_TRACK=1"),
                new(Flow.SurveyRatings, "SRV-3", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1"),
                new(Flow.TranscriptShare, "SHR-2", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1"),
                new(Flow.OtelCollector, "SRV-4", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1"),
            ]),
    };

    public static TheoryData<string> SwitchNames => new(Scenarios.Keys);

    public static TheoryData<string> PlatformNames => new(PlatformScenarios.Keys);

    public static TheoryData<string> OverrideNames => new(OverrideScenarios.Keys);

    [Theory]
    [Trait("spec", "FLW-2")]
    [Trait("spec", "FLW-5")]
    [Trait("spec", "SET-3")]
    [Trait("spec", "SET-4")]
    [MemberData(nameof(SwitchNames))]
    public Task Each_FLW2_switch_lets_through_exactly_the_flows_it_leaves_on(string scenario) =>
        AssertGate(Scenarios[scenario].Context, Scenarios[scenario].Off);

    [Theory]
    [Trait("spec", "FLW-3")]
    [Trait("spec", "FLW-5")]
    [Trait("spec", "SRV-5")]
    [MemberData(nameof(PlatformNames))]
    public Task Third_party_platforms_and_gateway_sessions_let_through_exactly_their_flows(string scenario) =>
        AssertGate(PlatformScenarios[scenario].Context, PlatformScenarios[scenario].Off);

    [Theory]
    [Trait("spec", "FLW-2")]
    [Trait("spec", "FLW-5")]
    [Trait("spec", "SRV-4")]
    [MemberData(nameof(OverrideNames))]
    public Task The_OTel_override_opens_the_collector_flow_and_nothing_server_bound(string scenario) =>
        AssertGate(OverrideScenarios[scenario].Context, OverrideScenarios[scenario].Off);

    [Fact]
    [Trait("spec", "FLW-1")]
    [Trait("spec", "FLW-5")]
    public async Task Required_flows_go_through_whatever_is_switched_off()
    {
        const string everything = """
            {"gateway":true,"settings":{"skipWebFetchPreflight":true},
             "env":{"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC":"1","DISABLE_TELEMETRY":"1","DO_NOT_TRACK":"1",
                    "DISABLE_ERROR_REPORTING":"1","DISABLE_AUTOUPDATER":"1","CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY":"1"}}
            """;
        await using var listener = await LoopbackListener.StartAsync();
        using var client = GateClient(everything);

        foreach (var flow in Enum.GetValues<Flow>())
        {
            await TrySend(client, listener, flow);
        }

        Assert.Equal(["install", "model-calls", "sign-in"], listener.Received.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Sends one request per flow through the gate to the loopback listener, then checks that exactly the flows not
    /// in <paramref name="expectedOff"/> arrived, and that each refused one named its rule and its switch.
    /// </summary>
    private static async Task AssertGate(string context, Off[] expectedOff)
    {
        await using var listener = await LoopbackListener.StartAsync();
        using var client = GateClient(context);
        // None of these contexts turns on Claude Code's own OpenTelemetry export (CUS-84), whatever else they switch.
        var offByFlow = expectedOff.Concat(TelemetryIdle).ToDictionary(o => o.Flow);

        var refusals = new Dictionary<Flow, EgressRefusedException>();
        foreach (var flow in Enum.GetValues<Flow>())
        {
            if (await TrySend(client, listener, flow) is { } refused) refusals[flow] = refused;
        }

        var allowed = Enum.GetValues<Flow>().Where(f => !offByFlow.ContainsKey(f)).Select(IdOf).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(allowed, listener.Received.Order(StringComparer.Ordinal).ToList());
        Assert.Equal(offByFlow.Keys.Order(), refusals.Keys.Order());
        foreach (var (flow, refused) in refusals)
        {
            var expected = offByFlow[flow];
            Assert.Equal(flow, refused.Flow);
            Assert.True(expected.Rule == refused.Rule, $"{flow}: expected rule {expected.Rule}, got {refused.Rule} ({refused.Message})");
            Assert.Contains(expected.Rule, refused.Message, StringComparison.Ordinal);
            Assert.Contains(expected.Switch, refused.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Sends one tagged request for <paramref name="flow"/>; the refusal when the gate refused it, else null after a 200.</summary>
    private static async Task<EgressRefusedException?> TrySend(HttpClient client, LoopbackListener listener, Flow flow)
    {
        using var request = EgressGate.Tag(new HttpRequestMessage(HttpMethod.Post, new Uri(listener.BaseAddress, IdOf(flow)))
        {
            Content = new StringContent("{\"flow\":\"" + IdOf(flow) + "\"}", Encoding.UTF8, "application/json"),
        }, flow);
        try
        {
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return null;
        }
        catch (EgressRefusedException refused)
        {
            return refused;
        }
    }

    private static HttpClient GateClient(string context)
    {
        var read = PolicyContextReader.Parse(Encoding.UTF8.GetBytes(context), "test context");
        Assert.True(read.Context is not null, read.Error);
        var decisions = PolicyEngine.Evaluate(read.Context!).Decisions!;
        // The real socket handler: an allowed flow really connects, so "refused" means "never left".
        var sockets = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        return new HttpClient(new EgressGate(FlowCatalog.Evaluate(decisions), sockets)) { Timeout = TimeSpan.FromSeconds(30) };
    }

    private static string IdOf(Flow flow) => FlowCatalog.Evaluate(PolicyEngine.Evaluate(PolicyContext.Default).Decisions!).Single(f => f.Flow == flow).Id;

    private static string Env(string name, string value) =>
        "{\"env\":{\"" + name + "\":\"" + value + "\"}}";

    /// <summary>A flow the gate must refuse, with the rule and the switch its refusal must name.</summary>
    private sealed record Off(Flow Flow, string Rule, string Switch);

    /// <summary>
    /// A minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that records the path of every request it
    /// receives and answers 200 with an empty body, closing each connection.
    /// </summary>
    private sealed class LoopbackListener : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<string> _received = new();
        private Task _accepting = Task.CompletedTask;

        private LoopbackListener()
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
        }

        public Uri BaseAddress { get; private set; } = null!;

        public IReadOnlyCollection<string> Received => _received.ToArray();

        public static Task<LoopbackListener> StartAsync()
        {
            var l = new LoopbackListener();
            l._listener.Start();
            l.BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)l._listener.LocalEndpoint).Port}/");
            l._accepting = l.AcceptLoop();
            return Task.FromResult(l);
        }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient connection;
                try
                {
                    connection = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException) when (_stop.IsCancellationRequested)
                {
                    return; // Stop() aborts a pending accept with "operation canceled", not an OperationCanceledException
                }

                using (connection)
                {
                    try
                    {
                        await Serve(connection.GetStream());
                    }
                    catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or IOException or SocketException)
                    {
                        return; // disposed while a request was in flight
                    }
                }
            }
        }

        private async Task Serve(NetworkStream stream)
        {
            // Read the head, then the body by Content-Length, so the client never sees a reset mid-request.
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(buffer, _stop.Token) == 0) return;
                head.Append((char)buffer[0]);
            }

            var lines = head.ToString().Split("\r\n");
            var length = lines.Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture))
                .FirstOrDefault();
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, _stop.Token);

            _received.Enqueue(lines[0].Split(' ')[1].TrimStart('/'));
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
