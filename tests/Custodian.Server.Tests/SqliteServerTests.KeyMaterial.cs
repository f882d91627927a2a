using System.Net;
using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>The web pages' data-protection keys stay in memory: <c>custodian serve</c> writes no key file to the home directory.</summary>
public sealed partial class SqliteServerTests
{
    [Fact]
    public async Task The_server_writes_no_data_protection_key_to_the_home_directory()
    {
        var home = Path.Combine(Sqlite.Directory, "home");
        Directory.CreateDirectory(home);
        await using var server = await ServerProcess.StartAsync(Db.CliArgument, new Dictionary<string, string> { ["HOME"] = home });
        using var http = new HttpClient { BaseAddress = server.Address };

        // The sign-in page issues an anti-forgery token, which needs a key.
        using var signIn = await http.GetAsync(new Uri("/signin", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("custodian_antiforgery=", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(home, ".aspnet")), "a data-protection key ring was written under the home directory");
        Assert.DoesNotContain("XML encryptor", server.Output, StringComparison.Ordinal);
    }
}
