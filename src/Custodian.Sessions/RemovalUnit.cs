namespace Custodian.Sessions;

/// <summary>What a removal unit is.</summary>
public enum RemovalKind
{
    /// <summary>A session: its transcript, its session folder (subagents, tool results) and its per-session files.</summary>
    Session,
    /// <summary>A swept file or folder that belongs to no live session.</summary>
    File,
}

/// <summary>Paths that go together or not at all (LOC-2, LOC-7): moved to the trash, or deleted, as one.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">The session id, or the path relative to the config dir.</param>
/// <param name="Paths">Full paths inside the config dir; the first is the main one (the transcript for a session).</param>
/// <param name="LastActivity">The age the sweep judged it by.</param>
/// <param name="Bytes">Its size on disk.</param>
public sealed record RemovalUnit(RemovalKind Kind, string Name, IReadOnlyList<string> Paths, DateTimeOffset LastActivity, long Bytes);

/// <summary>A unit that could not be removed; it was left whole where it was.</summary>
/// <param name="Name">The unit's name.</param>
/// <param name="Path">The path that failed.</param>
/// <param name="Message">Why.</param>
public sealed record RemovalError(string Name, string Path, string Message)
{
    /// <summary>True in the rare case where a failed unit could not be put back; the next sweep or delete finishes it from the journal.</summary>
    public bool LeftHalf { get; init; }

    /// <summary><c>path: message</c>.</summary>
    public override string ToString() => $"{Path}: {Message}";
}
