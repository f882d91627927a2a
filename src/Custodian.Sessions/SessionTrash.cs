using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Custodian.Sessions;

/// <summary>
/// Removes units of paths as one (LOC-2, LOC-7). Each removal first writes a journal (the entry's manifest)
/// into a <c>.partial</c> trash entry, then renames every path into it, then commits the entry with one rename.
/// A process killed half-way leaves a journal that <see cref="Recover"/> rolls forward, so every unit ends up
/// whole in place or whole in the trash, never half. Entries are emptied <see cref="RetentionDays"/> days later.
/// </summary>
public sealed class SessionTrash
{
    /// <summary>How long trashed data stays recoverable.</summary>
    public const int RetentionDays = 7;

    private const string PartialSuffix = ".partial";
    private const string DeletingPrefix = ".deleting-";
    private const string ManifestName = "manifest.json";
    private readonly ClaudeLayout _layout;
    private readonly TimeProvider _time;

    /// <summary>Creates the trash of <paramref name="layout"/>.</summary>
    public SessionTrash(ClaudeLayout layout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(time);
        _layout = layout;
        _time = time;
    }

    /// <summary>A trash entry.</summary>
    /// <param name="Id">The entry's folder name.</param>
    /// <param name="Kind">What was trashed.</param>
    /// <param name="Name">The session id or relative path.</param>
    /// <param name="TrashedAt">When.</param>
    /// <param name="Paths">The original paths, relative to the config dir.</param>
    public sealed record Entry(string Id, RemovalKind Kind, string Name, DateTimeOffset TrashedAt, IReadOnlyList<string> Paths);

    /// <summary>
    /// Moves <paramref name="unit"/> into the trash, or (with <paramref name="deleteOutright"/>) deletes it for good.
    /// Returns null on success, or the error after putting back whatever had moved.
    /// </summary>
    public RemovalError? Remove(RemovalUnit unit, bool deleteOutright)
    {
        ArgumentNullException.ThrowIfNull(unit);
        foreach (var path in unit.Paths)
        {
            if (!_layout.Contains(path) || Path.GetFullPath(path) == _layout.ConfigDir)
                return new RemovalError(unit.Name, path, "outside the config dir: refused");
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
                return new RemovalError(unit.Name, path, "a symbolic link: never followed nor removed");
        }

        Directory.CreateDirectory(_layout.TrashDir);
        var id = NewEntryId(unit.Name);
        var partial = Path.Combine(_layout.TrashDir, id + PartialSuffix);
        var moves = unit.Paths.Select(p => (From: p, To: Path.Combine(partial, "files", Path.GetRelativePath(_layout.ConfigDir, p)))).ToList();
        try
        {
            Directory.CreateDirectory(partial);
            WriteManifest(partial, unit, moves, deleteOutright);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDeleteDirectory(partial);
            return new RemovalError(unit.Name, _layout.TrashDir, "cannot write the trash journal: " + e.Message);
        }

        var done = new List<(string From, string To)>();
        foreach (var move in moves)
        {
            try
            {
                if (!Exists(move.From)) continue; // already gone: nothing to keep together
                Directory.CreateDirectory(Path.GetDirectoryName(move.To)!);
                Move(move.From, move.To);
                done.Add(move);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Put back what moved so the unit stays whole where it was.
                foreach (var back in Enumerable.Reverse(done))
                {
                    try
                    {
                        Move(back.To, back.From);
                    }
                    catch (Exception undo) when (undo is IOException or UnauthorizedAccessException)
                    {
                        // Leave the journal: recovery will finish the removal rather than leave a half.
                        return new RemovalError(unit.Name, move.From, "cannot be moved, and the unit could not be put back (recovery will finish it): " + e.Message);
                    }
                }

                TryDeleteDirectory(partial);
                return new RemovalError(unit.Name, move.From, "cannot be moved: " + e.Message);
            }
        }

        Commit(partial, deleteOutright);
        return null;
    }

    /// <summary>Finishes removals that a killed process left half done. Returns how many it finished.</summary>
    public int Recover()
    {
        if (!Directory.Exists(_layout.TrashDir)) return 0;
        var finished = 0;
        foreach (var dir in new DirectoryInfo(_layout.TrashDir).EnumerateDirectories())
        {
            if (ClaudeLayout.IsSymlink(dir)) continue;
            if (dir.Name.StartsWith(DeletingPrefix, StringComparison.Ordinal))
            {
                TryDeleteDirectory(dir.FullName);
                finished++;
                continue;
            }

            if (!dir.Name.EndsWith(PartialSuffix, StringComparison.Ordinal)) continue;
            var manifest = ReadManifest(dir.FullName);
            if (manifest is null)
            {
                // Killed before the journal was complete: nothing had moved yet.
                TryDeleteDirectory(dir.FullName);
                continue;
            }

            var deleteOutright = manifest["mode"]?.GetValue<string>() == "delete";
            foreach (var item in manifest["items"]!.AsArray())
            {
                var from = Path.Combine(_layout.ConfigDir, item!["from"]!.GetValue<string>());
                var to = Path.Combine(dir.FullName, item["to"]!.GetValue<string>());
                if (Exists(from) && !Exists(to))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                    Move(from, to);
                }
            }

            Commit(dir.FullName, deleteOutright);
            finished++;
        }

        return finished;
    }

    /// <summary>Deletes entries trashed more than <see cref="RetentionDays"/> days ago. Returns how many.</summary>
    public int EmptyExpired()
    {
        var cutoff = _time.GetUtcNow().AddDays(-RetentionDays);
        var emptied = 0;
        foreach (var entry in List())
        {
            if (entry.TrashedAt > cutoff) continue;
            var dir = Path.Combine(_layout.TrashDir, entry.Id);
            var doomed = Path.Combine(_layout.TrashDir, DeletingPrefix + entry.Id);
            Directory.Move(dir, doomed);
            TryDeleteDirectory(doomed);
            emptied++;
        }

        return emptied;
    }

    /// <summary>The committed entries, oldest first.</summary>
    public IReadOnlyList<Entry> List()
    {
        var entries = new List<Entry>();
        if (!Directory.Exists(_layout.TrashDir)) return entries;
        foreach (var dir in new DirectoryInfo(_layout.TrashDir).EnumerateDirectories())
        {
            if (ClaudeLayout.IsSymlink(dir) || dir.Name.EndsWith(PartialSuffix, StringComparison.Ordinal)
                || dir.Name.StartsWith(DeletingPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var manifest = ReadManifest(dir.FullName);
            if (manifest is null) continue;
            entries.Add(new Entry(
                dir.Name,
                manifest["kind"]?.GetValue<string>() == "session" ? RemovalKind.Session : RemovalKind.File,
                manifest["name"]?.GetValue<string>() ?? dir.Name,
                DateTimeOffset.Parse(manifest["trashedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                manifest["items"]!.AsArray().Select(i => i!["from"]!.GetValue<string>()).ToList()));
        }

        entries.Sort(static (a, b) => a.TrashedAt.CompareTo(b.TrashedAt));
        return entries;
    }

    /// <summary>Puts a trashed entry back where it came from; refuses if anything now occupies those places.</summary>
    public RemovalError? Restore(string entryId)
    {
        ArgumentException.ThrowIfNullOrEmpty(entryId);
        var entry = List().FirstOrDefault(e => e.Id == entryId || e.Name == entryId);
        if (entry is null) return new RemovalError(entryId, _layout.TrashDir, "no such trash entry");
        var dir = Path.Combine(_layout.TrashDir, entry.Id);
        foreach (var relative in entry.Paths)
        {
            var original = Path.Combine(_layout.ConfigDir, relative);
            if (Exists(original)) return new RemovalError(entry.Name, original, "already exists: not overwritten");
        }

        foreach (var relative in entry.Paths)
        {
            var stored = Path.Combine(dir, "files", relative);
            if (!Exists(stored)) continue;
            var original = Path.Combine(_layout.ConfigDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(original)!);
            Move(stored, original);
        }

        TryDeleteDirectory(dir);
        return null;
    }

    private void Commit(string partial, bool deleteOutright)
    {
        var id = Path.GetFileName(partial)[..^PartialSuffix.Length];
        if (deleteOutright)
        {
            var doomed = Path.Combine(_layout.TrashDir, DeletingPrefix + id);
            Directory.Move(partial, doomed);
            TryDeleteDirectory(doomed);
        }
        else
        {
            Directory.Move(partial, Path.Combine(_layout.TrashDir, id));
        }
    }

    private void WriteManifest(string partial, RemovalUnit unit, List<(string From, string To)> moves, bool deleteOutright)
    {
        var items = new JsonArray();
        foreach (var (from, to) in moves)
        {
            items.Add(new JsonObject
            {
                ["from"] = Path.GetRelativePath(_layout.ConfigDir, from),
                ["to"] = Path.GetRelativePath(partial, to),
            });
        }

        var manifest = new JsonObject
        {
            ["kind"] = unit.Kind == RemovalKind.Session ? "session" : "file",
            ["name"] = unit.Name,
            ["mode"] = deleteOutright ? "delete" : "trash",
            ["trashedAt"] = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["lastActivity"] = unit.LastActivity.ToString("O", CultureInfo.InvariantCulture),
            ["bytes"] = unit.Bytes,
            ["items"] = items,
        };

        // Written to a temporary name and renamed, so the journal is either absent or complete.
        var temp = Path.Combine(partial, ManifestName + ".tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                manifest.WriteTo(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path.Combine(partial, ManifestName));
    }

    private static JsonObject? ReadManifest(string dir)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(Path.Combine(dir, ManifestName))) as JsonObject;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private string NewEntryId(string name)
    {
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(80).ToArray());
        var id = $"{stamp}-{safe}";
        for (var n = 2; Exists(Path.Combine(_layout.TrashDir, id)) || Exists(Path.Combine(_layout.TrashDir, id + PartialSuffix)); n++)
        {
            id = $"{stamp}-{safe}-{n}";
        }

        return id;
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static void Move(string from, string to)
    {
        if (Directory.Exists(from) && new DirectoryInfo(from).LinkTarget is null) Directory.Move(from, to);
        else File.Move(from, to);
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            // Directory.Delete removes symbolic links themselves, never what they point to.
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
