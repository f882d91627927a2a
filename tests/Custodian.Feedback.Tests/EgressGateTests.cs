using System.Net;
using Custodian.Feedback.Egress;
using Custodian.Policy;

namespace Custodian.Feedback.Tests;

public sealed class EgressGateTests
{
    private sealed class Recorder : HttpMessageHandler
    {
        public List<Uri> Sent { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    private static (HttpClient Client, Recorder Recorder) Gate(string env)
    {
        var variables = env.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var decisions = PolicyEngine.Evaluate(new PolicyContext { Environment = ClientEnvironment.FromVariables(variables) }).Decisions!;
        var recorder = new Recorder();
        return (new HttpClient(new EgressGate(FlowCatalog.Evaluate(decisions), recorder)), recorder);
    }

    [Fact]
    [Trait("spec", "FLW-5")]
    public async Task An_untagged_request_never_leaves()
    {
        var (client, recorder) = Gate("");

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => client.GetAsync(new Uri("http://127.0.0.1:9/x")));

        Assert.Contains("names no flow", refused.Message, StringComparison.Ordinal);
        Assert.Empty(recorder.Sent);
    }

    [Theory]
    [Trait("spec", "FLW-5")]
    [Trait("spec", "FLW-2")]
    [InlineData("DO_NOT_TRACK=1", Flow.Metrics, "FLW-2")]
    [InlineData("DISABLE_TELEMETRY=0", Flow.FeatureFlags, "FLW-2")]
    [InlineData("DISABLE_ERROR_REPORTING=1", Flow.ErrorReports, "FLW-2")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", Flow.ReleaseNotes, "FLW-2")]
    [InlineData("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", Flow.FeedbackUpload, "FBK-2")]
    [InlineData("CLAUDE_CODE_USE_BEDROCK=1", Flow.FeedbackUpload, "FBK-3")]
    public async Task A_flow_the_policy_turned_off_is_refused_with_its_rule(string env, Flow flow, string rule)
    {
        var (client, recorder) = Gate(env);
        using var request = EgressGate.Tag(new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/x"), flow);

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => client.SendAsync(request));

        Assert.Equal(flow, refused.Flow);
        Assert.Equal(rule, refused.Rule);
        Assert.Contains(env.Split('=')[0], refused.Message, StringComparison.Ordinal);
        Assert.Empty(recorder.Sent);
    }

    [Fact]
    [Trait("spec", "FLW-5")]
    public async Task An_allowed_flow_goes_through()
    {
        var (client, recorder) = Gate("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1");
        using var request = EgressGate.Tag(new HttpRequestMessage(HttpMethod.Head, "http://127.0.0.1:9/check"), Flow.WebFetchPreflight);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(recorder.Sent);
    }
}
