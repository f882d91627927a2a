namespace Custodian.Sessions;

/// <summary>A line of a transcript that could not be used; it never stops the work (LOC-8).</summary>
/// <param name="File">The transcript's path.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record TranscriptProblem(string File, long Line, string Message)
{
    /// <summary><c>file:line: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}: {Message}";
}

/// <summary>Where a session's last activity came from (LOC-5).</summary>
public enum ActivitySource
{
    /// <summary>The newest timestamp inside the transcript.</summary>
    Timestamp,
    /// <summary>The file's modification time: the transcript has no timestamp at all.</summary>
    ModificationTime,
}

/// <summary>What one pass over a transcript learned.</summary>
/// <param name="SessionId">The session id (the file name without <c>.jsonl</c>).</param>
/// <param name="FirstPrompt">The first thing the user typed, shortened; null when there is none.</param>
/// <param name="WorkingDirectory">The first <c>cwd</c> recorded, if any.</param>
/// <param name="NewestTimestamp">The newest timestamp inside, if any.</param>
/// <param name="Lines">The number of lines.</param>
/// <param name="ProblemCount">How many lines could not be used.</param>
/// <param name="Problems">The first of those problems (at most <see cref="TranscriptScanner.MaxProblemsKept"/>).</param>
public sealed record TranscriptScan(
    string SessionId,
    string? FirstPrompt,
    string? WorkingDirectory,
    DateTimeOffset? NewestTimestamp,
    long Lines,
    long ProblemCount,
    IReadOnlyList<TranscriptProblem> Problems);
