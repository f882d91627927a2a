namespace Custodian.Server.Tests.Infrastructure;

/// <summary>The tests that need PostgreSQL share one cluster.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
