using Custodian.Policy.Account;

namespace Custodian.Feedback.Bundles;

/// <summary>
/// The Custodian server the client uploads to and the API key it authenticates with, from
/// <c>CUSTODIAN_SERVER_URL</c> and <c>CUSTODIAN_API_KEY</c>. Without both the client holds no credentials for the
/// server, and bundles go to the local archive (FBK-3). <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class ServerEndpoint
{
    /// <summary>The server's base URL, e.g. <c>https://custodian.example.com</c>.</summary>
    public const string UrlVariable = "CUSTODIAN_SERVER_URL";

    /// <summary>The API key (<c>custodian keys create</c> prints one).</summary>
    public const string KeyVariable = LocalAccount.CustodianApiKeyVariable;

    /// <summary>Creates an endpoint.</summary>
    /// <param name="baseAddress">An absolute http or https URL.</param>
    /// <param name="apiKey">The bearer key.</param>
    public ServerEndpoint(Uri baseAddress, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        if (!baseAddress.IsAbsoluteUri || baseAddress.Scheme is not ("http" or "https"))
            throw new ArgumentException("the server URL must be an absolute http or https URL", nameof(baseAddress));

        // A base with a path (https://host/custodian) must keep it when v1/feedback is appended.
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        ApiKey = apiKey.Trim();
    }

    /// <summary>The base URL, ending in <c>/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The API key: sent only in the <c>Authorization</c> header, never printed.</summary>
    internal string ApiKey { get; }

    /// <summary>
    /// The endpoint from <paramref name="environment"/>: null when either variable is unset or empty (no credentials);
    /// <paramref name="error"/> names the variable when the URL is set but unusable.
    /// </summary>
    public static ServerEndpoint? FromEnvironment(IReadOnlyDictionary<string, string> environment, out string? error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        error = null;
        var url = environment.GetValueOrDefault(UrlVariable)?.Trim();
        var key = environment.GetValueOrDefault(KeyVariable)?.Trim();
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(key)) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"{UrlVariable}: '{url}' is not an absolute http or https URL";
            return null;
        }

        return new ServerEndpoint(uri, key);
    }

    /// <summary>The base URL only.</summary>
    public override string ToString() => BaseAddress.ToString();
}
