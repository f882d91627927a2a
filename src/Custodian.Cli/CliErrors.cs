namespace Custodian.Cli;

/// <summary>Exit codes of INTERFACES.md.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;
    /// <summary>The operation failed.</summary>
    public const int Failure = 1;
    /// <summary>Bad usage or bad input.</summary>
    public const int Usage = 2;
}

/// <summary>Bad usage or bad input: printed as one line on stderr, exit code 2.</summary>
/// <param name="message">One line naming the offending file, line, field or flag.</param>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The operation failed for a reason outside the user's input: one line on stderr, exit code 1.</summary>
/// <param name="message">One line saying what failed.</param>
public sealed class OperationFailedException(string message) : Exception(message);
