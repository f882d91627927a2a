using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Custodian.Server.Tests.Infrastructure;

/// <summary>Builds real feedback bundles: a <c>.tar.gz</c> with <c>manifest.json</c> first (INTERFACES, "Feedback bundle").</summary>
public static class Bundles
{
    public static byte[] Build(string kind, IReadOnlyList<string> sessionIds, string transcriptText, bool manifestFirst = true)
    {
        var files = new List<(string Path, byte[] Content)>();
        foreach (var id in sessionIds)
        {
            files.Add(($"transcripts/{id}.jsonl", Encoding.UTF8.GetBytes(
                JsonSerializer.Serialize(new { type = "user", text = transcriptText }) + "\n")));
            files.Add(($"subagents/{id}/agent-1.jsonl", Encoding.UTF8.GetBytes("{\"type\":\"assistant\",\"text\":\"ok\"}\n")));
            files.Add(($"logs/{id}.log", Encoding.UTF8.GetBytes("started\n")));
        }

        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            formatVersion = 1,
            kind,
            sessionIds,
            createdAt = "2026-03-02T09:00:00Z",
            clientVersion = "0.1.0",
            files = files.Select(f => new { path = f.Path, sha256 = Convert.ToHexStringLower(SHA256.HashData(f.Content)), size = f.Content.Length }),
            redactions = new Dictionary<string, int>(),
        });

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            if (manifestFirst) Add(tar, "manifest.json", manifest);
            foreach (var (path, content) in files) Add(tar, path, content);
            if (!manifestFirst) Add(tar, "manifest.json", manifest);
        }

        return output.ToArray();
    }

    private static void Add(TarWriter tar, string name, byte[] content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };
        tar.WriteEntry(entry);
    }
}
