namespace Custodian.Sessions;

/// <summary>
/// One sweep or delete at a time per config dir: an exclusive lock on <c>custodian/sweep.lock</c> (an advisory
/// <c>flock</c> on Unix), released when disposed or when the process dies, so a killed sweep never blocks the next.
/// </summary>
public sealed class SweepLock : IDisposable
{
    private readonly FileStream _stream;

    private SweepLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock, or returns null when another process (or caller) holds it.</summary>
    public static SweepLock? TryAcquire(ClaudeLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Directory.CreateDirectory(layout.CustodianDir);
        try
        {
            return new SweepLock(new FileStream(
                Path.Combine(layout.CustodianDir, "sweep.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
