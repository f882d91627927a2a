namespace Custodian.Sessions;

/// <summary>One local session as listed (LOC-2).</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="ProjectFolder">The project folder's name under <c>projects/</c> (the encoded working directory).</param>
/// <param name="ProjectPath">The working directory, when the transcript records one that encodes to <paramref name="ProjectFolder"/>.</param>
/// <param name="TranscriptPath">The transcript's full path (where it would be, when <see cref="HasTranscript"/> is false).</param>
/// <param name="FirstPrompt">The first prompt, shortened.</param>
/// <param name="LastActivity">
/// The newest timestamp inside the transcript or any of its subagent transcripts, else the newest of their
/// modification times (LOC-5, LOC-10).
/// </param>
/// <param name="ActivitySource">Which of the two <paramref name="LastActivity"/> is.</param>
/// <param name="SizeBytes">The transcript's size plus its session folder's and its subagent transcripts'.</param>
/// <param name="SubagentCount">How many subagent transcripts it has, in either layout (LOC-10).</param>
/// <param name="Lines">The transcript's line count.</param>
/// <param name="ProblemCount">How many lines of its transcript and subagent transcripts could not be used (LOC-8).</param>
public sealed record SessionInfo(
    string SessionId,
    string ProjectFolder,
    string? ProjectPath,
    string TranscriptPath,
    string? FirstPrompt,
    DateTimeOffset LastActivity,
    ActivitySource ActivitySource,
    long SizeBytes,
    int SubagentCount,
    long Lines,
    long ProblemCount)
{
    /// <summary>The project as a person reads it: the working directory, else the folder name.</summary>
    public string ProjectDisplay => ProjectPath ?? ProjectFolder;

    /// <summary>
    /// False for a session known only from subagent transcripts whose main transcript is gone (CUS-28): it is
    /// listed, shown, bundled, deleted and swept like any other, but there is nothing to resume.
    /// </summary>
    public bool HasTranscript { get; init; } = true;

    /// <summary>
    /// Its subagent transcripts, full paths in ordinal order: <c>&lt;session-id&gt;/subagents/agent-*.jsonl</c> (2.1)
    /// and the <c>agent-*.jsonl</c> beside the transcript that name this session (2.0), LOC-10.
    /// </summary>
    public IReadOnlyList<string> SubagentTranscripts { get; init; } = [];
}

/// <summary>The result of listing sessions.</summary>
/// <param name="Sessions">The sessions, most recent activity first.</param>
/// <param name="Problems">Lines that could not be used in transcripts scanned during this listing, and entries that could not be read.</param>
/// <param name="SkippedSymlinks">Symbolic links met and not followed (LOC-4).</param>
public sealed record SessionListing(IReadOnlyList<SessionInfo> Sessions, IReadOnlyList<TranscriptProblem> Problems, int SkippedSymlinks);
