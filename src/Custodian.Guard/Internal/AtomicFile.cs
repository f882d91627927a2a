namespace Custodian.Guard.Internal;

/// <summary>Writes a file whole or not at all: a temporary file beside it, flushed, then renamed over it.</summary>
internal static class AtomicFile
{
    public static void Write(string path, byte[] bytes, UnixFileMode? mode)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + ".custodian-" + Path.GetRandomFileName() + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            // The umask narrows the create mode; the mode asked for (the original file's) is set outright.
            if (mode is { } exact && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, exact);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
