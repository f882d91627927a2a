namespace Custodian.Cli.Tests;

/// <summary>
/// Without <c>--store</c>, the commands that open the server store use the embedded one under the data dir, the store
/// <c>custodian serve</c> runs on by default: a key created without the option works on that server.
/// </summary>
public sealed class DefaultStoreTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Keys_create_and_audit_verify_default_to_the_store_serve_uses()
    {
        var database = Path.Combine(_sandbox.Home, ".local", "share", "custodian", "custodian.db");
        Assert.False(File.Exists(database));

        var created = _sandbox.Run("keys", "create", "--role", "user", "--subject", "dana");

        Assert.Equal(0, created.ExitCode);
        Assert.StartsWith("cust_", created.Stdout.Trim(), StringComparison.Ordinal);
        Assert.True(File.Exists(database), "the key went to the default store");
        var verified = _sandbox.Run("audit", "verify");
        Assert.Equal(0, verified.ExitCode);
    }

    [Fact]
    public void The_data_dir_variable_moves_the_default_store()
    {
        var dataDir = Path.Combine(_sandbox.Root, "data");
        _sandbox.Environment["CUSTODIAN_DATA_DIR"] = dataDir;

        Assert.Equal(0, _sandbox.Run("keys", "create", "--role", "operator", "--subject", "ops").ExitCode);

        Assert.True(File.Exists(Path.Combine(dataDir, "custodian.db")));
        Assert.False(Directory.Exists(Path.Combine(_sandbox.Home, ".local", "share", "custodian")));
    }
}
