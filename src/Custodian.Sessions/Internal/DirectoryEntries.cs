using System.IO.Enumeration;

namespace Custodian.Sessions.Internal;

/// <summary>What a directory entry is, as seen without following it.</summary>
internal enum EntryKind
{
    File,
    Directory,
    Symlink,
}

/// <summary>One entry of a directory: its name, kind, and (for files) size and modification time.</summary>
internal readonly record struct DirectoryEntry(string Name, EntryKind Kind, long Length, long ModifiedTicks);

/// <summary>A file found under a session folder: full path, size and modification time.</summary>
internal readonly record struct FileEntry(string Path, long Length, long ModifiedTicks);

/// <summary>
/// Reads directories with one <c>getdents</c> pass and one <c>lstat</c> per entry. <see cref="FileSystemInfo"/>
/// objects cost a <c>readlink</c> and more per entry for the symlink check, which dominated listing 10,000 sessions.
/// </summary>
internal static class DirectoryEntries
{
    private static readonly EnumerationOptions Flat = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    private static readonly EnumerationOptions Tree = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>The entries of <paramref name="directory"/>, sorted by name (ordinal).</summary>
    /// <exception cref="IOException">The directory cannot be listed.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be listed.</exception>
    public static List<DirectoryEntry> Read(string directory)
    {
        var entries = new List<DirectoryEntry>();
        var enumerable = new FileSystemEnumerable<DirectoryEntry>(directory, Transform, Flat);
        foreach (var entry in enumerable) entries.Add(entry);
        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    /// <summary>
    /// Bytes of every file under <paramref name="directory"/> and its subagent transcripts
    /// (<c>subagents/agent-*.jsonl</c>, in ordinal order); symbolic links are neither counted nor followed.
    /// </summary>
    public static (long Bytes, List<FileEntry> Subagents) Measure(string directory)
    {
        long bytes = 0;
        var subagents = new List<FileEntry>();
        try
        {
            var enumerable = new FileSystemEnumerable<(long Length, FileEntry? Subagent)>(directory, MeasureTransform, Tree)
            {
                ShouldIncludePredicate = static (ref entry) => !entry.IsDirectory && !IsSymlink(ref entry),
                ShouldRecursePredicate = static (ref entry) => !IsSymlink(ref entry),
            };
            foreach (var (length, subagent) in enumerable)
            {
                bytes += length;
                if (subagent is { } file) subagents.Add(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone or unreadable while measuring: what was counted stands, like du.
        }

        subagents.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return (bytes, subagents);
    }

    private static DirectoryEntry Transform(ref FileSystemEntry entry)
    {
        var name = entry.FileName.ToString();
        if (IsSymlink(ref entry)) return new DirectoryEntry(name, EntryKind.Symlink, 0, 0);
        return entry.IsDirectory
            ? new DirectoryEntry(name, EntryKind.Directory, 0, 0)
            : new DirectoryEntry(name, EntryKind.File, entry.Length, entry.LastWriteTimeUtc.UtcTicks);
    }

    private static (long, FileEntry?) MeasureTransform(ref FileSystemEntry entry)
    {
        var name = entry.FileName;
        var subagent = name.StartsWith("agent-", StringComparison.Ordinal) && name.EndsWith(".jsonl", StringComparison.Ordinal)
            && Path.GetFileName(entry.Directory).SequenceEqual("subagents");

        // Only subagent transcripts need a path (the listing looks them up in the index); other files only a size.
        return (entry.Length, subagent ? new FileEntry(entry.ToFullPath(), entry.Length, entry.LastWriteTimeUtc.UtcTicks) : null);
    }

    /// <summary>Whether the entry is a symbolic link (from the <c>lstat</c> already made for it).</summary>
    public static bool IsSymlink(ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;
}
