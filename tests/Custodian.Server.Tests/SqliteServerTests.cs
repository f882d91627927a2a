using Custodian.Server.Tests.Infrastructure;

namespace Custodian.Server.Tests;

/// <summary>The server suite on the embedded SQLite store, plus what only SQLite's files can show.</summary>
public sealed partial class SqliteServerTests : ServerSuite
{
    protected override Task<TestStore> CreateTestStoreAsync() => Task.FromResult<TestStore>(new SqliteTestStore());

    private SqliteTestStore Sqlite => (SqliteTestStore)Db;
}
