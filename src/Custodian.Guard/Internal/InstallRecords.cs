using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Custodian.Guard.Internal;

/// <summary>
/// What an install inserted into one settings file: the file's hash before and after, and the inserted spans. Uninstall
/// uses it to give the file back byte for byte when it has not changed since (GRD-1); it holds no settings content.
/// </summary>
internal sealed record InstallRecord(
    string Path,
    string? OriginalSha256,
    string InstalledSha256,
    IReadOnlyList<int[]> Inserted);

internal sealed record InstallRecordFile(int Version, IReadOnlyList<InstallRecord> Installs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(InstallRecordFile))]
internal sealed partial class InstallRecordJson : JsonSerializerContext;

/// <summary>The records of installs made from this config dir (<c>&lt;config-dir&gt;/custodian/guard-installs.json</c>).</summary>
internal sealed class InstallRecords(string path)
{
    private const int MaxBytes = 1024 * 1024;

    public string FilePath => path;

    public InstallRecord? Find(string settingsPath) => Load().FirstOrDefault(r => r.Path == settingsPath);

    public void Put(InstallRecord record) => Save([.. Load().Where(r => r.Path != record.Path), record]);

    public void Remove(string settingsPath)
    {
        var all = Load();
        if (all.Any(r => r.Path == settingsPath)) Save([.. all.Where(r => r.Path != settingsPath)]);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private List<InstallRecord> Load()
    {
        var info = new FileInfo(path);
        if (!info.Exists) return [];
        // A damaged or foreign record only costs the exact restore: uninstall then removes the guard's entries by shape.
        if (info.Length > MaxBytes) return [];
        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(path), InstallRecordJson.Default.InstallRecordFile);
            return file?.Installs?.Where(r => r?.Path is not null && r.InstalledSha256 is not null && r.Inserted is not null).ToList() ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private void Save(IReadOnlyList<InstallRecord> records) =>
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(new InstallRecordFile(1, records), InstallRecordJson.Default.InstallRecordFile), null);
}
