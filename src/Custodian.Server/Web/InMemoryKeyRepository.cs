using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Custodian.Server.Web;

/// <summary>
/// The data-protection key ring, in memory only. Without it ASP.NET Core's key manager writes a key file, unencrypted,
/// to <c>~/.aspnet/DataProtection-Keys</c> at start-up — even with the ephemeral provider — for keys that only protect
/// anti-forgery tokens of sign-in sessions that end with the process anyway.
/// </summary>
internal sealed class InMemoryKeyRepository : IXmlRepository
{
    private readonly Lock _gate = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_gate) return [.. _elements.Select(e => new XElement(e))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        lock (_gate) _elements.Add(new XElement(element));
    }
}
