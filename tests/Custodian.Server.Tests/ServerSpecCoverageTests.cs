using System.Reflection;

namespace Custodian.Server.Tests;

/// <summary>Every statement the server carries out is named by a test of the shared suite, so it runs on both stores.</summary>
public sealed class ServerSpecCoverageTests
{
    private static readonly string[] Carried =
    [
        "TRN-1", "TRN-2", "TRN-3", "TRN-4", "DPP-1", "DPP-2", "DPP-3",
        "RET-1", "RET-2", "RET-3", "RET-4", "RET-5", "RET-6", "RET-7",
        "FBK-2", "FBK-5", "SRV-1", "SRV-3", "SRV-6", "SHR-2",
        "DEL-1", "DEL-2", "ACC-1", "ACC-2",
        "OTL-1", "OTL-2", "OTL-3", "OTL-5", "OTL-6", "OTL-7",
    ];

    [Fact]
    public void Every_server_statement_is_named_by_a_test_that_runs_on_both_stores()
    {
        var named = typeof(ServerSuite).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .SelectMany(m => m.GetCustomAttributesData())
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "spec")
            .Select(a => (string)a.ConstructorArguments[1].Value!)
            .ToHashSet(StringComparer.Ordinal);

        var missing = Carried.Where(id => !named.Contains(id)).ToArray();

        Assert.True(missing.Length == 0, "not named by any test of the shared suite: " + string.Join(", ", missing));
        Assert.True(typeof(SqliteServerTests).IsSubclassOf(typeof(ServerSuite)));
        Assert.True(typeof(PostgresServerTests).IsSubclassOf(typeof(ServerSuite)));
    }
}
