using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Custodian.Server.Tests;

/// <summary>What SQLite's files on disk show after an erasure (DEL-2): no trace of the content in the database, its WAL or shared memory, nor in a backup made afterwards.</summary>
public sealed partial class SqliteServerTests
{
    private string[] DatabaseFiles => [Sqlite.DatabasePath, Sqlite.DatabasePath + "-wal", Sqlite.DatabasePath + "-shm"];

    // The sweeper may truncate the WAL while this reads it (File.ReadAllBytes then fails on the length it saw first),
    // so read to whatever end the file has now; a file that vanished holds nothing.
    private static bool FileContains(string path, string marker)
    {
        byte[] content;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            content = copy.ToArray();
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        return content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker)) >= 0;
    }

    [Fact]
    [Trait("spec", "DEL-2")]
    public async Task After_deletion_no_database_file_or_backup_holds_the_deleted_content()
    {
        var (alice, _, marker) = await SessionWithEverythingAsync();
        // More writes after the doomed ones, so their pages are not simply the last thing in the WAL.
        for (var i = 0; i < 5; i++) await CaptureAsync(alice, "kept", Marker("later"));
        Assert.True(DatabaseFiles.Any(f => FileContains(f, marker)), "the marker should be on disk before the deletion (else this test proves nothing)");

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync("/v1/sessions/doomed", alice)).Status);

        foreach (var file in DatabaseFiles) Assert.False(FileContains(file, marker), $"{Path.GetFileName(file)} still holds the deleted content");

        // A file-level backup taken now (what a backup job copies) ...
        var copy = Path.Combine(Sqlite.Directory, "backup-copy");
        Directory.CreateDirectory(copy);
        foreach (var file in DatabaseFiles.Where(File.Exists)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        foreach (var file in Directory.GetFiles(copy)) Assert.False(FileContains(file, marker), $"the copied {Path.GetFileName(file)} holds the deleted content");

        // ... and one made with SQLite's online backup API.
        var online = Path.Combine(Sqlite.Directory, "backup-online.db");
        using (var source = new SqliteConnection($"Data Source={Sqlite.DatabasePath};Pooling=False"))
        using (var target = new SqliteConnection($"Data Source={online};Pooling=False"))
        {
            source.Open();
            target.Open();
            source.BackupDatabase(target);
        }

        Assert.False(FileContains(online, marker), "the online backup holds the deleted content");
        Assert.True(FileContains(online, "kept"), "the backup should hold what was kept");
    }

    [Fact]
    [Trait("spec", "RET-7")]
    [Trait("spec", "DEL-2")]
    public async Task After_the_sweep_no_database_file_holds_expired_content()
    {
        var (a, d, b, _) = await ThirtyDayAndFiveYearDataAsync();
        Assert.Contains(DatabaseFiles, f => FileContains(f, a));

        Time.SetUtcNow(T0 + DefaultSweepInterval);
        await EventuallyAsync(async () => await Db.ScalarAsync("SELECT COUNT(*) FROM events") == 1, "the sweeper deletes the expired events");
        await EventuallyAsync(() => Task.FromResult(!DatabaseFiles.Any(f => FileContains(f, a) || FileContains(f, d))),
            "the sweep's deletions reach the files");

        Assert.Contains(DatabaseFiles, f => FileContains(f, b));
    }
}
