using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Custodian.Server.Internal;

/// <summary>A URL of <c>--urls</c> or <c>--otlp-grpc-urls</c> as a Kestrel endpoint, read as Kestrel reads its URL list.</summary>
internal static class Endpoints
{
    /// <summary>Declares the endpoints of <paramref name="url"/> with <paramref name="protocols"/> (localhost is two); their ports are bound at start.</summary>
    public static IReadOnlyList<ListenOptions> Listen(KestrelServerOptions kestrel, string url, HttpProtocols protocols)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"not an http(s) URL: {url}", nameof(url));
        var declared = new List<ListenOptions>();
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            if (uri.Scheme == Uri.UriSchemeHttps) listen.UseHttps();
            declared.Add(listen);
        }

        var host = uri.Host.Trim('[', ']');
        if (host is "*" or "+" or "0.0.0.0" or "::") kestrel.ListenAnyIP(uri.Port, Configure);
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) kestrel.ListenLocalhost(uri.Port, Configure);
        else if (IPAddress.TryParse(host, out var address)) kestrel.Listen(address, uri.Port, Configure);
        // A host name binds every address, as Kestrel does with such a URL.
        else kestrel.ListenAnyIP(uri.Port, Configure);
        return declared;
    }
}
