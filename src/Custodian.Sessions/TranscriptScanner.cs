using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Custodian.Sessions;

/// <summary>
/// Reads a transcript once, in bounded memory, for what listing and sweeping need: the newest timestamp
/// (LOC-5), the first prompt, the working directory. A line that is not an object, not UTF-8, truncated or
/// huge is counted and reported with its line number, and the scan goes on (LOC-8).
/// </summary>
public static class TranscriptScanner
{
    /// <summary>How many problems a scan keeps in detail (all are counted).</summary>
    public const int MaxProblemsKept = 20;

    /// <summary>Lines longer than this are skipped (and reported) rather than buffered.</summary>
    public const int MaxLineBytes = 64 * 1024 * 1024;

    /// <summary>The first prompt is shortened to this many characters.</summary>
    public const int FirstPromptMaxChars = 120;

    private const int InitialBufferBytes = 64 * 1024;

    /// <summary>Scans the transcript at <paramref name="path"/>.</summary>
    public static TranscriptScan Scan(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
        return Scan(stream, path);
    }

    /// <summary>Scans a transcript from a stream; <paramref name="path"/> names it in problems and gives the session id.</summary>
    public static TranscriptScan Scan(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(path);
        var state = new ScanState(path);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            int start = 0, end = 0, searched = 0;
            var skipping = false;
            while (true)
            {
                var read = stream.Read(buffer, end, buffer.Length - end);
                end += read;
                while (true)
                {
                    var newline = buffer.AsSpan(searched, end - searched).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        searched = end;
                        break;
                    }

                    newline += searched;
                    state.LineNumber++;
                    if (skipping)
                    {
                        state.Problem($"line longer than {MaxLineBytes / (1024 * 1024)} MiB: skipped");
                        skipping = false;
                    }
                    else
                    {
                        state.Line(buffer.AsSpan(start, newline - start));
                    }

                    start = searched = newline + 1;
                }

                if (read == 0)
                {
                    if (skipping)
                    {
                        state.LineNumber++;
                        state.Problem($"line longer than {MaxLineBytes / (1024 * 1024)} MiB: skipped");
                    }
                    else if (start < end)
                    {
                        state.LineNumber++;
                        state.Line(buffer.AsSpan(start, end - start));
                    }

                    break;
                }

                // Keep the unfinished line at the front; grow only while a single line needs it.
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    searched -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    if (skipping || buffer.Length >= MaxLineBytes)
                    {
                        skipping = true;
                        end = searched = 0;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, end).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return state.Result();
    }

    private sealed class ScanState(string path)
    {
        private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 512 };
        private readonly List<TranscriptProblem> _problems = [];
        private long _problemCount;
        private DateTimeOffset? _newest;
        private string? _cwd;
        private string? _firstPrompt;

        public long LineNumber { get; set; }

        public void Problem(string message)
        {
            _problemCount++;
            if (_problems.Count < MaxProblemsKept) _problems.Add(new TranscriptProblem(path, LineNumber, message));
        }

        public void Line(ReadOnlySpan<byte> line)
        {
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            if (line.Trim(" \t"u8).IsEmpty) return;
            if (!Utf8.IsValid(line))
            {
                Problem("not valid UTF-8");
                return;
            }

            var reader = new Utf8JsonReader(line, ReaderOptions);
            var isUser = false;
            var isMeta = false;
            int messageStart = -1, messageEnd = -1;
            DateTimeOffset? lineTimestamp = null;
            try
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Problem("not a JSON object (" + Describe(reader.TokenType) + ")");
                    return;
                }

                while (reader.Read())
                {
                    if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                    if (reader.ValueTextEquals("timestamp"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var ts)) lineTimestamp = ts;
                    }
                    else if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        isUser = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("user"u8);
                    }
                    else if (reader.ValueTextEquals("isMeta"u8))
                    {
                        reader.Read();
                        isMeta = reader.TokenType == JsonTokenType.True;
                    }
                    else if (reader.ValueTextEquals("cwd"u8) && _cwd is null)
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String) _cwd = reader.GetString();
                    }
                    else if (reader.ValueTextEquals("message"u8) && _firstPrompt is null)
                    {
                        reader.Read();
                        messageStart = (int)reader.TokenStartIndex;
                        reader.Skip();
                        messageEnd = (int)reader.BytesConsumed;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            catch (JsonException e)
            {
                Problem("truncated or invalid JSON: " + e.Message.Split(" LineNumber:", 2)[0].TrimEnd('.'));
                return;
            }

            // Only a line that parsed completely counts: a truncated line's timestamp is not trusted.
            if (lineTimestamp is { } t && (_newest is null || t > _newest)) _newest = t;
            if (isUser && !isMeta && messageStart >= 0)
            {
                _firstPrompt = PromptText(line[messageStart..messageEnd]);
            }
        }

        public TranscriptScan Result() => new(
            Path.GetFileNameWithoutExtension(path), _firstPrompt, _cwd, _newest, LineNumber, _problemCount, _problems);

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            _ => token.ToString(),
        };

        /// <summary>The user's words in a message, skipping tool results and Claude Code's command wrappers.</summary>
        private static string? PromptText(ReadOnlySpan<byte> message)
        {
            var reader = new Utf8JsonReader(message);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("content", out var content)) return null;
            string? text = null;
            if (content.ValueKind == JsonValueKind.String)
            {
                text = content.GetString();
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueEquals("text")
                        && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        text = value.GetString();
                        break;
                    }
                }
            }

            if (string.IsNullOrWhiteSpace(text)) return null;
            var trimmed = text.TrimStart();
            if (trimmed.StartsWith("<command-", StringComparison.Ordinal) || trimmed.StartsWith("<local-command-", StringComparison.Ordinal)
                || trimmed.StartsWith("Caveat:", StringComparison.Ordinal))
            {
                return null;
            }

            return Shorten(trimmed);
        }

        private static string Shorten(string text)
        {
            var builder = new StringBuilder(Math.Min(text.Length, FirstPromptMaxChars + 1));
            var lastWasSpace = false;
            foreach (var c in text)
            {
                var space = char.IsWhiteSpace(c);
                if (space && lastWasSpace) continue;
                builder.Append(space ? ' ' : c);
                lastWasSpace = space;
                if (builder.Length > FirstPromptMaxChars)
                {
                    builder.Length = FirstPromptMaxChars - 1;
                    builder.Append('…');
                    break;
                }
            }

            return builder.ToString().TrimEnd();
        }
    }
}
