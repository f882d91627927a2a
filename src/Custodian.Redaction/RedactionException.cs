namespace Custodian.Redaction;

/// <summary>
/// Redaction could not finish (RED-4). Whatever output the run produced so far is incomplete and may
/// still hold secrets: callers must discard it and send or store nothing.
/// </summary>
public sealed class RedactionException : Exception
{
    private const string DefaultMessage =
        "Redaction could not finish; its output is incomplete and must not be sent or stored (RED-4).";

    /// <summary>Creates the exception with the default message.</summary>
    public RedactionException()
        : base(DefaultMessage)
    {
    }

    /// <summary>Creates the exception with a message (which must never contain input text).</summary>
    /// <param name="message">The message.</param>
    public RedactionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for an underlying failure.</summary>
    /// <param name="message">The message (never input text).</param>
    /// <param name="innerException">What went wrong.</param>
    public RedactionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static RedactionException Wrap(Exception inner) => new(DefaultMessage + " " + inner.GetType().Name + ": " + inner.Message, inner);
}
