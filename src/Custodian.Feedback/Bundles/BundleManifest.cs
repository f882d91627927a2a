using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Custodian.Redaction;

namespace Custodian.Feedback.Bundles;

/// <summary>One file of a bundle as the manifest lists it: the redacted content exactly as stored in the archive.</summary>
/// <param name="Path">The entry name inside the archive, e.g. <c>transcripts/&lt;session-id&gt;.jsonl</c>.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">The SHA-256 of its content, lower-case hex.</param>
/// <param name="Redactions">What redaction replaced in it, per rule (never the secrets, RED-5).</param>
public sealed record BundleEntry(string Path, long Size, string Sha256, RedactionReport Redactions);

/// <summary>A bundle's invalid <c>manifest.json</c>, or a bundle that is not a gzip-compressed tar.</summary>
public sealed class BundleFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BundleFormatException()
        : base("not a valid feedback bundle")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BundleFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BundleFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A bundle's <c>manifest.json</c>, its first entry (INTERFACES.md "Feedback bundle"): format version, kind,
/// session ids, created time, client version, every file with its size and SHA-256, and redaction counts per rule.
/// It holds counts and hashes only: never a secret, never a local path.
/// </summary>
/// <param name="FormatVersion">The bundle format; this code writes and reads <see cref="CurrentFormatVersion"/>.</param>
/// <param name="Kind">Feedback or transcript share.</param>
/// <param name="Scope">How far back the bundle reaches (FBK-1).</param>
/// <param name="SessionIds">The sessions in the bundle, the current one first.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="ClientVersion">The version of the client that made it.</param>
/// <param name="Files">Every other entry of the archive, in archive order.</param>
/// <param name="Redactions">The sum of the files' redactions.</param>
public sealed record BundleManifest(
    int FormatVersion,
    BundleKind Kind,
    BundleScope Scope,
    IReadOnlyList<string> SessionIds,
    DateTimeOffset CreatedAt,
    string ClientVersion,
    IReadOnlyList<BundleEntry> Files,
    RedactionReport Redactions)
{
    /// <summary>The format this code writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The manifest's entry name; it must be the archive's first entry.</summary>
    public const string EntryName = "manifest.json";

    /// <summary>The largest manifest a reader accepts: a manifest lists files, it never holds content.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>The total size of the files, uncompressed.</summary>
    public long TotalSize => Files.Sum(f => f.Size);

    /// <summary>The manifest as UTF-8 JSON.</summary>
    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", FormatVersion);
            w.WriteString("kind", Kind.ToWireName());
            w.WriteString("scope", Scope.ToWireName());
            w.WriteStartArray("sessionIds");
            foreach (var id in SessionIds) w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteString("createdAt", CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("clientVersion", ClientVersion);
            w.WriteStartArray("files");
            foreach (var f in Files)
            {
                w.WriteStartObject();
                w.WriteString("path", f.Path);
                w.WriteNumber("size", f.Size);
                w.WriteString("sha256", f.Sha256);
                w.WritePropertyName("redactions");
                WriteCounts(w, f.Redactions);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WritePropertyName("redactions");
            Redactions.WriteJson(w);
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Reads a manifest; anything missing, mistyped or inconsistent is a <see cref="BundleFormatException"/> naming the field.</summary>
    public static BundleManifest Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("expected a JSON object");

            var version = Require(root, "formatVersion", JsonValueKind.Number);
            if (!version.TryGetInt32(out var formatVersion) || formatVersion != CurrentFormatVersion)
                throw Bad($"formatVersion: unsupported version {version.GetRawText()} (this client reads {CurrentFormatVersion})");
            if (!BundleNames.TryParseKind(Require(root, "kind", JsonValueKind.String).GetString(), out var kind))
                throw Bad("kind: must be 'feedback' or 'transcript-share'");
            if (!BundleNames.TryParseScope(Require(root, "scope", JsonValueKind.String).GetString(), out var scope))
                throw Bad("scope: must be 'session', '24h' or '7d'");

            var sessions = new List<string>();
            foreach (var item in Require(root, "sessionIds", JsonValueKind.Array).EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } id) throw Bad("sessionIds: every item must be a non-empty string");
                sessions.Add(id);
            }

            if (sessions.Count == 0) throw Bad("sessionIds: must name at least one session");
            if (!DateTimeOffset.TryParse(Require(root, "createdAt", JsonValueKind.String).GetString(), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var createdAt))
                throw Bad("createdAt: not an ISO 8601 time");
            var clientVersion = Require(root, "clientVersion", JsonValueKind.String).GetString()!;

            var files = new List<BundleEntry>();
            var paths = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in Require(root, "files", JsonValueKind.Array).EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) throw Bad("files: every item must be an object");
                var path = Require(item, "path", JsonValueKind.String, "files[].").GetString()!;
                if (!IsSafeEntryName(path) || path == EntryName) throw Bad($"files: '{path}' is not a valid entry name");
                if (!paths.Add(path)) throw Bad($"files: '{path}' is listed twice");
                if (!Require(item, "size", JsonValueKind.Number, "files[].").TryGetInt64(out var size) || size < 0)
                    throw Bad($"files: '{path}': size must be a whole number of bytes");
                var sha = Require(item, "sha256", JsonValueKind.String, "files[].").GetString()!;
                if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)) throw Bad($"files: '{path}': sha256 must be 64 lower-case hex digits");
                var redactions = item.TryGetProperty("redactions", out var r) ? ReadCounts(r, $"files: '{path}': redactions") : RedactionReport.Empty;
                files.Add(new BundleEntry(path, size, sha, redactions));
            }

            var totals = Require(root, "redactions", JsonValueKind.Object);
            var total = ReadCounts(Require(totals, "rules", JsonValueKind.Object, "redactions."), "redactions.rules");
            if (!Require(totals, "total", JsonValueKind.Number, "redactions.").TryGetInt64(out var sum) || sum != total.Total)
                throw Bad("redactions.total: does not match the sum of redactions.rules");

            return new BundleManifest(formatVersion, kind, scope, sessions, createdAt, clientVersion, files, total);
        }
        catch (JsonException e)
        {
            throw Bad("not valid JSON: " + e.Message.Split(" Path:", 2)[0]);
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a plain relative entry name: no absolute path, no <c>..</c> or <c>.</c>
    /// segment, no empty segment, no backslash or control character. Bundles never need anything else, and a reader
    /// that extracts one must never be led outside its directory.
    /// </summary>
    public static bool IsSafeEntryName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 1024 || name[0] == '/' || name.Contains('\\', StringComparison.Ordinal)) return false;
        if (name.Any(char.IsControl)) return false;
        return name.Split('/').All(segment => segment.Length > 0 && segment is not ("." or ".."));
    }

    private static JsonElement Require(JsonElement obj, string name, JsonValueKind kind, string prefix = "")
    {
        if (!obj.TryGetProperty(name, out var value)) throw Bad($"{prefix}{name}: required");
        if (value.ValueKind != kind) throw Bad($"{prefix}{name}: expected {kind.ToString().ToLowerInvariant()}");
        return value;
    }

    private static RedactionReport ReadCounts(JsonElement obj, string where)
    {
        if (obj.ValueKind != JsonValueKind.Object) throw Bad($"{where}: expected an object of counts per rule");
        var counts = new List<KeyValuePair<string, long>>();
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out var n) || n < 0)
                throw Bad($"{where}: {p.Name}: expected a count");
            counts.Add(new(p.Name, n));
        }

        return counts.Count == 0 ? RedactionReport.Empty : new RedactionReport(counts);
    }

    private static void WriteCounts(Utf8JsonWriter w, RedactionReport report)
    {
        w.WriteStartObject();
        foreach (var (id, count) in report.Counts) w.WriteNumber(id, count);
        w.WriteEndObject();
    }

    private static BundleFormatException Bad(string message) => new("manifest.json: " + message);
}
