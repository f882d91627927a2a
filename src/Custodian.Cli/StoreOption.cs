using System.CommandLine;
using Custodian.Storage;

namespace Custodian.Cli;

/// <summary><c>--store sqlite:PATH|postgres:CONNSTR</c>: which server store a command uses.</summary>
internal static class StoreOption
{
    /// <summary>Where the embedded store lives by default: <c>$CUSTODIAN_DATA_DIR</c>, else <c>$XDG_DATA_HOME/custodian</c>, else <c>~/.local/share/custodian</c>.</summary>
    public static string DefaultDataDir(CliHost host)
    {
        if (host.Environment.TryGetValue("CUSTODIAN_DATA_DIR", out var dir) && dir.Length > 0) return Path.GetFullPath(dir);
        if (host.Environment.TryGetValue("XDG_DATA_HOME", out var xdg) && xdg.Length > 0) return Path.Combine(xdg, "custodian");
        return Path.Combine(host.HomeDirectory, ".local", "share", "custodian");
    }

    /// <summary>
    /// The option, for every command that opens the server store. Without it, the embedded store under the data dir:
    /// the one <c>custodian serve</c> uses by default, so a key created without <c>--store</c> works on that server.
    /// </summary>
    public static Option<string?> Create() => new("--store")
    {
        Description = "sqlite:PATH or postgres:CONNECTION-STRING (default: sqlite under the data dir, as custodian serve)",
        HelpName = "STORE",
    };

    /// <summary>Opens the store a <c>--store</c> value names; a malformed value is a usage error.</summary>
    public static ICustodianStore Open(string? value, CliHost host)
    {
        if (string.IsNullOrEmpty(value)) return new SqliteCustodianStore(Path.Combine(DefaultDataDir(host), "custodian.db"));
        if (value.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            var path = value["sqlite:".Length..];
            if (path.Length == 0) throw new UsageException("--store: sqlite: needs a path, e.g. sqlite:/var/lib/custodian/custodian.db");
            return new SqliteCustodianStore(Path.GetFullPath(path, host.CurrentDirectory));
        }

        if (value.StartsWith("postgres:", StringComparison.Ordinal))
        {
            var connection = value["postgres:".Length..];
            try
            {
                return new PostgresCustodianStore(connection);
            }
            catch (ArgumentException e)
            {
                throw new UsageException("--store: postgres: invalid connection string: " + e.Message);
            }
        }

        throw new UsageException($"--store: expected sqlite:PATH or postgres:CONNECTION-STRING, not '{value}'");
    }

    /// <summary>Opens and initializes; a store that cannot be reached is a failed operation (exit 1).</summary>
    public static async Task<ICustodianStore> OpenInitializedAsync(string? value, CliHost host, CancellationToken cancellationToken)
    {
        var store = Open(value, host);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return store;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            await store.DisposeAsync();
            throw new OperationFailedException($"cannot open the store {store.Description}: {e.Message}");
        }
    }
}
