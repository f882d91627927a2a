using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Custodian.Sessions;

/// <summary>
/// Removes units of paths as one (LOC-2, LOC-7). A removal first writes a journal (the entry's manifest) into
/// a <c>.partial</c> trash entry, then renames every path of every unit into it, then commits the entry with
/// one rename. A process killed half-way leaves a journal that <see cref="Recover"/> rolls forward, so every
/// unit ends up whole in place or whole in the trash, never half. Many units share one journal, so a sweep of
/// thousands of sessions costs one journal write, not thousands. Entries are emptied <see cref="RetentionDays"/> days later.
/// </summary>
public sealed class SessionTrash
{
    /// <summary>How long trashed data stays recoverable.</summary>
    public const int RetentionDays = 7;

    private const string PartialSuffix = ".partial";
    private const string DeletingPrefix = ".deleting-";
    private const string ManifestName = "manifest.json";
    private const int MoveDegree = 8;
    private readonly ClaudeLayout _layout;
    private readonly TimeProvider _time;
    private readonly List<Task> _deletions = [];

    /// <summary>Creates the trash of <paramref name="layout"/>.</summary>
    public SessionTrash(ClaudeLayout layout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(time);
        _layout = layout;
        _time = time;
    }

    /// <summary>A unit in the trash.</summary>
    /// <param name="EntryId">The trash entry (folder) holding it.</param>
    /// <param name="Kind">What was trashed.</param>
    /// <param name="Name">The session id or relative path.</param>
    /// <param name="TrashedAt">When.</param>
    /// <param name="Paths">The original paths, relative to the config dir.</param>
    public sealed record TrashedUnit(string EntryId, RemovalKind Kind, string Name, DateTimeOffset TrashedAt, IReadOnlyList<string> Paths);

    /// <summary>Removes one unit; null on success, else the error (the unit is left whole in place).</summary>
    public RemovalError? Remove(RemovalUnit unit, bool deleteOutright)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var errors = Remove([unit], deleteOutright);
        return errors.Count == 0 ? null : errors[0];
    }

    /// <summary>
    /// Moves <paramref name="units"/> into one trash entry, or (with <paramref name="deleteOutright"/>) deletes them
    /// for good. Returns the units that could not be removed; each of those was put back whole.
    /// </summary>
    public IReadOnlyList<RemovalError> Remove(IReadOnlyList<RemovalUnit> units, bool deleteOutright, IProgress<int>? progress = null) =>
        Remove(units, deleteOutright, progress, deferDeletion: false);

    /// <summary>
    /// As <see cref="Remove(IReadOnlyList{RemovalUnit}, bool, IProgress{int}?)"/>; with <paramref name="deferDeletion"/>
    /// a committed outright deletion runs in the background (the sweep moves its next batch meanwhile) until
    /// <see cref="CompleteDeletions"/>. The journal has committed by then, so a kill only leaves a <c>.deleting-</c>
    /// entry that <see cref="Recover"/> finishes.
    /// </summary>
    internal IReadOnlyList<RemovalError> Remove(IReadOnlyList<RemovalUnit> units, bool deleteOutright, IProgress<int>? progress, bool deferDeletion)
    {
        ArgumentNullException.ThrowIfNull(units);
        var errors = new List<RemovalError>();
        var planned = new List<PlannedUnit>(units.Count);
        Directory.CreateDirectory(_layout.TrashDir);
        var id = NewEntryId(units.Count == 1 ? units[0].Name : "sweep");
        var partial = Path.Combine(_layout.TrashDir, id + PartialSuffix);
        foreach (var unit in units)
        {
            if (Refuse(unit) is { } refused)
            {
                errors.Add(refused);
                continue;
            }

            planned.Add(new PlannedUnit(unit, unit.Paths
                .Select(p => (From: Path.GetFullPath(p), To: Path.Combine(partial, "files", Path.GetRelativePath(_layout.ConfigDir, p))))
                .ToList()));
        }

        if (planned.Count == 0) return errors;
        try
        {
            Directory.CreateDirectory(partial);
            WriteManifest(partial, planned, deleteOutright, _time.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDeleteDirectory(partial);
            errors.AddRange(planned.Select(p => new RemovalError(p.Unit.Name, _layout.TrashDir, "cannot write the trash journal: " + e.Message)));
            return errors;
        }

        // Units move in parallel: renames are bound by the file system's latency, not the CPU. A unit that fails
        // is put back whole by its own mover; the journal is then rewritten once without the units put back.
        var outcomes = new RemovalError?[planned.Count];
        var movedCount = 0;
        Parallel.For(0, planned.Count, new ParallelOptions { MaxDegreeOfParallelism = MoveDegree }, i =>
        {
            outcomes[i] = MoveUnit(planned[i]);
            if (outcomes[i] is null) progress?.Report(Interlocked.Increment(ref movedCount));
        });

        var moved = new List<PlannedUnit>(planned.Count);
        var leftHalf = false;
        for (var i = 0; i < planned.Count; i++)
        {
            if (outcomes[i] is { } error)
            {
                errors.Add(error);
                leftHalf |= error.LeftHalf;
                if (error.LeftHalf) moved.Add(planned[i]); // stays in the journal: recovery rolls it forward
            }
            else
            {
                moved.Add(planned[i]);
            }
        }

        if (moved.Count != planned.Count) WriteManifest(partial, moved, deleteOutright, ReadTrashedAt(partial));
        if (leftHalf)
        {
            // Leave the journal uncommitted: the next sweep or delete rolls every listed unit forward.
            return errors;
        }

        if (moved.Count == 0)
        {
            TryDeleteDirectory(partial);
            return errors;
        }

        Commit(partial, deleteOutright, deferDeletion);
        return errors;
    }

    /// <summary>Waits for the deletions that <see cref="Remove(IReadOnlyList{RemovalUnit}, bool, IProgress{int}?)"/> left running in the background.</summary>
    internal void CompleteDeletions()
    {
        Task[] pending;
        lock (_deletions)
        {
            pending = [.. _deletions];
            _deletions.Clear();
        }

        Task.WaitAll(pending);
    }

    /// <summary>Finishes removals that a killed process left half done. Returns how many entries it finished.</summary>
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

            foreach (var unit in manifest["units"]!.AsArray())
            {
                foreach (var item in unit!["items"]!.AsArray())
                {
                    var from = Path.Combine(_layout.ConfigDir, item!["from"]!.GetValue<string>());
                    var to = Path.Combine(dir.FullName, item["to"]!.GetValue<string>());
                    if (Exists(from) && !Exists(to))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                        Move(from, to);
                    }
                }
            }

            Commit(dir.FullName, manifest["mode"]?.GetValue<string>() == "delete");
            finished++;
        }

        return finished;
    }

    /// <summary>Deletes entries trashed more than <see cref="RetentionDays"/> days ago. Returns how many units went.</summary>
    public int EmptyExpired()
    {
        var cutoff = _time.GetUtcNow().AddDays(-RetentionDays);
        var emptied = 0;
        foreach (var entry in List().GroupBy(u => u.EntryId))
        {
            if (entry.First().TrashedAt > cutoff) continue;
            var doomed = Path.Combine(_layout.TrashDir, DeletingPrefix + entry.Key);
            Directory.Move(Path.Combine(_layout.TrashDir, entry.Key), doomed);
            TryDeleteDirectory(doomed);
            emptied += entry.Count();
        }

        return emptied;
    }

    /// <summary>Every unit in the trash, oldest first.</summary>
    public IReadOnlyList<TrashedUnit> List()
    {
        var units = new List<TrashedUnit>();
        if (!Directory.Exists(_layout.TrashDir)) return units;
        foreach (var dir in new DirectoryInfo(_layout.TrashDir).EnumerateDirectories())
        {
            if (ClaudeLayout.IsSymlink(dir) || dir.Name.EndsWith(PartialSuffix, StringComparison.Ordinal)
                || dir.Name.StartsWith(DeletingPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var manifest = ReadManifest(dir.FullName);
            if (manifest is null) continue;
            var trashedAt = DateTimeOffset.Parse(manifest["trashedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            foreach (var unit in manifest["units"]!.AsArray())
            {
                units.Add(new TrashedUnit(
                    dir.Name,
                    unit!["kind"]?.GetValue<string>() == "session" ? RemovalKind.Session : RemovalKind.File,
                    unit["name"]!.GetValue<string>(),
                    trashedAt,
                    unit["items"]!.AsArray().Select(i => i!["from"]!.GetValue<string>()).ToList()));
            }
        }

        units.Sort(static (a, b) => a.TrashedAt != b.TrashedAt ? a.TrashedAt.CompareTo(b.TrashedAt) : string.CompareOrdinal(a.Name, b.Name));
        return units;
    }

    /// <summary>
    /// Puts back a whole trash entry (by its id) or one unit (by session id or name, the most recently trashed);
    /// refuses if anything now occupies an original place.
    /// </summary>
    public RemovalError? Restore(string entryOrName)
    {
        ArgumentException.ThrowIfNullOrEmpty(entryOrName);
        var all = List();
        var chosen = all.Where(u => u.EntryId == entryOrName).ToList();
        if (chosen.Count == 0 && all.LastOrDefault(u => u.Name == entryOrName) is { } unit) chosen.Add(unit);
        if (chosen.Count == 0) return new RemovalError(entryOrName, _layout.TrashDir, "no such trash entry");

        var dir = Path.Combine(_layout.TrashDir, chosen[0].EntryId);
        foreach (var original in chosen.SelectMany(u => u.Paths).Select(p => Path.Combine(_layout.ConfigDir, p)))
        {
            if (Exists(original)) return new RemovalError(entryOrName, original, "already exists: not overwritten");
        }

        foreach (var relative in chosen.SelectMany(u => u.Paths))
        {
            var stored = Path.Combine(dir, "files", relative);
            if (!Exists(stored)) continue;
            var original = Path.Combine(_layout.ConfigDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(original)!);
            Move(stored, original);
        }

        var manifest = ReadManifest(dir)!;
        var names = chosen.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        var remaining = manifest["units"]!.AsArray().Where(u => !names.Contains(u!["name"]!.GetValue<string>())).Select(u => u!.DeepClone()).ToList();
        if (remaining.Count == 0)
        {
            TryDeleteDirectory(dir);
        }
        else
        {
            manifest["units"] = new JsonArray([.. remaining]);
            WriteAtomically(dir, manifest);
        }

        return null;
    }

    private sealed record PlannedUnit(RemovalUnit Unit, List<(string From, string To)> Moves);

    private RemovalError? Refuse(RemovalUnit unit)
    {
        foreach (var path in unit.Paths)
        {
            if (!_layout.Contains(path) || Path.GetFullPath(path) == _layout.ConfigDir)
                return new RemovalError(unit.Name, path, "outside the config dir: refused");
            if (new FileInfo(path).LinkTarget is not null)
                return new RemovalError(unit.Name, path, "a symbolic link: never followed nor removed");
        }

        return null;
    }

    /// <summary>Moves one unit; on failure puts back what moved. <see cref="RemovalError.LeftHalf"/> when even that failed.</summary>
    private static RemovalError? MoveUnit(PlannedUnit unit)
    {
        var done = new List<(string From, string To)>();
        foreach (var move in unit.Moves)
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
                foreach (var back in Enumerable.Reverse(done))
                {
                    try
                    {
                        Move(back.To, back.From);
                    }
                    catch (Exception undo) when (undo is IOException or UnauthorizedAccessException)
                    {
                        return new RemovalError(unit.Unit.Name, move.From,
                            "cannot be moved, and the unit could not be put back (the next sweep or delete finishes it): " + e.Message) { LeftHalf = true };
                    }
                }

                return new RemovalError(unit.Unit.Name, move.From, "cannot be moved: " + e.Message);
            }
        }

        return null;
    }

    private void Commit(string partial, bool deleteOutright, bool deferDeletion = false)
    {
        var id = Path.GetFileName(partial)[..^PartialSuffix.Length];
        if (deleteOutright)
        {
            var doomed = Path.Combine(_layout.TrashDir, DeletingPrefix + id);
            Directory.Move(partial, doomed);
            if (deferDeletion)
            {
                lock (_deletions) _deletions.Add(Task.Run(() => TryDeleteDirectory(doomed)));
            }
            else
            {
                TryDeleteDirectory(doomed);
            }
        }
        else
        {
            Directory.Move(partial, Path.Combine(_layout.TrashDir, id));
        }
    }

    private void WriteManifest(string partial, IEnumerable<PlannedUnit> units, bool deleteOutright, DateTimeOffset trashedAt)
    {
        var array = new JsonArray();
        foreach (var planned in units)
        {
            var items = new JsonArray();
            foreach (var (from, to) in planned.Moves)
            {
                // The JsonNode overload: the generic Add<T> would wrap the object as a JsonValue by reflection.
                items.Add((JsonNode)new JsonObject
                {
                    ["from"] = Path.GetRelativePath(_layout.ConfigDir, from),
                    ["to"] = Path.GetRelativePath(partial, to),
                });
            }

            array.Add((JsonNode)new JsonObject
            {
                ["kind"] = planned.Unit.Kind == RemovalKind.Session ? "session" : "file",
                ["name"] = planned.Unit.Name,
                ["lastActivity"] = planned.Unit.LastActivity.ToString("O", CultureInfo.InvariantCulture),
                ["bytes"] = planned.Unit.Bytes,
                ["items"] = items,
            });
        }

        WriteAtomically(partial, new JsonObject
        {
            ["version"] = 1,
            ["mode"] = deleteOutright ? "delete" : "trash",
            ["trashedAt"] = trashedAt.ToString("O", CultureInfo.InvariantCulture),
            ["units"] = array,
        });
    }

    /// <summary>Writes the manifest to a temporary name, flushes it and renames it: the journal is absent or complete.</summary>
    private static void WriteAtomically(string dir, JsonObject manifest)
    {
        var temp = Path.Combine(dir, ManifestName + ".tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream))
            {
                manifest.WriteTo(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path.Combine(dir, ManifestName), overwrite: true);
    }

    private static DateTimeOffset ReadTrashedAt(string dir) =>
        DateTimeOffset.Parse(ReadManifest(dir)!["trashedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);

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
        bool Taken(string candidate) =>
            Exists(Path.Combine(_layout.TrashDir, candidate)) || Exists(Path.Combine(_layout.TrashDir, candidate + PartialSuffix))
            || Exists(Path.Combine(_layout.TrashDir, DeletingPrefix + candidate)); // a deletion may still be running
        for (var n = 2; Taken(id); n++)
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

    private static void TryDeleteDirectory(string path) =>
        // Removes symbolic links themselves, never what they point to; what cannot be deleted stays for the next run.
        Internal.TreeDeleter.TryDelete(path);
}
