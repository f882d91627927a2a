using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>The server suite on PostgreSQL 15 (a throwaway cluster on 127.0.0.1, one database per test).</summary>
[Collection(PostgresCollection.Name)]
public sealed partial class PostgresServerTests(PostgresCluster cluster) : ServerSuite
{
    protected override async Task<TestStore> CreateTestStoreAsync() => await PostgresTestStore.CreateAsync(cluster);
}
