using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Custodian.Redaction.Throughput;

/// <summary>
/// Writes transcript-like JSON Lines: the shape of Claude Code's session files (uuids, timestamps, usage,
/// messages with prose, code and tool results, JSON inside JSON), with a given rate of planted secrets.
/// </summary>
internal static class TranscriptGenerator
{
    private static readonly JsonSerializerOptions Js = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Words =
        ("the a to of and in is for that it with on as this be are was by not or an can file function code test " +
         "we will let me check run build error fix change update add remove return value type string number " +
         "should would could now then here there what which when where how because so if else also just like " +
         "component state props render hook effect query data user session request response server client config " +
         "path directory module import export default const let var async await promise result list map filter").Split(' ');

    private static readonly string[] CodeLines =
    [
        "import { useState, useEffect } from 'react';",
        "export function formatDate(date: Date): string {",
        "  const result = await fetch(`/api/users/${userId}/sessions`);",
        "  if (!response.ok) throw new Error(`HTTP ${response.status}`);",
        "def parse_config(path: str) -> dict[str, Any]:",
        "    with open(path, encoding=\"utf-8\") as f:",
        "        return json.load(f)",
        "for (int i = 0; i < items.Count; i++) { total += items[i].Price; }",
        "SELECT id, name, created_at FROM users WHERE org_id = $1 ORDER BY created_at DESC;",
        "  \"scripts\": { \"build\": \"tsc -p .\", \"test\": \"vitest run\" },",
        "git commit -m \"fix: handle empty input in parser\"",
        "npm install --save-dev @types/node@20.11.5 typescript@5.4.2",
        "/home/user/projects/acme-web/src/components/Button.tsx:42:17 - error TS2322",
        "  at Object.<anonymous> (/home/user/projects/acme-web/node_modules/vitest/dist/index.js:118:9)",
        "return self.cache.get(key) or self._load(key, timeout=30)",
        "    <div className=\"flex items-center gap-2\">{children}</div>",
    ];

    public static void Write(string path, long bytes, double secretsPerMegabyte, int seed)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        long written = 0;
        double secretBudget = 0;
        var time = new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc);
        string session = Guid.NewGuid().ToString();
        string? parent = null;
        while (written < bytes)
        {
            string uuid = NewUuid(random);
            var text = new StringBuilder();
            int kind = random.Next(10);
            if (kind < 4)
            {
                Prose(random, text, random.Next(10, 80));
            }
            else if (kind < 8)
            {
                text.Append("```\n");
                for (int i = random.Next(5, 40); i > 0; i--)
                {
                    text.Append(CodeLines[random.Next(CodeLines.Length)]).Append('\n');
                }

                text.Append("```\n");
            }
            else
            {
                Prose(random, text, 20);
            }

            secretBudget += text.Length * secretsPerMegabyte / 1_000_000.0;
            while (secretBudget >= 1 || (secretBudget > 0 && random.NextDouble() < secretBudget))
            {
                var (_, make) = SecretFormats.All[random.Next(SecretFormats.All.Length)];
                text.Insert(random.Next(text.Length), "\n" + make(random).Line + "\n");
                secretBudget -= 1;
            }

            string content = kind >= 8
                ? "\"toolUseResult\":" + JsonSerializer.Serialize(JsonSerializer.Serialize(new { stdout = text.ToString(), stderr = "", interrupted = false }, Js), Js)
                : "\"message\":{\"role\":\"" + (kind < 4 ? "user" : "assistant") + "\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[{\"type\":\"text\",\"text\":" +
                  JsonSerializer.Serialize(text.ToString(), Js) + "}],\"usage\":{\"input_tokens\":" + random.Next(1, 5000) +
                  ",\"cache_creation_input_tokens\":" + random.Next(0, 20000) + ",\"cache_read_input_tokens\":" + random.Next(0, 90000) +
                  ",\"output_tokens\":" + random.Next(1, 3000) + ",\"service_tier\":\"standard\"}}";
            time = time.AddSeconds(random.Next(1, 90));
            string line = "{\"parentUuid\":" + (parent is null ? "null" : "\"" + parent + "\"") + ",\"isSidechain\":false,\"userType\":\"external\"," +
                "\"cwd\":\"/home/user/projects/acme-web\",\"sessionId\":\"" + session + "\",\"version\":\"2.0.14\",\"gitBranch\":\"main\"," +
                "\"type\":\"" + (kind < 4 ? "user" : "assistant") + "\"," + content + ",\"uuid\":\"" + uuid + "\",\"timestamp\":\"" +
                time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) + "\"}";
            writer.Write(line);
            writer.Write('\n');
            written += Encoding.UTF8.GetByteCount(line) + 1;
            parent = uuid;
        }
    }

    private static void Prose(Random random, StringBuilder text, int words)
    {
        for (int i = 0; i < words; i++)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(i % 12 == 11 ? ".\n" : " ");
        }
    }

    private static string NewUuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}
