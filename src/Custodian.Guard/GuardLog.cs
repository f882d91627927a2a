using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Custodian.Guard;

/// <summary>
/// The guard's decisions on this machine (GRD-7): one JSON line each in <c>&lt;config-dir&gt;/custodian/guard-log.jsonl</c>,
/// holding rule ids and counts, never a secret or the text around it. The file is kept under
/// <see cref="MaxBytes"/>: past it, the log moves to <c>guard-log.1.jsonl</c> (the previous one dropped).
/// </summary>
public sealed class GuardLog
{
    /// <summary>The size at which the log is rotated.</summary>
    public const long MaxBytes = 8L * 1024 * 1024;

    private const int MaxLineBytes = 64 * 1024;

    /// <summary>The log of the config dir <paramref name="configDir"/>.</summary>
    public GuardLog(string configDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDir);
        FilePath = Path.Combine(configDir, "custodian", "guard-log.jsonl");
    }

    /// <summary>The log file.</summary>
    public string FilePath { get; }

    private string RotatedPath => Path.ChangeExtension(FilePath, null) + ".1.jsonl";

    /// <summary>Appends a decision as one line (a single append write, so parallel hooks do not interleave).</summary>
    public void Append(GuardDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var info = new FileInfo(FilePath);
        if (info.Exists && info.Length > MaxBytes) File.Move(FilePath, RotatedPath, overwrite: true);
        var line = Line(decision);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(FilePath, options);
        stream.Write(line);
    }

    /// <summary>
    /// The entry as one line, newline included, written directly rather than through the serializer context, whose
    /// metadata would cost each hook process a noticeable share of its run (the reader still uses the context).
    /// </summary>
    internal static byte[] Line(GuardDecision decision)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("time", decision.Time);
            WriteIfSet(writer, "session", decision.SessionId);
            writer.WriteString("event", decision.Event);
            WriteIfSet(writer, "tool", decision.Tool);
            WriteIfSet(writer, "agent", decision.AgentId);
            writer.WriteString("action", GuardActions.NameOf(decision.Action));
            writer.WriteStartArray("rules");
            foreach (var rule in decision.Rules) writer.WriteStringValue(rule);
            writer.WriteEndArray();
            writer.WriteNumber("count", decision.Count);
            WriteIfSet(writer, "detail", decision.Detail);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();

        static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
        {
            if (value is not null) writer.WriteString(name, value);
        }
    }

    /// <summary>The recorded decisions, oldest first (the rotated file's, then the current one's); lines that are not entries are skipped.</summary>
    public IReadOnlyList<GuardDecision> Read(string? sessionId = null)
    {
        var decisions = new List<GuardDecision>();
        foreach (var path in (string[])[RotatedPath, FilePath])
        {
            if (!File.Exists(path)) continue;
            using var reader = new StreamReader(path, new UTF8Encoding(false));
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0 || line.Length > MaxLineBytes) continue;
                try
                {
                    var entry = JsonSerializer.Deserialize(line, GuardLogJson.Default.GuardLogEntry);
                    if (entry?.ToDecision() is { } decision && (sessionId is null || decision.SessionId == sessionId)) decisions.Add(decision);
                }
                catch (JsonException)
                {
                }
            }
        }

        return decisions;
    }
}

/// <summary>A decision as the log stores it.</summary>
internal sealed record GuardLogEntry(
    DateTimeOffset Time,
    string? Session,
    string Event,
    string? Tool,
    string? Agent,
    string Action,
    IReadOnlyList<string> Rules,
    int Count,
    string? Detail)
{
    public static GuardLogEntry From(GuardDecision d) =>
        new(d.Time, d.SessionId, d.Event, d.Tool, d.AgentId, GuardActions.NameOf(d.Action), d.Rules, d.Count, d.Detail);

    public GuardDecision? ToDecision() =>
        Event is null || !GuardActions.TryParse(Action, out var action) ? null : new(Time, Session, Event, Tool, action, Rules ?? [], Count, Detail, Agent);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GuardLogEntry))]
internal sealed partial class GuardLogJson : JsonSerializerContext;
