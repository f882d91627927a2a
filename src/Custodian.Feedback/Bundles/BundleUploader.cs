using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Custodian.Feedback.Egress;

namespace Custodian.Feedback.Bundles;

/// <summary>What the server answered to an upload.</summary>
/// <param name="Id">The server's id of the stored bundle.</param>
/// <param name="Kind">The kind the server stored it as.</param>
/// <param name="Retention">How long the server keeps it (ISO 8601 period), when it said.</param>
/// <param name="RetentionRule">The rule behind <paramref name="Retention"/>.</param>
/// <param name="ExpiresAt">When it will be deleted, when the server said.</param>
/// <param name="TrainingEligible">Whether the server may use it for training (FBK-5).</param>
public sealed record UploadReceipt(string Id, string Kind, string? Retention, string? RetentionRule, DateTimeOffset? ExpiresAt, bool TrainingEligible);

/// <summary>The server did not accept a bundle.</summary>
public sealed class BundleUploadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BundleUploadException()
        : base("the server did not accept the bundle")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BundleUploadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BundleUploadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an HTTP answer.</summary>
    public BundleUploadException(int statusCode, string? rule, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Rule = rule;
    }

    /// <summary>The HTTP status, when the server answered.</summary>
    public int? StatusCode { get; }

    /// <summary>The rule the server named, if any.</summary>
    public string? Rule { get; }
}

/// <summary>
/// Sends bundles to the server (<c>POST /v1/feedback</c>, <c>application/gzip</c>, header
/// <c>Custodian-Bundle-Kind</c>, bearer key). Every request is tagged with its flow and goes through the
/// <see cref="EgressGate"/> it is given, so a flow the policy turned off can never be sent from here (FLW-5).
/// </summary>
public sealed class BundleUploader : IDisposable
{
    /// <summary>The header naming the bundle's kind.</summary>
    public const string KindHeader = "Custodian-Bundle-Kind";

    private readonly HttpClient _client;
    private readonly ServerEndpoint _server;

    /// <summary>An uploader to <paramref name="server"/> through <paramref name="gate"/>.</summary>
    /// <param name="gate">The egress gate (it is not disposed with the uploader).</param>
    /// <param name="server">Where to upload, with the key.</param>
    /// <param name="timeout">How long one upload may take (default 30 minutes: bundles can be large).</param>
    public BundleUploader(EgressGate gate, ServerEndpoint server, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(server);
        _server = server;
        _client = new HttpClient(gate, disposeHandler: false) { Timeout = timeout ?? TimeSpan.FromMinutes(30) };
    }

    /// <summary>The flow a bundle of <paramref name="kind"/> travels on.</summary>
    public static Flow FlowOf(BundleKind kind) => kind == BundleKind.Feedback ? Flow.FeedbackUpload : Flow.TranscriptShare;

    /// <summary>Uploads <paramref name="bundle"/>; returns the server's receipt.</summary>
    /// <exception cref="EgressRefusedException">The policy turned the flow off; nothing was sent.</exception>
    /// <exception cref="BundleUploadException">The server answered with an error.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public async Task<UploadReceipt> UploadAsync(PendingBundle bundle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var kind = bundle.Manifest.Kind;
        await using var body = bundle.OpenRead();
        using var content = new StreamContent(body, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        content.Headers.ContentLength = bundle.Size;
        using var request = EgressGate.Tag(new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseAddress, "v1/feedback")) { Content = content }, FlowOf(kind));
        request.Headers.Add(KindHeader, kind.ToWireName());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw Failure((int)response.StatusCode, text);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                throw new BundleUploadException((int)response.StatusCode, null, "the server's answer names no bundle id");
            return new UploadReceipt(
                id.GetString()!,
                String(root, "kind") ?? kind.ToWireName(),
                String(root, "retention"),
                String(root, "retentionRule"),
                String(root, "expiresAt") is { } e && DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
                root.TryGetProperty("trainingEligible", out var t) && t.ValueKind == JsonValueKind.True);
        }
        catch (JsonException)
        {
            throw new BundleUploadException((int)response.StatusCode, null, "the server's answer is not JSON");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private static BundleUploadException Failure(int status, string body)
    {
        string? detail = null, rule = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                detail = String(doc.RootElement, "detail") ?? String(doc.RootElement, "title");
                rule = String(doc.RootElement, "rule");
            }
        }
        catch (JsonException)
        {
            // Not a problem document; the status says enough.
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"the server refused the bundle: HTTP {status}")
            + (detail is null ? string.Empty : ": " + detail) + (rule is null ? string.Empty : $" ({rule})");
        return new BundleUploadException(status, rule, message);
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
